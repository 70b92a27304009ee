"""Check a hand-derived ``backward`` against central finite differences.

This is how every gradient in minigan is proved, and how coursework is graded::

    import numpy as np
    import minigan as mg

    def test_my_layer_gradients():
        layer = MyLayer(4, 3, dtype="float64")
        x = np.random.default_rng(0).standard_normal((5, 4))
        mg.gradcheck.assert_layer_gradients(layer, x)

**What is compared.** The check uses the scalar ``L = sum(forward(x) * g)`` for a random
upstream gradient ``g``, so ``backward(g)`` must return ``dL/dx`` and store ``dL/dparam`` in
``grads``. Each entry is compared with ``(L(theta + h) - L(theta - h)) / 2h``. The error of an
entry is ``|analytic - numeric| / max(|analytic|, |numeric|, atol)``: relative, except for
entries smaller than ``atol``, where float64 cannot resolve a relative error (a sigmoid deep
in its tail has a true derivative below 1e-13 that no finite difference can see).

**Why ``g`` can never be your ``x``.** ``g`` is drawn from its own stream,
``default_rng([seed, SALT])``, with the constant ``SALT`` below. No plain seed reproduces that
stream, so ``g`` is independent of any ``x`` a student draws, whatever seed they use. (Were
``g`` equal to ``x``, a backward that multiplies by ``x`` instead of ``dy``, or a ``Linear``
whose ``dW`` misses a transpose, would pass.)

**Randomness held fixed.** Every random generator reachable from the layer, under any
attribute name and through sub-layers (:func:`minigan.rng.generators`), and NumPy's global
legacy state (``np.random.rand``) are put back to their starting states before each forward
pass, so dropout draws the same mask on every pass.

**Asked twice.** ``backward`` runs a second time on the same input and ``g`` and must give the same
gradients: training calls it once per update, so ``grads[k] +=`` or a count kept between calls
would pass one comparison and still train wrongly. Each call gets its own copy of ``g``.

**When it fails, it says why when it can.** The message names the gradient, the worst index
and both values, and adds: that the loss has a kink within ``h`` of the failing entries (one-
sided slopes disagree: a ReLU input at 0, a maxout tie), or that analytic/numerical is one
constant ratio (a missing ``1/(1 - p)``, a factor 2, a flipped sign).

:func:`check_gan_step` does the same for a whole step of Algorithm 1, through both networks.
"""
import copy

import numpy as np

from . import backend as _backend
from . import rng as _rng
from .contract import Layer, check_backward, require_layer

SALT = 0x6D696E6967616E67  # b"miniganG": salts the stream g is drawn from (see above)


def numeric_gradient(f, array, h=1e-5):
    """Central differences of the scalar ``f()`` with respect to every entry of ``array``.

    ``array`` is changed in place, one entry at a time, and put back: ``f`` must read it
    (a parameter of a layer, an input that ``f`` closes over). Returns an array shaped like
    ``array``: ``(f(a + h e_i) - f(a - h e_i)) / 2h`` for each entry ``i``. Use float64.
    """
    grad = np.zeros(array.shape, dtype=np.float64)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + h
        plus = f()
        array[i] = old - h
        minus = f()
        array[i] = old
        grad[i] = np.sum(plus - minus) / (2 * h)
    return grad


def _require_float64(name, a):
    __tracebackhide__ = True
    if not isinstance(a, np.ndarray) and _backend.name(a) == "cupy":
        raise TypeError(
            f"gradient check runs on NumPy, but {name} is a CuPy array (on the GPU, dtype "
            f"{a.dtype}): build the layer with backend='numpy' and dtype='float64', and pass "
            "minigan.backend.to_numpy(x).astype('float64'). Compare CuPy with NumPy afterwards.")
    if not isinstance(a, np.ndarray) or a.dtype != np.float64:
        raise TypeError(
            f"gradient check needs float64 NumPy arrays, but {name} is "
            f"{type(a).__module__}.{type(a).__name__} of dtype {getattr(a, 'dtype', '?')}: build "
            "the layer with dtype='float64' (and backend='numpy') and pass x as float64. "
            "float32 has too few digits for finite differences.")


