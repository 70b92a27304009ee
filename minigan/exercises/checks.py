"""The checks of lessons 1-4, the parts of the game: layers, the 1-D theory, Algorithm 1's losses.

One check per exercise, each building its own data from fixed seeds, with the cases where students'
usual wrong answers differ from the right one, and a message naming the likely mistake. Lessons 5-9
are in :mod:`.checks_training`, lesson 10 in :mod:`.checks_section7`; ``tests/test_exercise_checks.py``
holds the wrong answers each must refuse."""
import numpy as np

from .grading import _close, _exercise, _known_mistakes, expect_pair, expect_shape

# Lesson 1 -------------------------------------------------------------------------------------

@_exercise("Tanh backward")
def check_tanh_backward(tanh_backward):
    """Lesson 1: ``tanh_backward(y, dy)`` against ``Tanh.backward``, then the gradient checker
    on the library's ``Tanh`` with it as its backward (``StudentTanh``)."""
    from ..gradcheck import assert_layer_gradients
    from ..layers import Tanh

    rng = np.random.default_rng(1)
    x = 2 * rng.standard_normal((5, 4))
    tanh = Tanh()
    y, dy = tanh.forward(x), rng.standard_normal(x.shape)
    want = tanh.backward(dy)
    dx = tanh_backward(y.copy(), dy.copy())
    expect_shape(dx, x.shape, "tanh_backward(y, dy)")
    _known_mistakes(dx, [
        (1 - y * y, "your dx is 1 - y**2 without dy: the chain rule multiplies by the upstream "
                    "gradient, dx = dy * (1 - y**2)"),
        (dy * y * (1 - y), "dy * y * (1 - y) is the sigmoid's derivative; tanh' = 1 - y**2"),
        (dy * (1 - np.tanh(y) ** 2), "you took tanh of y, but y already is tanh(x): "
                                     "tanh'(x) = 1 - y**2"),
        (dy * (1 - y), "dy * (1 - y): the derivative is 1 - y**2, y squared")])
    assert _close(dx, want), (f"dx differs from the library's Tanh.backward by up to "
                              f"{np.max(np.abs(dx - want)):.3g}: dx = dy * tanh'(x), with tanh' "
                              "written using y = tanh(x)")

    class StudentTanh(Tanh):
        def backward(self, dy):
            return tanh_backward(self.y, dy)

    assert_layer_gradients(StudentTanh(), x)


@_exercise("The planted bug, fixed")
def check_fixed_linear(FixedLinear):
    """Lesson 1: the class ``FixedLinear`` (a ``Linear`` whose backward the student rewrote),
    through the gradient checker on a square and a non-square layer, then against ``Linear``."""
    from ..gradcheck import assert_layer_gradients
    from ..layers import Linear

    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    for n_out, seed in ((4, 1), (3, 2)):
        assert_layer_gradients(FixedLinear(4, n_out, rng=seed, dtype="float64"), x)
    fixed, library = FixedLinear(4, 3, rng=3, dtype="float64"), Linear(4, 3, rng=3, dtype="float64")
    dy = rng.standard_normal((5, 3))
    fixed.forward(x), library.forward(x)
    name = type(fixed).__name__
    assert _close(fixed.backward(dy), library.backward(dy)), f"{name}'s dx differs from Linear's"
    for k in ("W", "b"):
        assert k in fixed.grads, f"{name}.backward did not store grads[{k!r}]"
        assert _close(fixed.grads[k], library.grads[k]), f"{name}'s grads[{k!r}] differs from Linear's"


# Lesson 2 -------------------------------------------------------------------------------------

