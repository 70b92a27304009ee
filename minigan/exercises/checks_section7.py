"""The checks of lesson 10 (what Section 7 of the paper left for later): the concatenating layer
of Mirza & Osindero's conditional nets, the loss of the inference network, and the few-label
probe. Like :mod:`minigan.exercises.checks`, each builds its own data from fixed seeds, shaped so
that the usual wrong answers differ from the right one (a batch of m > 1 with m != z_dim, an L2
weight that is neither 0 nor 1, branches whose input and output widths all differ), and names the
likely mistake. ``tests/test_exercise_checks_section7.py`` holds the wrong answers each refuses."""
import numpy as np

from .grading import _close, _exercise, _known_mistakes, expect_pair, expect_shape


def _unless_right(want, mistakes):
    """The ``(value, message)`` pairs of ``mistakes`` whose value is not ``want`` (at l2 = 0,
    forgetting the L2 term is no mistake)."""
    return [(value, message) for value, message in mistakes if not _close(value, want)]


def _conditional_layer(cls):
    """A small ``cls`` (a ``Concat``) in float64: a 'noise' branch (3 columns -> 4 tanh) beside a
    'label' branch (2 columns -> maxout 3 units x 2 pieces): input columns 3 | 2, output 4 | 3."""
    from ..layers import Linear, Maxout, Sequential, Tanh

    s = np.random.SeedSequence(10).spawn(2)
    branches = [Sequential(Linear(3, 4, 0.7, s[0], dtype="float64"), Tanh()),
                Maxout(2, 3, 2, 0.7, s[1], dtype="float64")]
    branches[1].params["b"][...] = np.linspace(-1, 1, 6)   # no maxout ties
    return cls(branches, widths=[3, 2])


def _columns(part, whole):
    """``'dy[:, a:b]'`` for the columns of ``whole`` equal to ``part``, or its shape if none are."""
    if part.ndim == 2 and len(part) == len(whole):
        width = part.shape[1]
        for a in range(whole.shape[1] - width + 1):
            if np.array_equal(part, whole[:, a:a + width]):
                return f"dy[:, {a}:{a + width}]"
    return f"an array of shape {tuple(part.shape)}"


def _watch(layer):
    """Make each branch of ``layer`` refuse (AssertionError) any ``dy`` but its own columns of the
    ``dy`` last handed to ``layer.backward`` (kept in ``layer.dy``), and count its calls."""
    layer.calls = [0] * len(layer.branches)
    for i, branch in enumerate(layer.branches):
        def backward(dy, i=i, library_backward=branch.backward):
            a, b = int(layer.out_starts[i]), int(layer.out_starts[i + 1])
            dy = np.asarray(dy)
            if not (dy.shape == (len(layer.dy), b - a) and np.array_equal(dy, layer.dy[:, a:b])):
                handed = _columns(dy, layer.dy)
                at_inputs = handed == f"dy[:, {int(layer.starts[i])}:{int(layer.starts[i + 1])}]"
                inputs = (" (the columns its input has in x: layer.starts splits x, layer.out_starts "
                          "splits y and dy)") if at_inputs else ""
                raise AssertionError(
                    f"branch {i} was handed {handed}{inputs}, but its output fills y[:, {a}:{b}]: "
                    "hand each branch the columns of dy its own output fills, "
                    "dy[:, out_starts[i]:out_starts[i + 1]]")
            layer.calls[i] += 1
            return library_backward(dy)
        branch.backward = backward
    return layer