def _freezer(*nets):
    """A function that puts every generator in ``nets`` (and NumPy's global state) back to
    where it is now; call it before each forward pass."""
    found = [getattr(h, a) for net in nets for h, a in _rng.generators(net).values()]
    saved = [copy.deepcopy(_rng.get_state(g)) for g in found]
    legacy = np.random.get_state()

    def reset():
        for g, s in zip(found, saved):
            _rng.set_state(g, copy.deepcopy(s))
        np.random.set_state(legacy)
    return reset


def upstream(shape, seed=0, avoid=None):
    """The upstream gradient ``g`` of shape ``shape``, from the salted stream (module docstring).
    ``avoid``: an array ``g`` must not equal (the input); a second draw is taken if it would."""
    g = np.random.default_rng([seed, SALT]).standard_normal(shape)
    if avoid is not None and g.shape == avoid.shape and np.allclose(g, avoid):
        g = np.random.default_rng([seed, SALT, 1]).standard_normal(shape)
    return g


def _compare(layer, x, h, seed, train):
    """Analytic and numerical gradients of ``L = sum(forward(x) * g)``, plus a function giving
    the one-sided slopes at an entry (for the kink diagnosis)."""
    __tracebackhide__ = True
    require_layer(layer, "gradient check")
    _require_float64("x", x)
    for k, p in layer.params.items():
        _require_float64(f"parameter {k!r}", p)
    x = x.copy()
    reset = _freezer(layer)

    def forward():
        __tracebackhide__ = True
        reset()
        return layer.forward(x, train=train)

    y = forward()
    g = upstream(y.shape, seed, avoid=x)
    if isinstance(layer, Layer):  # everything is asked for, whatever flags were set by hand
        layer.requires_grad = layer.needs_input_grad = True

    def take():  # forward, then backward with its own copy of g (scaling dy in place is allowed)
        __tracebackhide__ = True
        forward()
        dx = layer.backward(g.copy())
        try:
            check_backward(layer, x.shape, dx)
        except ValueError as err:  # the same message Sequential and GAN give, as a failed test
            raise AssertionError(str(err)) from None
        return {"x": np.array(dx), **{k: np.array(v) for k, v in layer.grads.items()}}
    analytic, again = take(), take()
    _same_twice(repr(layer), "a second backward with the same input and upstream gradient", analytic, again)

    # Only differences of outputs are summed, so unchanged outputs cancel exactly.
    y0 = forward().copy()  # an identity layer (dropout in eval) returns x, which is moved below
    def loss():
        return (forward() - y0) * g

    arrays = {"x": x, **layer.params}
    numeric = {k: numeric_gradient(loss, a, h) for k, a in arrays.items()}

    def one_sided(k, i):
        a = arrays[k]
        old = a[i]
        a[i] = old + h
        right = np.sum(loss()) / h
        a[i] = old - h
        left = -np.sum(loss()) / h
        a[i] = old
        return left, right
    return analytic, numeric, one_sided


def _same_twice(who, what, first, again):
    """Asked twice, backward must answer the same: training calls it once per update, so a
    ``grads[k] +=`` or a count kept between calls would pass one comparison and still train wrongly."""
    __tracebackhide__ = True
    for k, a in first.items():
        b = again.get(k)
        if b is None or b.shape != a.shape or not np.allclose(a, b, rtol=1e-10, atol=0):
            raise AssertionError(
                f"{who}: {what} gave another d{k}{'' if b is None else f' (first {_worst(a, b)})'}. "
                "backward must compute its gradients afresh on every call: assign grads[name] = ..., "
                "never grads[name] += ..., and keep no count or state between calls.")