@_exercise("Maxout backward")
def check_maxout_backward(maxout_backward):
    """Lesson 2: ``maxout_backward(z, dy, pieces)`` against the library's ``Maxout`` (ties
    included: they go to the first piece), then the gradient checker on ``StudentMaxout``."""
    from ..gradcheck import assert_layer_gradients
    from ..layers import Maxout

    rng = np.random.default_rng(3)
    batch, units, pieces = 6, 4, 3
    z = rng.standard_normal((batch, units * pieces))
    z[0, 0:3] = 1.5                  # example 0, unit 0: all three pieces tie
    z[1, 3:6] = [0.2, 0.9, 0.9]      # example 1, unit 1: pieces 1 and 2 tie
    dy = rng.standard_normal((batch, units))
    identity = Maxout(units * pieces, units, pieces, dtype="float64")   # z in, z out: dx = dz
    identity.params["W"][...] = np.eye(units * pieces)
    identity.forward(z)
    want = identity.backward(dy)
    dz = maxout_backward(z.copy(), dy.copy(), pieces)
    expect_shape(dz, z.shape, "maxout_backward(z, dy, pieces)")
    dz = np.asarray(dz, dtype=np.float64)
    grouped = z.reshape(batch, units, pieces)
    ties = np.count_nonzero(dz[0, 0:3]), np.count_nonzero(dz[1, 3:6])
    assert ties == (1, 1) or not _close(dz[2:], want[2:]), (
        "on a tie dy goes to the first of the tied pieces, and only there (as argmax does); at the "
        "ties (example 0, unit 0: three equal pieces; example 1, unit 1: two) you sent it to "
        f"{ties[0]} and {ties[1]} pieces")
    winner_first = (np.arange(pieces) == grouped.argmax(axis=2)[:, :, None])
    wrong_layout = (np.arange(pieces)[:, None] == z.reshape(batch, pieces, units).argmax(axis=1)[:, None, :])
    _known_mistakes(dz, [
        (winner_first.reshape(batch, -1).astype(float), "dz holds 1 at each winner: it should hold "
                                                         "dy there (dz = dy at the winning piece)"),
        (((np.arange(pieces) == grouped.argmin(axis=2)[:, :, None]) * dy[:, :, None]).reshape(batch, -1),
         "dy went to the smallest piece: the winner is the largest (argmax)"),
        ((wrong_layout * dy[:, None, :]).reshape(batch, -1),
         "unit u owns the adjacent columns u*pieces ... u*pieces + pieces - 1: reshape z to "
         "(batch, units, pieces), not (batch, pieces, units)")])
    assert _close(dz, want), (
        "dz differs from the library's Maxout: it should hold dy[n, u] at unit u's winning piece "
        f"(the first largest of its {pieces} adjacent columns) and 0 elsewhere; first wrong row "
        f"{int(np.flatnonzero(~np.isclose(dz, want).all(axis=1))[0])}")

    class StudentMaxout(Maxout):
        def forward(self, x, train=True):
            self.z = x @ self.params["W"] + self.params["b"]
            return super().forward(x, train)

        def backward(self, dy):
            dz = maxout_backward(self.z, dy, self.pieces)
            self.grads = {"W": self.x.T @ dz, "b": dz.sum(axis=0)}
            return dz @ self.params["W"].T

    assert_layer_gradients(StudentMaxout(5, 4, 3, irange=1.0, rng=2, dtype="float64"),
                           rng.standard_normal((6, 5)))


@_exercise("Dropout backward")
def check_dropout_backward(dropout_backward):
    """Lesson 2: ``dropout_backward(mask, dy, p)`` against the library's ``Dropout.backward``
    for the same mask, at p = 0.2 and 0.7 (where 1/p and 1/(1 - p) differ), then the gradient
    checker on ``StudentDropout``."""
    from ..gradcheck import assert_layer_gradients
    from ..layers import Dropout

    rng = np.random.default_rng(4)
    for p in (0.2, 0.7):
        mask = rng.random((6, 5)) >= p
        mask[0, :2] = True, False
        dy = rng.standard_normal(mask.shape)
        library = Dropout(p)
        library.scale = mask / (1 - p)          # the mask the library's forward would keep
        want = library.backward(dy)
        dx = dropout_backward(mask.copy(), dy.copy(), p)
        expect_shape(dx, dy.shape, f"dropout_backward(mask, dy, p={p})")
        dx = np.asarray(dx, dtype=np.float64)
        assert np.all(dx[~mask] == 0), (
            f"p={p}: a dropped unit (mask False) passes no gradient back: dx must be 0 there")
        _known_mistakes(dx, [
            (dy * mask, f"p={p}: dx = dy * mask misses the 1 / (1 - p) the forward multiplied by"),
            (dy * mask * (1 - p), f"p={p}: you multiplied by 1 - p; the forward divides by it"),
            (dy * mask / p, f"p={p}: you divided by p, the probability of dropping; the forward "
                            "divides by 1 - p, the probability of keeping")])
        assert _close(dx, want), (f"p={p}: dx differs from the library's Dropout.backward for the "
                                  "same mask: dx = dy * mask / (1 - p)")

    class StudentDropout(Dropout):
        def forward(self, x, train=True):
            y = super().forward(x, train)
            self.mask = y != 0        # x is never exactly 0 here, so y is 0 only where dropped
            return y

        def backward(self, dy):
            return dropout_backward(self.mask, dy, self.p_drop)

    for p, seed in ((0.5, 4), (0.3, 5)):
        assert_layer_gradients(StudentDropout(p, seed=seed), rng.standard_normal((6, 5)))


# Lesson 3 -------------------------------------------------------------------------------------