@_exercise("Concat backward")
def check_concat_backward(concat_backward):
    """Lesson 10: ``concat_backward(layer, dy)`` on a ``Concat`` whose two branches take 3 and 2
    input columns and give 4 and 3 output columns; each branch must be handed exactly its own
    columns of ``dy``, ``dx`` must equal ``Concat.backward``'s, then the gradient checker runs on
    ``StudentConcat``."""
    from ..gradcheck import assert_layer_gradients
    from ..layers import Concat

    class StudentConcat(Concat):
        def backward(self, dy):
            self.dy = dy
            return concat_backward(self, dy)

    rng = np.random.default_rng(11)
    x, dy = rng.standard_normal((5, 5)), rng.standard_normal((5, 7))
    yours, library = _watch(_conditional_layer(StudentConcat)), _conditional_layer(Concat)
    yours.forward(x), library.forward(x)
    want = library.backward(dy)
    yours.dy = dy
    dx = concat_backward(yours, dy.copy())
    for i, n in enumerate(yours.calls):
        assert n == 1, (f"branch {i}'s backward was called {n} times, once is right: call "
                        "branch.backward(its columns of dy) for each branch, which also fills its grads")
    expect_shape(dx, x.shape, "concat_backward(layer, dy) for x of shape (5, 3 + 2)")
    dx = np.asarray(dx, dtype=np.float64)
    parts = np.split(want, [int(library.starts[1])], axis=1)
    _known_mistakes(dx, [(np.concatenate(parts[::-1], axis=1),
                          "the branches' dx are concatenated in reverse order: x's first columns "
                          "belong to branch 0, so np.concatenate([dx_0, dx_1], axis=1)")])
    assert _close(dx, want), (f"dx differs from Concat.backward by up to {np.max(np.abs(dx - want)):.3g}: "
                              "dx = [branch_0.backward(dy_0), branch_1.backward(dy_1)] along axis 1")
    for k, g in library.grads.items():
        assert _close(yours.grads[k], g), f"the gradient of parameter {k!r} differs from Concat's"
    assert_layer_gradients(_watch(_conditional_layer(StudentConcat)), x)


@_exercise("Encoder loss gradient")
def check_encoder_loss(encoder_loss):
    """Lesson 10: ``encoder_loss(e, z) -> (L, dL/de)``, ``L = (1/m) sum_i 1/2 ||e_i - z_i||^2``,
    on a batch of m = 6 codes of z_dim = 4 (so dividing by the wrong one, or by both, shows)."""
    rng = np.random.default_rng(12)
    e, z = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    m, d = e.shape
    loss, de = expect_pair(encoder_loss(e.copy(), z.copy()), "encoder_loss(e, z) should return (loss, de)")
    expect_shape(de, e.shape, "dL/de")
    loss, de = np.asarray(loss, dtype=np.float64), np.asarray(de, dtype=np.float64)
    assert loss.size == 1, (f"L should be one number, the mean over the batch, got shape "
                            f"{loss.shape}: sum over z's coordinates, then average the m examples")
    want = 0.5 * ((e - z) ** 2).sum() / m
    _known_mistakes(loss, [
        (m * want, f"L is the sum over the batch; the mean divides it by m = {m}"),
        (2 * want, "L misses the 1/2 of 1/2 ||e - z||^2"),
        (want / d, f"L is divided by m * z_dim = {m * d} (np.mean over every entry): sum over z's "
                   f"{d} coordinates, average over the m = {m} examples"),
        (want * m / d, f"L is divided by z_dim = {d}, not by the batch size m = {m}: sum over "
                       "axis 1 (the coordinates), average over axis 0 (the examples)")])
    assert np.isclose(loss, want, rtol=1e-9), (f"L = {float(loss):.6f}, expected the batch mean of "
                                               f"1/2 ||e - z||^2 = {want:.6f}")
    want_de = (e - z) / m
    _known_mistakes(de, [
        (m * want_de, f"dL/de = e - z misses the 1/m: L is a mean over the m = {m} examples"),
        (-want_de, "dL/de has the wrong sign: L grows as e moves away from z, dL/de = (e - z) / m"),
        (2 * want_de, "dL/de is twice the gradient: the 1/2 of the loss cancels the 2 of the square"),
        (want_de / d, f"dL/de is divided by m * z_dim = {m * d}: only the batch size m = {m} "
                      "averages"),
        (want_de * m / d, f"dL/de is divided by z_dim = {d}; m = len(e) = {m} is the batch size")])
    assert _close(de, want_de), (f"dL/de differs from (e - z) / m by up to "
                                 f"{np.max(np.abs(de - want_de)):.3g}")