def _worst(a, b):
    i = np.unravel_index(np.abs(a - b).argmax(), a.shape) if a.shape == b.shape and a.size else None
    if i is None:
        return f"shape {a.shape}, then {b.shape}"
    return f"{a[i]:.10g}, then {b[i]:.10g} at {[int(j) for j in i]}"


def _errors(analytic, numeric, atol):
    return np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), atol)


def _diagnosis(k, a, n, err, tol, atol, one_sided):
    """Why gradient ``k`` may be off, in words: a kink, or one constant ratio. '' if neither."""
    bad = np.argwhere(err > tol)[:50]
    kinks = 0
    for i in map(tuple, bad):
        left, right = one_sided(k, i)
        if abs(left - right) >= 0.5 * abs(a[i] - n[i]):  # the disagreement is the kink's
            kinks += 1
    if kinks:
        return (f"    {kinks} of the {len(bad)} failing entries checked sit within h of a kink: "
                "the slope from the left differs from the slope from the right there (an input "
                "of a ReLU/LeakyReLU at or near 0, a maxout tie), so no derivative exists and "
                "the finite difference averages the two sides. Draw inputs away from kinks "
                "(x from rng.standard_normal, not zeros or integers; a small random bias "
                "breaks maxout ties), or pass a smaller h.")
    big = np.abs(n) > atol
    if big.sum() >= 2:
        ratio = a[big] / n[big]
        c = np.median(ratio)
        if abs(c - 1) > 1e-3 and np.all(np.abs(ratio - c) <= 1e-4 * abs(c)):
            return (f"    analytic = {c:.6g} x numerical for every entry of d{k}: the shape of "
                    "the gradient is right but a constant factor is wrong (a missing or extra "
                    "1/(1 - p), a factor 2, a mean instead of a sum, a flipped sign).")
    return ""


def check_layer(layer, x, h=1e-5, atol=1e-4, seed=0, train=True):
    """Maximum error of ``layer.backward`` against finite differences, per gradient.

    Args:
        layer: any object with ``forward(x, train)``, ``backward(dy) -> dx``, ``params``,
            ``grads``, built in float64 on the NumPy backend.
        x: float64 input of shape ``(batch, features)``.
        h: finite-difference step.
        atol: entries below this size are compared absolutely (see the module docstring).
        seed: seed of the salted stream that the upstream gradient ``g`` is drawn from.
        train: passed to ``forward`` (dropout is active with ``train=True``).

    Returns:
        ``{"x": err, "<param>": err, ...}``: the largest error over the entries of each gradient.
    """
    __tracebackhide__ = True
    analytic, numeric, _ = _compare(layer, x, h, seed, train)
    return {k: float(_errors(analytic[k], numeric[k], atol).max(initial=0.0)) for k in analytic}


def _report(what, analytic, numeric, tol, atol, one_sided=None):
    __tracebackhide__ = True
    lines = []
    for k in analytic:
        err = _errors(analytic[k], numeric[k], atol)
        if err.size and err.max() > tol:
            i = np.unravel_index(err.argmax(), err.shape)
            lines.append(f"  d{k}{[int(j) for j in i]}: analytic {analytic[k][i]:.10g}, numerical "
                         f"{numeric[k][i]:.10g} (error {err[i]:.2e} > tol {tol:.0e}; "
                         f"{int((err > tol).sum())} of {err.size} entries off)")
            if one_sided is not None:
                why = _diagnosis(k, analytic[k], numeric[k], err, tol, atol, one_sided)
                lines += [why] if why else []
    if lines:
        raise AssertionError(f"{what}: backward disagrees with finite differences\n" + "\n".join(lines))


def assert_layer_gradients(layer, x, tol=1e-6, h=1e-5, atol=1e-4, seed=0, train=True):
    """Fail (``AssertionError``) unless every gradient of ``layer`` is within ``tol`` of
    finite differences. The message names the gradient, the worst index, the analytic and
    numerical values there, and, when it can tell, why (a kink, a constant factor).
    Arguments as in :func:`check_layer`."""
    __tracebackhide__ = True
    analytic, numeric, one_sided = _compare(layer, x, h, seed, train)
    _report(repr(layer), analytic, numeric, tol, atol, one_sided)