@_exercise("Proposition 1, pointwise")
def check_best_y(best_y):
    """Lesson 3 (a): ``best_y(a, b)`` against a brute-force argmax over a fine grid of y."""
    a = np.array([1.0, 0.3, 2.0, 0.01, 5.0, 1.0])
    b = np.array([1.0, 0.7, 0.5, 0.20, 0.1, 3.0])
    y_grid = np.linspace(1e-6, 1 - 1e-6, 200_001)
    f = a[:, None] * np.log(y_grid) + b[:, None] * np.log(1 - y_grid)
    y_numeric = y_grid[f.argmax(axis=1)]
    for shape in (a.shape, (3, 2)):
        y_best = best_y(a.reshape(shape).copy(), b.reshape(shape).copy())
        expect_shape(y_best, shape, "best_y(a, b)")
        y_best = np.asarray(y_best, dtype=np.float64).ravel()
        assert np.allclose(y_best, y_numeric, atol=1e-4), (
            f"best_y gave {np.round(y_best, 4)}, but a grid search over y finds the maxima at "
            f"{np.round(y_numeric, 4)}: set the derivative a/y - b/(1 - y) to zero")


@_exercise("D* and C(G) on a grid")
def check_D_star_and_C_of_G(D_star, C_of_G):
    """Lesson 3 (b): ``D_star(p_data, p_g)`` against ``theory.D_star`` (where both densities
    vanish too), and ``C_of_G(p_data, p_g, x)`` against ``theory.C_of_G`` and Eq. 6."""
    from .. import theory, toy

    pd_toy, pg_toy = (toy.snapshot(toy.make_gan(seed=0))[k] for k in ("p_data", "p_g"))
    zeros = (np.array([0.0, 0.3, 0.0, 1e-300, 2.0, 0.0]), np.array([0.0, 0.1, 0.5, 0.0, 1e-300, 0.0]))
    for label, pd, pg in (("densities with zeros", *zeros), ("the untrained toy", pd_toy, pg_toy)):
        mine = D_star(pd.copy(), pg.copy())
        expect_shape(mine, pd.shape, "D_star(p_data, p_g)")
        mine, want = np.asarray(mine, dtype=np.float64), theory.D_star(pd, pg)
        both_zero = (pd == 0) & (pg == 0)
        bad = both_zero & ~np.isclose(mine, 0.5)
        assert not bad.any(), (f"where both densities are 0 (entry {int(np.flatnonzero(bad)[0])} of "
                               f"{label}) D* should be 1/2 (no sample is ever seen there), got "
                               f"{mine[bad][0]}; np.where(total > 0, ..., 0.5)")
        assert np.allclose(mine, want, atol=1e-12), (
            f"{label}: D_star differs from theory.D_star = p_data / (p_data + p_g) by up to "
            f"{np.nanmax(np.abs(mine - want)):.3g}")
    x_wide = np.linspace(-8, 8, 3201)
    p = theory.p_data(x_wide, 0.0, toy.STD)
    cases = [("the untrained toy G", pd_toy, pg_toy, toy.X)] + [
        (f"p_g = N({mu:g}, 0.5^2)", p, theory.p_data(x_wide, mu, toy.STD), x_wide)
        for mu in (0.0, 0.4, 1.5, 3.0)]
    for label, a, b, grid in cases:
        c = float(C_of_G(a.copy(), b.copy(), grid.copy()))
        assert np.isfinite(c), (f"C_of_G is {c} for {label}: is 0 log 0 counted as 0 (xlogy), and "
                                "1 - D* written as p_g / (p_data + p_g)?")
        want = theory.C_of_G(a, b, grid)
        assert abs(c - want) < 1e-9, (f"C_of_G = {c:.6f} for {label}, theory.C_of_G says "
                                      f"{want:.6f}: integrate over x with trapezoid(..., x)")
        if grid is x_wide:  # Eq. 6 needs densities of mass 1; the toy's p_g loses some off its grid
            eq6 = -np.log(4) + 2 * theory.jsd(a, b, grid)
            assert abs(c - eq6) < 1e-6, f"C_of_G = {c:.6f} for {label}, but -log 4 + 2 JSD = {eq6:.6f}"