@_exercise("Probe gradient")
def check_probe_loss(probe_loss):
    """Lesson 10: ``probe_loss(W, f, y, l2) -> (loss, dW)`` for the softmax regression
    ``(1/n) sum_i -log softmax(f_i W)_{y_i} + (l2/2) ||W||^2``, with n = 8 examples of d = 5
    features, 10 classes, at l2 = 0.3 (and at 0, where no L2 term may be left)."""
    from ..losses import softmax_cross_entropy

    rng = np.random.default_rng(13)
    f, y, W = rng.standard_normal((8, 5)), rng.integers(10, size=8), rng.standard_normal((5, 10))
    n = len(f)
    for l2 in (0.3, 0.0):
        where = f"l2 = {l2}"
        loss, dW = expect_pair(probe_loss(W.copy(), f.copy(), y.copy(), l2),
                               "probe_loss(W, f, y, l2) should return (loss, dW)")
        expect_shape(dW, W.shape, f"dW ({where})")
        loss, dW = np.asarray(loss, dtype=np.float64), np.asarray(dW, dtype=np.float64)
        assert loss.size == 1, f"{where}: the loss should be one number, got shape {loss.shape}"
        ce, dlogits = softmax_cross_entropy(f @ W, y)
        penalty = 0.5 * l2 * (W * W).sum()
        # The softmax over the batch (axis 0) instead of each example's 10 classes:
        log_p0 = (f @ W) - np.log(np.exp(f @ W).sum(axis=0, keepdims=True))
        ce0, dlogits0 = -log_p0[np.arange(n), y].mean(), (np.exp(log_p0) - np.eye(10)[y]) / n
        across = (f"{where}: the softmax is taken over the batch (axis 0); it is over each row's "
                  "classes (axis=1)")
        _known_mistakes(loss, _unless_right(ce + penalty, [
            (n * ce + penalty, f"{where}: the cross-entropy is summed over the n = {n} examples; "
                               "the loss takes its mean"),
            (ce + 2 * penalty, f"{where}: the L2 term is (l2 / 2) ||W||^2, half of l2 ||W||^2"),
            (ce, f"{where}: the loss misses the L2 term (l2 / 2) ||W||^2"),
            (ce0 + penalty, across)]))
        assert np.isclose(loss, ce + penalty, rtol=1e-9), (
            f"{where}: loss {float(loss):.6f}, expected {float(ce + penalty):.6f} = mean of "
            "-log softmax(f W)[y] (softmax over each row, axis=1) + (l2 / 2) ||W||^2")
        want = f.T @ dlogits + l2 * W
        onehot = np.eye(10)[y]
        _known_mistakes(dW, _unless_right(want, [
            (n * f.T @ dlogits + l2 * W, f"{where}: dW misses the 1/n of the mean over the n = {n} "
                                         "examples: dlogits = (softmax - onehot(y)) / n"),
            (f.T @ dlogits, f"{where}: dW misses the L2 term's gradient l2 * W"),
            (f.T @ dlogits + 2 * l2 * W, f"{where}: the gradient of (l2 / 2) ||W||^2 is l2 * W, "
                                         "not 2 l2 W"),
            (f.T @ dlogits + l2 * W / n, f"{where}: the L2 term is not averaged over the examples: "
                                         "its gradient is l2 * W, not l2 * W / n"),
            (-f.T @ dlogits + l2 * W, f"{where}: the cross-entropy's gradient has the wrong sign: "
                                      "dlogits = (softmax - onehot(y)) / n"),
            (f.T @ (dlogits + onehot / n) + l2 * W,
             f"{where}: dlogits = (softmax - onehot(y)) / n: subtract 1 at each example's label"),
            (f.T @ dlogits0 + l2 * W, across)]))
        assert _close(dW, want), (
            f"{where}: dW differs from f.T @ (softmax - onehot(y)) / n + l2 * W by up to "
            f"{np.max(np.abs(dW - want)):.3g}: is the softmax taken over each row (axis=1, the "
            "classes), and dlogits carried back through f W as f.T @ dlogits?")
