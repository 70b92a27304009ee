"""The checks of lessons 1, 2 and 4, the parts of the game: layers and Algorithm 1's losses.

One check per exercise. Each runs the answer over a family of inputs built from fixed seeds, in
which every argument the exercise takes varies (sizes down to a batch of 1, odd and non-square
shapes, extreme values, ties), calling it several times, so that an answer right only on one
fixture, or one that keeps state between calls, shows. What a check compares with is a formula
written inside it (not the library's function under a name a notebook can rebind), the arrays
it hands the answer must come back unchanged (:func:`.guards.unchanged`), and the library's own
answer to the exercise refuses to run meanwhile (``refuse=``). ``hidden=True`` adds members to
each family. Lesson 3 is in :mod:`.checks_theory`, 5-8 in :mod:`.checks_training`, 9 in
:mod:`.checks_gpu`, 10 in :mod:`.checks_section7`;
``tests/test_exercise_checks.py`` holds the wrong answers each must refuse."""
import numpy as np

from ..gradcheck import assert_layer_gradients
from ..layers import Dropout, Maxout, Tanh
from .grading import _close, _exercise, _known_mistakes, expect_pair, expect_shape
from .guards import unchanged


# Lesson 1 -------------------------------------------------------------------------------------

def _tanh_family(hidden):
    shapes = [(5, 4), (1, 1), (1, 7), (3, 2)] + ([(9, 13), (2, 1), (64, 3)] if hidden else [])
    for i, shape in enumerate(shapes):
        rng = np.random.default_rng([1, i, hidden])
        x = 2 * rng.standard_normal(shape)
        x.flat[0] = 0.0 if i % 2 else 40.0        # tanh(40) is exactly 1 in float64
        dy = rng.standard_normal(shape) * (1.0, 1e-3, 1e3, 1.0)[i % 4]
        yield x, np.tanh(x), dy


@_exercise("Tanh backward", refuse=("minigan.layers:Tanh.backward",))
def check_tanh_backward(tanh_backward, *, hidden, guard):
    """Lesson 1: ``tanh_backward(y, dy)`` against ``dy * (1 - y**2)`` on y and dy of several
    shapes (a batch of 1 included) and scales, y = +-1 and 0 among them, then the gradient checker
    on the library's ``Tanh`` with it as its backward (``StudentTanh``)."""
    for x, y, dy in _tanh_family(hidden):
        guard.case = f"y and dy of shape {x.shape}"
        want = dy * (1 - y * y)
        dx = unchanged(tanh_backward, (y.copy(), dy.copy()), ("y", "dy"))
        expect_shape(dx, x.shape, f"tanh_backward(y, dy) for y of shape {x.shape}")
        _known_mistakes(dx, [
            (1 - y * y, "your dx is 1 - y**2 without dy: the chain rule multiplies by the upstream "
                        "gradient, dx = dy * (1 - y**2)"),
            (dy * y * (1 - y), "dy * y * (1 - y) is the sigmoid's derivative; tanh' = 1 - y**2"),
            (dy * (1 - np.tanh(y) ** 2), "you took tanh of y, but y already is tanh(x): "
                                         "tanh'(x) = 1 - y**2"),
            (dy * (1 - y), "dy * (1 - y): the derivative is 1 - y**2, y squared")]
            if x.size >= 4 else [], want=want)      # one entry cannot tell these mistakes apart
        assert _close(dx, want), (f"for y of shape {x.shape}, dx differs from dy * tanh'(x) by up to "
                                  f"{np.max(np.abs(np.asarray(dx, dtype=np.float64) - want)):.3g}: "
                                  "dx = dy * tanh'(x), with tanh' written using y = tanh(x)")

    class StudentTanh(Tanh):
        def backward(self, dy):
            return tanh_backward(self.y, dy)

    for i, shape in enumerate([(5, 4), (1, 3)] + ([(3, 7)] if hidden else [])):
        assert_layer_gradients(StudentTanh(), 2 * np.random.default_rng([1, 9, i]).standard_normal(shape))


