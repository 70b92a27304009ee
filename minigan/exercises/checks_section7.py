"""The checks of lesson 10 (what Section 7 of the paper left for later): the concatenating layer
of Mirza & Osindero's conditional nets, the loss of the inference network, and the few-label
probe. Like :mod:`minigan.exercises.checks`, each runs the answer over a family of inputs from
fixed seeds in which every argument varies (batches of 1 and m != z_dim, two and three branches,
L2 weights of 0 and not, label sets missing classes or holding one, logits of +-1000), compares
with a formula written inside the check, verifies the inputs come back unchanged, and names the
likely mistake. ``tests/test_exercise_checks_section7.py`` holds the wrong answers each refuses."""
import numpy as np

from ..layers import Concat, Linear, Maxout, Sequential, Tanh
from ..gradcheck import assert_layer_gradients
from .grading import _close, _exercise, _known_mistakes, expect_pair, expect_shape
from .guards import unchanged


def _unless_right(want, mistakes):
    """The ``(value, message)`` pairs of ``mistakes`` whose value is not ``want`` (at l2 = 0,
    forgetting the L2 term is no mistake)."""
    return [(value, message) for value, message in mistakes if not _close(value, want)]


def _conditional_layer(cls, variant=0):
    """A small ``cls`` (a ``Concat``) in float64. Variant 0: a 'noise' branch (3 columns -> 4
    tanh) beside a 'label' branch (2 columns -> maxout 3 units x 2 pieces): input columns 3 | 2,
    output 4 | 3. Variant 1: three branches, input 2 | 1 | 4, output 3 | 2 | 1. Variant 2: input
    1 | 5, output 6 | 2."""
    s = np.random.SeedSequence([10, variant]).spawn(3)
    if variant == 0:
        branches = [Sequential(Linear(3, 4, 0.7, s[0], dtype="float64"), Tanh()),
                    Maxout(2, 3, 2, 0.7, s[1], dtype="float64")]
        branches[1].params["b"][...] = np.linspace(-1, 1, 6)   # no maxout ties
        return cls(branches, widths=[3, 2])
    if variant == 1:
        return cls([Linear(2, 3, 0.7, s[0], dtype="float64"),
                    Sequential(Linear(1, 2, 0.7, s[1], dtype="float64"), Tanh()),
                    Linear(4, 1, 0.7, s[2], dtype="float64")], widths=[2, 1, 4])
    return cls([Sequential(Linear(1, 6, 0.7, s[0], dtype="float64"), Tanh()),
                Linear(5, 2, 0.7, s[1], dtype="float64")], widths=[1, 5])


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


@_exercise("Concat backward", refuse=("minigan.layers:Concat.backward",))
def check_concat_backward(concat_backward, *, hidden, guard):
    """Lesson 10: ``concat_backward(layer, dy)`` on ``Concat`` layers of two and three branches
    whose input and output widths all differ (3 | 2 -> 4 | 3 first), on batches of 5, 1 and 3;
    each branch must be handed exactly its own columns of ``dy``, once, ``dx`` must be the
    branches' dx side by side, ``dy`` must come back unchanged, then the gradient checker runs on
    ``StudentConcat``."""
    class StudentConcat(Concat):
        def backward(self, dy):
            self.dy = dy
            return concat_backward(self, dy)

    cases = [(0, 5), (1, 1), (2, 3)] + ([(1, 4), (0, 1)] if hidden else [])
    for variant, batch in cases:
        guard.case = f"batch {batch}"
        rng = np.random.default_rng([11, variant, batch])
        yours, library = _watch(_conditional_layer(StudentConcat, variant)), _conditional_layer(Concat, variant)
        n_in = int(library.starts[-1])
        x = rng.standard_normal((batch, n_in))
        yours.forward(x), library.forward(x)
        dy = rng.standard_normal((batch, int(library.out_starts[-1])))
        with guard.paused():
            want = library.backward(dy.copy())
        yours.dy = dy
        widths = " | ".join(str(int(b - a)) for a, b in zip(library.starts, library.starts[1:]))
        where = f"branches taking {widths} columns, batch {batch}"
        dx = unchanged(concat_backward, (yours, dy), ("layer", "dy"))
        for i, n in enumerate(yours.calls):
            assert n == 1, (f"{where}: branch {i}'s backward was called {n} times, once is right: call "
                            "branch.backward(its columns of dy) for each branch, which also fills its grads")
        expect_shape(dx, x.shape, f"concat_backward(layer, dy) for x of shape ({batch}, {widths.replace(' | ', ' + ')})")
        dx = np.asarray(dx, dtype=np.float64)
        parts = np.split(want, [int(c) for c in library.starts[1:-1]], axis=1)
        _known_mistakes(dx, [(np.concatenate(parts[::-1], axis=1),
                              "the branches' dx are concatenated in reverse order: x's first columns "
                              "belong to branch 0, so np.concatenate([dx_0, dx_1], axis=1)")])
        assert _close(dx, want), (f"{where}: dx differs from the branches' dx side by side by up to "
                                  f"{np.max(np.abs(dx - want)):.3g}: dx = [branch_0.backward(dy_0), "
                                  "branch_1.backward(dy_1), ...] along axis 1")
        for k, g in library.grads.items():
            assert _close(yours.grads[k], g), f"{where}: the gradient of parameter {k!r} differs"
    assert_layer_gradients(_watch(_conditional_layer(StudentConcat)), np.random.default_rng(11).standard_normal((5, 5)))