def _gan_gradients(gan, x_real, z, h, y=None):
    """``{"D": (analytic, numeric), "G": (analytic, numeric)}`` for one step's losses."""
    __tracebackhide__ = True
    for tag, net in (("D", gan.D), ("G", gan.G)):
        for k, p in net.params.items():
            _require_float64(f"{tag} parameter {k!r}", p)
    _require_float64("x_real", x_real)
    _require_float64("z", z)
    reset = _freezer(gan.D, gan.G)
    labels = () if y is None else (y, y)  # a conditional GAN: real and fake carry the same labels
    copied = lambda net: {k: np.array(g) for k, g in net.grads.items()}  # noqa: E731
    if gan.update == "simultaneous":
        def run(which):
            reset()
            return gan.simultaneous_gradients(x_real, z, *labels)[which]

        def take():
            run("d_loss")
            return {"D": copied(gan.D), "G": copied(gan.G)}
        d_loss, g_loss = (lambda: run("d_loss")), (lambda: run("g_loss"))
    else:
        def d_loss():
            reset()
            return gan.discriminator_gradients(x_real, z, *labels)["d_loss"]

        def g_loss():
            reset()
            return gan.generator_gradients(z, *labels[1:])

        def take():
            d_loss()
            found = {"D": copied(gan.D)}
            g_loss()
            return dict(found, G=copied(gan.G))
    analytic, again = take(), take()
    for tag in ("D", "G"):
        _same_twice(f"{tag} of {type(gan).__name__}", "the same step taken a second time", analytic[tag], again[tag])
    numeric = {"D": {k: numeric_gradient(d_loss, p, h) for k, p in gan.D.params.items()},
               "G": {k: numeric_gradient(g_loss, p, h) for k, p in gan.G.params.items()}}
    return {tag: (analytic[tag], numeric[tag]) for tag in ("D", "G")}


def check_gan_step(gan, x_real, z, h=1e-6, atol=1e-4, y=None):
    """Whole-step check of Algorithm 1: the gradients one step would apply, through both nets.

    For ``update="alternating"``: D's gradient from ``gan.discriminator_gradients(x_real, z)``
    against finite differences of D's loss, and G's from ``gan.generator_gradients(z)`` (back-
    propagated through D) against finite differences of G's loss. For ``"simultaneous"``: both
    from the one shared pass. This is the test that catches a D whose real-data gradient was
    computed from fake activations. Dropout masks are held fixed; everything must be float64.
    A conditional GAN (``classes=C``) needs ``y``, ``(m,)`` integer labels: the real and the fake
    minibatch both carry them (as in ``GAN.step``, where G's half takes the real half's labels).

    Returns ``{"D": {param: err}, "G": {param: err}}``, errors as in :func:`check_layer`.
    """
    __tracebackhide__ = True
    found = _gan_gradients(gan, x_real, z, h, y)
    return {tag: {k: float(_errors(a[k], n[k], atol).max(initial=0.0)) for k in a}
            for tag, (a, n) in found.items()}


def assert_gan_gradients(gan, x_real, z, tol=1e-5, h=1e-6, atol=1e-4, y=None):
    """:func:`check_gan_step` as a test assertion: fails naming the net, the parameter, the
    worst index and both values. G must also get a gradient at all (a generator whose
    gradient is exactly zero passes every finite-difference test of D)."""
    __tracebackhide__ = True
    for tag, (a, n) in _gan_gradients(gan, x_real, z, h, y).items():
        _report(f"{tag} of {type(gan).__name__}", a, n, tol, atol)
        if tag == "G" and not any(np.abs(g).max(initial=0) > 0 for g in a.values()):
            raise AssertionError("G got no gradient at all: G's loss is not back-propagated "
                                 "through D into G")