@_exercise("The planted bug, fixed", refuse=("minigan.layers:Linear.backward",))
def check_fixed_linear(FixedLinear, *, hidden, guard):
    """Lesson 1: the class ``FixedLinear`` (a ``Linear`` whose backward the student rewrote),
    through the gradient checker on a square and a non-square layer, then against ``dx = dy W^T``,
    ``dW = x^T dy``, ``db = sum dy`` for layers of several widths and batches (1 included), with
    ``dy`` and the parameters left unchanged by the backward."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    for n_out, seed in ((4, 1), (3, 2)):
        assert_layer_gradients(FixedLinear(4, n_out, rng=seed, dtype="float64"), x)
    sizes = [(4, 3, 5), (1, 6, 1), (7, 2, 3), (5, 5, 2)] + ([(3, 8, 1), (6, 1, 4), (2, 9, 7)] if hidden else [])
    name = type(FixedLinear(1, 1, dtype="float64")).__name__
    for i, (n_in, n_out, batch) in enumerate(sizes):
        layer = FixedLinear(n_in, n_out, rng=3 + i, dtype="float64")
        where = f"{name}({n_in}, {n_out}) on a batch of {batch}"
        r = np.random.default_rng([2, i])
        x, dy = r.standard_normal((batch, n_in)), r.standard_normal((batch, n_out))
        layer.forward(x.copy())
        W, b = layer.params["W"].copy(), layer.params["b"].copy()
        dx = unchanged(layer.backward, (dy.copy(),), ("dy",))
        expect_shape(dx, x.shape, f"{where}: dx")
        assert _close(layer.params["W"], W) and _close(layer.params["b"], b), (
            f"{where}: backward changed the parameters; it computes gradients into grads, the "
            "optimizer applies them")
        assert _close(dx, dy @ W.T), f"{where}: dx differs from dy @ W.T"
        for k, want in (("W", x.T @ dy), ("b", dy.sum(axis=0))):
            assert isinstance(getattr(layer, "grads", None), dict) and k in layer.grads, (
                f"{where}: backward did not store grads[{k!r}]")
            assert _close(layer.grads[k], want), (
                f"{where}: grads[{k!r}] differs from " + ("x.T @ dy" if k == "W" else "dy.sum(axis=0)"))


# Lesson 2 -------------------------------------------------------------------------------------

def _maxout_family(hidden):
    """(z, dy, pieces, ties): ties lists (row, first column, pieces tied) placed in z."""
    sizes = [(6, 4, 3), (1, 1, 2), (3, 2, 5), (2, 3, 1)] + ([(7, 3, 4), (1, 6, 3), (4, 1, 7)] if hidden else [])
    for i, (batch, units, pieces) in enumerate(sizes):
        rng = np.random.default_rng([3, i, hidden])
        z = rng.standard_normal((batch, units * pieces)) * (1, 100, 0.01)[i % 3]
        ties = []
        if i == 0:
            z[0, 0:3] = 1.5                  # example 0, unit 0: all three pieces tie
            z[1, 3:6] = [0.2, 0.9, 0.9]      # example 1, unit 1: pieces 1 and 2 tie
            ties = [(0, 0, 3), (1, 4, 2)]
        elif pieces > 1:
            u = units - 1
            z[batch - 1, u * pieces + pieces - 2:(u + 1) * pieces] = z[batch - 1, u * pieces:(u + 1) * pieces].max() + 1
            ties = [(batch - 1, u * pieces + pieces - 2, 2)]
        dy = rng.standard_normal((batch, units))
        yield z, dy, pieces, ties


@_exercise("Maxout backward", refuse=("minigan.layers:Maxout.backward",))
def check_maxout_backward(maxout_backward, *, hidden, guard):
    """Lesson 2: ``maxout_backward(z, dy, pieces)`` against the routing rule (dy to the first
    largest of each unit's adjacent pieces; ties go to the first piece) for several batches (1
    included), unit counts and piece counts, at several scales, then the gradient checker on
    ``StudentMaxout``."""
    for z, dy, pieces, ties in _maxout_family(hidden):
        guard.case = f"z of shape {z.shape}, pieces={pieces}"
        batch, units = dy.shape
        grouped = z.reshape(batch, units, pieces)
        winner_first = np.arange(pieces) == grouped.argmax(axis=2)[:, :, None]
        want = (winner_first * dy[:, :, None]).reshape(batch, -1)
        where = f"z of shape {z.shape}, pieces={pieces}"
        dz = unchanged(maxout_backward, (z.copy(), dy.copy(), pieces), ("z", "dy", "pieces"))
        expect_shape(dz, z.shape, f"maxout_backward(z, dy, pieces) for {where}")
        dz = np.asarray(dz, dtype=np.float64)
        counts = [int(np.count_nonzero(dz[r, c:c + k])) for r, c, k in ties]
        assert all(n == 1 for n in counts) or not _close(np.delete(dz, [r for r, _, _ in ties], axis=0),
                                                      np.delete(want, [r for r, _, _ in ties], axis=0)), (
            f"{where}: on a tie dy goes to the first of the tied pieces, and only there (as argmax "
            "does); at the ties (" + "; ".join(f"example {r}: {k} equal pieces" for r, _, k in ties)
            + f") you sent it to {' and '.join(map(str, counts))} pieces")
        wrong_layout = (np.arange(pieces)[:, None] == z.reshape(batch, pieces, units).argmax(axis=1)[:, None, :])
        mistakes = [
            (winner_first.reshape(batch, -1).astype(float), "dz holds 1 at each winner: it should hold "
                                                             "dy there (dz = dy at the winning piece)"),
            (((np.arange(pieces) == grouped.argmin(axis=2)[:, :, None]) * dy[:, :, None]).reshape(batch, -1),
             "dy went to the smallest piece: the winner is the largest (argmax)"),
            ((wrong_layout * dy[:, None, :]).reshape(batch, -1),
             "unit u owns the adjacent columns u*pieces ... u*pieces + pieces - 1: reshape z to "
             "(batch, units, pieces), not (batch, pieces, units)")]
        _known_mistakes(dz, [(v, f"{where}: {m}") for v, m in mistakes if not _close(v, want)])
        assert _close(dz, want), (
            f"{where}: dz should hold dy[n, u] at unit u's winning piece (the first largest of its "
            f"{pieces} adjacent columns) and 0 elsewhere; first wrong row "
            f"{int(np.flatnonzero(~np.isclose(dz, want).all(axis=1))[0])}")

    class StudentMaxout(Maxout):
        def forward(self, x, train=True):
            self.z = x @ self.params["W"] + self.params["b"]
            return super().forward(x, train)

        def backward(self, dy):
            dz = maxout_backward(self.z, dy, self.pieces)
            self.grads = {"W": self.x.T @ dz, "b": dz.sum(axis=0)}
            return dz @ self.params["W"].T

    rng = np.random.default_rng(3)
    for n_in, units, pieces, batch in [(5, 4, 3, 6)] + ([(3, 2, 4, 1)] if hidden else []):
        assert_layer_gradients(StudentMaxout(n_in, units, pieces, irange=1.0, rng=2, dtype="float64"),
                               rng.standard_normal((batch, n_in)))


@_exercise("Dropout backward", refuse=("minigan.layers:Dropout.backward",))
def check_dropout_backward(dropout_backward, *, hidden, guard):
    """Lesson 2: ``dropout_backward(mask, dy, p)`` against ``dy * mask / (1 - p)`` at several p
    (0.2 and 0.7, where 1/p and 1/(1 - p) differ, and others) and shapes (a single unit
    included), then the gradient checker on ``StudentDropout``."""
    cases = [(0.2, (6, 5)), (0.7, (6, 5)), (0.5, (1, 1)), (0.05, (3, 7))]
    cases += [(0.9, (8, 2)), (0.35, (1, 9)), (0.6, (5, 1))] if hidden else []
    for i, (p, shape) in enumerate(cases):
        rng = np.random.default_rng([4, i, hidden])
        mask = rng.random(shape) >= p
        mask.flat[0] = True
        if mask.size > 1:
            mask.flat[1] = False
        dy = rng.standard_normal(shape)
        want = dy * mask / (1 - p)
        dx = unchanged(dropout_backward, (mask.copy(), dy.copy(), p), ("mask", "dy", "p"))
        expect_shape(dx, dy.shape, f"dropout_backward(mask, dy, p={p})")
        dx = np.asarray(dx, dtype=np.float64)
        assert np.all(dx[~mask] == 0), (
            f"p={p}: a dropped unit (mask False) passes no gradient back: dx must be 0 there")
        _known_mistakes(dx, [
            (dy * mask, f"p={p}: dx = dy * mask misses the 1 / (1 - p) the forward multiplied by"),
            (dy * mask * (1 - p), f"p={p}: you multiplied by 1 - p; the forward divides by it"),
            (dy * mask / p, f"p={p}: you divided by p, the probability of dropping; the forward "
                            "divides by 1 - p, the probability of keeping")], want=want)
        assert _close(dx, want), (f"p={p}, mask of shape {shape}: dx differs from the gradient of "
                                  "inverted dropout for the same mask: dx = dy * mask / (1 - p)")

    class StudentDropout(Dropout):
        def forward(self, x, train=True):
            y = super().forward(x, train)
            self.mask = y != 0        # x is never exactly 0 here, so y is 0 only where dropped
            return y

        def backward(self, dy):
            return dropout_backward(self.mask, dy, self.p_drop)

    rng = np.random.default_rng(4)
    for p, seed in ((0.5, 4), (0.3, 5)):
        assert_layer_gradients(StudentDropout(p, seed=seed), rng.standard_normal((6, 5)))


# Lesson 4 -------------------------------------------------------------------------------------

_ORDINARY = "ordinary batches (|l| < 30)"


def _logit_family(hidden):
    """(label, logits (m, 1), ordinary?): ordinary batches first, then the extremes."""
    rng = np.random.default_rng([5, hidden])
    yield "a batch of 64", rng.normal(0, 3, (64, 1)), True
    yield "a batch of 1", np.array([[0.3]]), True
    yield "a batch of 5", rng.normal(0, 8, (5, 1)).clip(-29, 29), True
    if hidden:
        yield "a batch of 17", rng.normal(2, 5, (17, 1)).clip(-29, 29), True
    yield ("logits [-1000, -50, -10, -1, 0, 1, 10, 50, 1000]",
           np.array([[-1000.0], [-50.0], [-10.0], [-1.0], [0.0], [1.0], [10.0], [50.0], [1000.0]]), False)
    yield "logits [745, -745]", np.array([[745.0], [-745.0]]), False
    yield "a batch of 1 at -1000", np.array([[-1000.0]]), False
    if hidden:
        yield "logits of +-1e6", np.array([[1e6], [-1e6], [3.0]]), False


def _softplus(u):
    return np.logaddexp(0, u)


def _check_g_loss(loss_fn, objective, formula, name, hidden, guard):
    # +-1000: sigmoid(-1000) underflows to 0 and sigmoid(1000) rounds to 1 in float64, so a log
    # of a sigmoid is -inf on one side or the other. (At +-50 only one side rounds.)
    for label, logits, ordinary in _logit_family(hidden):
        guard.case = label
        m = logits.size
        sig = np.exp(-_softplus(-logits))                      # sigmoid, without overflow
        if objective == "minimax":
            want_loss, want_d = float(np.mean(-_softplus(logits))), -sig / m
        else:
            want_loss, want_d = float(np.mean(_softplus(-logits))), (sig - 1) / m
        agreed = "" if ordinary else f"; on {_ORDINARY} your answer agrees"
        out = unchanged(loss_fn, (logits.copy(),), ("logits",))
        loss, dlogits = expect_pair(out, f"{name}(logits) should return (loss, dlogits)")
        expect_shape(dlogits, logits.shape, f"{name}'s dlogits for {label}")
        loss, dlogits = np.asarray(loss, dtype=np.float64), np.asarray(dlogits, dtype=np.float64)
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(dlogits)), (
            f"not finite at {label}: loss {loss}, dlogits {dlogits.ravel()[:9]}{agreed}. At these "
            "logits sigmoid(l) rounds to exactly 0 or 1 in float64 (and exp(l) overflows), so a "
            "log of a sigmoid is infinite there: write softplus with np.logaddexp(0, u)")
        assert loss.size == 1, f"the loss should be one number (the mean), got shape {loss.shape}"
        _known_mistakes(loss, [
            (m * want_loss, f"{label}: the loss is the sum over the batch; it should be the mean"),
            (-want_loss, f"{label}: the loss has the wrong sign")], want=want_loss)
        assert np.allclose(loss, want_loss, rtol=1e-10, atol=1e-12), (
            f"{label}: loss {float(loss):.6g}, expected the mean of {formula} = {want_loss:.6g}"
            f"{agreed}")
        _known_mistakes(dlogits, [
            (m * want_d, "dlogits is the per-sample derivative: the loss is a mean, so divide by "
                         f"m = {m} (mind the 1/m)"),
            (-want_d, "dlogits has the wrong sign")], want=want_d)
        assert np.allclose(dlogits, want_d, rtol=1e-8, atol=1e-15), (
            f"{label}: dlogits differ from the derivative of the mean loss by up to "
            f"{np.max(np.abs(dlogits - want_d)):.3g}{agreed}")


_G_LOSS = ("minigan.losses:generator_loss", "minigan.losses:bce_with_logits",
           "minigan.gan:GAN._generator_loss")


@_exercise("Minimax G loss on logits", refuse=_G_LOSS)
def check_minimax_loss(minimax_loss, *, hidden, guard):
    """Lesson 4: ``minimax_loss(logits) -> (loss, dlogits)``, the mean of ``log(1 - sigmoid(l))``
    and its gradient, on batches of several sizes (1 included), then at logits of +-745 and
    +-1000."""
    _check_g_loss(minimax_loss, "minimax", "log(1 - sigmoid(l))", "minimax_loss", hidden, guard)


@_exercise("Non-saturating G loss on logits", refuse=_G_LOSS)
def check_non_saturating_loss(non_saturating_loss, *, hidden, guard):
    """Lesson 4: ``non_saturating_loss(logits)``, the mean of ``-log sigmoid(l)`` and its
    gradient, on batches of several sizes, then at logits of +-745 and +-1000."""
    _check_g_loss(non_saturating_loss, "non-saturating", "-log sigmoid(l)", "non_saturating_loss", hidden, guard)
