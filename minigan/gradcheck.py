"""Check a layer's hand-derived ``backward`` against central finite differences.

This is how every gradient in minigan is proved, and how coursework is graded::

    import numpy as np
    import minigan as mg

    def test_my_layer_gradients():
        layer = MyLayer(4, 3, dtype="float64")
        x = np.random.default_rng(0).standard_normal((5, 4))
        mg.gradcheck.assert_layer_gradients(layer, x)

The check uses the scalar ``L = sum(forward(x) * g)`` for a fixed random ``g``, so
``backward(g)`` must return ``dL/dx`` and store ``dL/dparam`` in ``grads``. Each entry
is compared with ``(L(theta + h) - L(theta - h)) / 2h``. The error of an entry is
``|analytic - numeric| / max(|analytic|, |numeric|, atol)``: relative, except for entries
smaller than ``atol``, where float64 cannot resolve a relative error (a sigmoid deep in
its tail has a true derivative below 1e-13 that no finite difference can see).

Random layers (dropout) are checked with their randomness held fixed: every generator
found as an ``rng`` attribute of the layer (or of the layers of a ``Sequential``) is
reset to its starting state before each forward pass, so each pass draws the same mask.
"""
import copy

import numpy as np


def _generators(layer):
    found = [layer.rng] if isinstance(getattr(layer, "rng", None), np.random.Generator) else []
    for sub in getattr(layer, "layers", []):
        found += _generators(sub)
    return found


def _require_float64(name, a):
    if not isinstance(a, np.ndarray) or a.dtype != np.float64:
        raise TypeError(
            f"gradient check needs float64 NumPy arrays, but {name} is "
            f"{type(a).__name__} of dtype {getattr(a, 'dtype', '?')}: build the layer with "
            "dtype='float64' (and backend='numpy') and pass x as float64. float32 has too "
            "few digits for finite differences.")


def _numeric(f, a, h):
    """Central differences of the scalar ``f()`` with respect to every entry of ``a`` (in place)."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        plus = f()
        a[i] = old - h
        minus = f()
        a[i] = old
        grad[i] = np.sum((plus - minus)) / (2 * h)
    return grad


def _errors(analytic, numeric, atol):
    return np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), atol)


def _compare(layer, x, h, atol, seed, train):
    _require_float64("x", x)
    for k, p in layer.params.items():
        _require_float64(f"parameter {k!r}", p)
    x = x.copy()
    rngs = _generators(layer)
    states = [copy.deepcopy(r.bit_generator.state) for r in rngs]

    def forward():
        for r, s in zip(rngs, states):
            r.bit_generator.state = copy.deepcopy(s)
        return layer.forward(x, train=train)

    y = forward()
    g = np.random.default_rng(seed).standard_normal(y.shape)
    dx = layer.backward(g)
    if dx.shape != x.shape:
        raise AssertionError(f"{layer!r}.backward returned dx of shape {dx.shape}, "
                             f"but x has shape {x.shape}")
    if set(layer.grads) != set(layer.params):
        raise AssertionError(f"{layer!r}: grads has keys {sorted(layer.grads)} but params has "
                             f"{sorted(layer.params)}; backward must store a gradient for each parameter")
    analytic = {"x": dx, **{k: np.array(v) for k, v in layer.grads.items()}}

    # Only differences of outputs are summed, so unchanged outputs cancel exactly.
    y0 = forward().copy()  # an identity layer (dropout in eval) returns x, which _numeric moves
    def loss():
        return (forward() - y0) * g

    numeric = {"x": _numeric(loss, x, h)}
    for k, p in layer.params.items():
        if analytic[k].shape != p.shape:
            raise AssertionError(f"{layer!r}: grads[{k!r}] has shape {analytic[k].shape} but "
                                 f"params[{k!r}] has shape {p.shape}")
        numeric[k] = _numeric(loss, p, h)
    return analytic, numeric


def check_layer(layer, x, h=1e-5, atol=1e-4, seed=0, train=True):
    """Maximum error of ``layer.backward`` against finite differences, per gradient.

    Args:
        layer: any object with ``forward(x, train)``, ``backward(dy)``, ``params``, ``grads``,
            built in float64 on the NumPy backend.
        x: float64 input of shape ``(batch, features)``.
        h: finite-difference step.
        atol: entries below this size are compared absolutely (see the module docstring).
        seed: seed of the random upstream gradient ``g``.
        train: passed to ``forward`` (dropout is active with ``train=True``).

    Returns:
        ``{"x": err, "<param>": err, ...}``: the largest error over the entries of each gradient.
    """
    analytic, numeric = _compare(layer, x, h, atol, seed, train)
    return {k: float(_errors(analytic[k], numeric[k], atol).max(initial=0.0)) for k in analytic}


def assert_layer_gradients(layer, x, tol=1e-6, h=1e-5, atol=1e-4, seed=0, train=True):
    """Fail (``AssertionError``) unless every gradient of ``layer`` is within ``tol`` of
    finite differences; the message names the gradient, the worst index, and the
    analytic and numerical values there. Arguments as in :func:`check_layer`."""
    analytic, numeric = _compare(layer, x, h, atol, seed, train)
    report = []
    for k in analytic:
        err = _errors(analytic[k], numeric[k], atol)
        if err.size and err.max() > tol:
            i = np.unravel_index(err.argmax(), err.shape)
            report.append(f"  d{k}{[int(j) for j in i]}: analytic {analytic[k][i]:.10g}, numerical "
                          f"{numeric[k][i]:.10g} (error {err[i]:.2e} > tol {tol:.0e}; "
                          f"{int((err > tol).sum())} of {err.size} entries off)")
    if report:
        raise AssertionError(f"{layer!r}: backward disagrees with finite differences\n"
                             + "\n".join(report))