@_exercise("Proposition 2, a step down C(G)")
def check_step_p_g(step_p_g):
    """Lesson 3 (c): ``step_p_g(p_data, p_g, x, eta)`` moves little for a small eta, keeps a
    density, never raises C(G), and brings it within 1e-3 of -log 4 in 30 steps of eta = 0.5."""
    from scipy.integrate import trapezoid

    from .. import theory, toy

    x = np.linspace(-4, 5, 1801)
    p_data, p_g = theory.p_data(x, 0.0, toy.STD), theory.p_data(x, 1.5, toy.STD)
    small = step_p_g(p_data.copy(), p_g.copy(), x.copy(), 1e-3)
    expect_shape(small, x.shape, "step_p_g(p_data, p_g, x, eta)")
    small = np.asarray(small, dtype=np.float64)
    assert np.all(np.isfinite(small)) and abs(trapezoid(small, x) - 1) < 1e-6, (
        f"with eta = 0.001, p_g integrates to {trapezoid(small, x):.6f}, not 1: normalise it by "
        "trapezoid(new, x)")
    assert np.max(np.abs(small - p_g)) < 0.01 * p_g.max(), (
        "with eta = 0.001 the step should move p_g only a little: a gradient step, not a jump")
    p_t, curve = p_g, [theory.C_of_G(p_data, p_g, x)]
    for t in range(30):
        p_t = np.asarray(step_p_g(p_data.copy(), p_t.copy(), x.copy(), 0.5), dtype=np.float64)
        assert np.all(np.isfinite(p_t)) and np.all(p_t >= 0), (
            f"step {t + 1}: p_g has negative or non-finite values; a density stays >= 0")
        assert abs(trapezoid(p_t, x) - 1) < 1e-6, (
            f"step {t + 1}: p_g integrates to {trapezoid(p_t, x):.6f}, not 1: normalise it by "
            "trapezoid(new, x)")
        curve.append(theory.C_of_G(p_data, p_t, x))
    assert np.all(np.diff(curve) < 1e-12), (
        f"C(G) went up along your steps: {np.round(curve[:6], 4)} ...; step against the gradient "
        "log(1 - D*)")
    assert abs(curve[-1] + np.log(4)) < 1e-3, (
        f"after 30 steps C(G) = {curve[-1]:.5f}, not within 1e-3 of -log 4 = {-np.log(4):.5f}")


# Lesson 4 -------------------------------------------------------------------------------------

def _check_g_loss(loss_fn, objective, formula, name):
    from ..losses import generator_loss

    # +-1000: sigmoid(-1000) underflows to 0 and sigmoid(1000) rounds to 1 in float64, so a log
    # of a sigmoid is -inf on one side or the other. (At +-50 only one side rounds.)
    extreme = np.array([[-1000.0], [-50.0], [-10.0], [-1.0], [0.0], [1.0], [10.0], [50.0], [1000.0]])
    batch = np.random.default_rng(5).normal(0, 3, (64, 1))
    for logits in (extreme, batch):
        m = len(logits)
        loss, dlogits = expect_pair(loss_fn(logits.copy()), f"{name}(logits) should return (loss, dlogits)")
        expect_shape(dlogits, logits.shape, f"{name}'s dlogits")
        loss, dlogits = np.asarray(loss, dtype=np.float64), np.asarray(dlogits, dtype=np.float64)
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(dlogits)), (
            f"not finite at logits of +-1000: loss {loss}, dlogits {dlogits.ravel()}; never take "
            "the log of a sigmoid (it rounds to 0 or 1): write softplus with np.logaddexp(0, u)")
        assert loss.size == 1, f"the loss should be one number (the mean), got shape {loss.shape}"
        want_loss, want_d = generator_loss(logits, objective)
        _known_mistakes(loss, [
            (m * want_loss, "the loss is the sum over the batch; it should be the mean"),
            (-want_loss, "the loss has the wrong sign")])
        assert np.allclose(loss, want_loss, rtol=1e-10, atol=1e-12), (
            f"loss {float(loss):.6g}, expected the mean of {formula} = {float(want_loss):.6g}")
        _known_mistakes(dlogits, [
            (m * want_d, "dlogits is the per-sample derivative: the loss is a mean, so divide by "
                         f"m = {m} (mind the 1/m)"),
            (-want_d, "dlogits has the wrong sign")])
        assert np.allclose(dlogits, want_d, rtol=1e-8, atol=1e-15), (
            f"dlogits differ from the derivative of the mean loss by up to "
            f"{np.max(np.abs(dlogits - want_d)):.3g}")


@_exercise("Minimax G loss on logits")
def check_minimax_loss(minimax_loss):
    """Lesson 4: ``minimax_loss(logits) -> (loss, dlogits)`` against
    ``losses.generator_loss(logits, "minimax")``, at logits of +-1000 and on a batch."""
    _check_g_loss(minimax_loss, "minimax", "log(1 - sigmoid(l))", "minimax_loss")


@_exercise("Non-saturating G loss on logits")
def check_non_saturating_loss(non_saturating_loss):
    """Lesson 4: ``non_saturating_loss(logits)`` against ``generator_loss(logits,
    "non-saturating")``, at logits of +-1000 and on a batch."""
    _check_g_loss(non_saturating_loss, "non-saturating", "-log sigmoid(l)", "non_saturating_loss")