@_exercise("Encoder loss gradient", refuse=("minigan.inference:encoder_loss",))
def check_encoder_loss(encoder_loss, *, hidden, guard):
    """Lesson 10: ``encoder_loss(e, z) -> (L, dL/de)``, ``L = (1/m) sum_i 1/2 ||e_i - z_i||^2``,
    on batches of m = 6 codes of z_dim = 4 (so dividing by the wrong one, or by both, shows), and
    on m = 1, m = 3 of z_dim 1, m = 17 of z_dim 9, at scales from 1e-3 to 1e3."""
    cases = [(6, 4, 1.0), (1, 5, 1.0), (3, 1, 1e3), (17, 9, 1e-3)] + ([(2, 30, 10.0), (40, 2, 1.0)] if hidden else [])
    for m, d, scale in cases:
        guard.case = f"m = {m} codes of z_dim = {d}"
        rng = np.random.default_rng([12, m, d])
        e, z = scale * rng.standard_normal((m, d)), scale * rng.standard_normal((m, d))
        where = f"m = {m} codes of z_dim = {d}"
        out = unchanged(encoder_loss, (e.copy(), z.copy()), ("e", "z"))
        loss, de = expect_pair(out, "encoder_loss(e, z) should return (loss, de)")
        expect_shape(de, e.shape, f"dL/de for {where}")
        loss, de = np.asarray(loss, dtype=np.float64), np.asarray(de, dtype=np.float64)
        assert loss.size == 1, (f"L should be one number, the mean over the batch, got shape "
                                f"{loss.shape}: sum over z's coordinates, then average the m examples")
        want = 0.5 * ((e - z) ** 2).sum() / m
        _known_mistakes(loss, _unless_right(want, [
            (m * want, f"{where}: L is the sum over the batch; the mean divides it by m = {m}"),
            (2 * want, f"{where}: L misses the 1/2 of 1/2 ||e - z||^2"),
            (want / d, f"{where}: L is divided by m * z_dim = {m * d} (np.mean over every entry): sum "
                       f"over z's {d} coordinates, average over the m = {m} examples"),
            (want * m / d, f"{where}: L is divided by z_dim = {d}, not by the batch size m = {m}: sum "
                           "over axis 1 (the coordinates), average over axis 0 (the examples)")]))
        assert np.isclose(loss, want, rtol=1e-9), (f"{where}: L = {float(loss):.6g}, expected the batch "
                                                   f"mean of 1/2 ||e - z||^2 = {want:.6g}")
        want_de = (e - z) / m
        _known_mistakes(de, _unless_right(want_de, [
            (m * want_de, f"{where}: dL/de = e - z misses the 1/m: L is a mean over the m = {m} examples"),
            (-want_de, "dL/de has the wrong sign: L grows as e moves away from z, dL/de = (e - z) / m"),
            (2 * want_de, "dL/de is twice the gradient: the 1/2 of the loss cancels the 2 of the square"),
            (want_de / d, f"{where}: dL/de is divided by m * z_dim = {m * d}: only the batch size m = {m} "
                          "averages"),
            (want_de * m / d, f"{where}: dL/de is divided by z_dim = {d}; m = len(e) = {m} is the batch size")]))
        assert _close(de, want_de), (f"{where}: dL/de differs from (e - z) / m by up to "
                                     f"{np.max(np.abs(de - want_de)):.3g}")


def _log_softmax_rows(logits):
    top = logits.max(axis=1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))


def _probe_family(hidden):
    """(label, W, f, y, l2): the lesson's 8 x 5 features and 10 classes at l2 = 0.3 and 0, then a
    label set missing the top class, one class only, a batch of 1, logits of about +-1000."""
    rng = np.random.default_rng(13)
    f, y, W = rng.standard_normal((8, 5)), rng.integers(10, size=8), rng.standard_normal((5, 10))
    y[:2] = 9, 0
    yield "n = 8, d = 5, 10 classes, l2 = 0.3", W, f, y, 0.3
    yield "n = 8, d = 5, 10 classes, l2 = 0.0", W, f, y, 0.0
    r = np.random.default_rng([13, 1])
    yield ("labels 0..4 of 7 classes (the top classes absent), l2 = 0.01", r.standard_normal((3, 7)),
           r.standard_normal((12, 3)), np.arange(12) % 5, 0.01)
    yield "every label 2 of 3 classes, l2 = 2", r.standard_normal((4, 3)), r.standard_normal((6, 4)), np.full(6, 2), 2.0
    yield "one example, 2 classes, l2 = 0.5", r.standard_normal((1, 2)), r.standard_normal((1, 1)), np.array([1]), 0.5
    W, f = r.standard_normal((5, 4)), r.standard_normal((9, 5))
    W[0], f[:, 0] = 1000.0, 1.0 + 0.01 * r.standard_normal(9)      # every logit about 1000, rows
    yield "logits of about 1000, l2 = 1e-3", W, f, r.integers(4, size=9), 1e-3   # differing by O(1)
    if hidden:
        yield "n = 50, d = 20, 10 classes, l2 = 0.1", r.standard_normal((20, 10)), r.standard_normal((50, 20)), \
            r.integers(1, 9, size=50), 0.1
        yield "n = 2, d = 3, 10 classes, l2 = 0", r.standard_normal((3, 10)), r.standard_normal((2, 3)), np.array([3, 3]), 0.0


@_exercise("Probe gradient")
def check_probe_loss(probe_loss, *, hidden, guard):
    """Lesson 10: ``probe_loss(W, f, y, l2) -> (loss, dW)`` for the softmax regression
    ``(1/n) sum_i -log softmax(f_i W)_{y_i} + (l2/2) ||W||^2``: the lesson's n = 8 examples of
    d = 5 features and 10 classes at l2 = 0.3 and 0 (where no L2 term may be left), then label
    sets missing the top classes or holding one class, one example, and logits of about +-1000."""
    for where, W, f, y, l2 in _probe_family(hidden):
        guard.case = where
        n, k = len(f), W.shape[1]
        out = unchanged(probe_loss, (W.copy(), f.copy(), y.copy(), l2), ("W", "f", "y", "l2"))
        loss, dW = expect_pair(out, "probe_loss(W, f, y, l2) should return (loss, dW)")
        expect_shape(dW, W.shape, f"dW ({where})")
        loss, dW = np.asarray(loss, dtype=np.float64), np.asarray(dW, dtype=np.float64)
        assert loss.size == 1, f"{where}: the loss should be one number, got shape {loss.shape}"
        logits = f @ W
        log_p = _log_softmax_rows(logits)
        onehot = np.eye(k)[y]
        ce, dlogits = -log_p[np.arange(n), y].mean(), (np.exp(log_p) - onehot) / n
        penalty = 0.5 * l2 * (W * W).sum()
        assert np.isfinite(loss) and np.all(np.isfinite(dW)), (
            f"{where}: loss {float(loss)}, dW not finite; the logits f W reach "
            f"{np.abs(logits).max():.0f} here, where exp overflows: subtract each row's maximum "
            "before exp (log-softmax)")
        # The softmax over the batch (axis 0) instead of each example's classes:
        log_p0 = logits - logits.max(axis=0) - np.log(np.exp(logits - logits.max(axis=0)).sum(axis=0, keepdims=True))
        ce0, dlogits0 = -log_p0[np.arange(n), y].mean(), (np.exp(log_p0) - onehot) / n
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
            f"classes, all {k} of W's columns, even those no label names), and dlogits carried back "
            "through f W as f.T @ dlogits?")
