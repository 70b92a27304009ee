"""The checks of lesson 3, the 1-D theory: Proposition 1 pointwise, D* and C(G) on a grid
(Eqs. 2, 4 and 6), and Proposition 2's step of p_g down C(G). As in :mod:`.checks`, each runs the
answer over a family (shapes, magnitudes from 1e-100 to 1e100, densities with zeros, of mass 1 and
not, even and uneven grids, several etas), compares with the formulas written here (the trapezoid
rule included, so no rebinding of SciPy reaches them), and verifies the inputs come back unchanged."""
import numpy as np

from .grading import _exercise, expect_shape
from .guards import unchanged


def _trapezoid(y, x):
    """The trapezoid rule on the grid ``x`` (written here, so that no rebinding reaches it)."""
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    return float(((y[1:] + y[:-1]) * (x[1:] - x[:-1])).sum() / 2)


def _xlogy(a, b):
    """``a log b`` with ``0 log 0 = 0``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.where(a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, b)))


# Lesson 3 -------------------------------------------------------------------------------------

def _best_y_family(hidden):
    a = np.array([1.0, 0.3, 2.0, 0.01, 5.0, 1.0])
    b = np.array([1.0, 0.7, 0.5, 0.20, 0.1, 3.0])
    yield a, b
    yield a.reshape(3, 2), b.reshape(3, 2)
    yield np.array([1e-8]), np.array([1.0])
    for i in range(2 + 3 * hidden):
        rng = np.random.default_rng([5, i, hidden])
        shape = [(2, 2, 2), (7,), (1, 5), (4, 1), (3,)][i]
        yield 10.0 ** rng.uniform(-100, 100, shape), 10.0 ** rng.uniform(-100, 100, shape)


@_exercise("Proposition 1, pointwise", refuse=("minigan.theory:D_star",))
def check_best_y(best_y, *, hidden, guard):
    """Lesson 3 (a): ``best_y(a, b)`` is where ``a log y + b log(1 - y)`` is largest (on the
    lesson's a and b, where a brute-force argmax over a fine grid of y finds it too), for arrays
    of several shapes and for a and b from 1e-100 to 1e100."""
    y_grid = np.linspace(1e-6, 1 - 1e-6, 200_001)
    for i, (a, b) in enumerate(_best_y_family(hidden)):
        guard.case = f"a and b of shape {a.shape}"
        want = a / (a + b)
        if i < 2:   # the lesson's own a and b: where a brute-force argmax over a fine grid of y is
            f = a.reshape(-1, 1) * np.log(y_grid) + b.reshape(-1, 1) * np.log(1 - y_grid)
            want = y_grid[f.argmax(axis=1)].reshape(a.shape)                 # (within 1e-6)
        y = unchanged(best_y, (a.copy(), b.copy()), ("a", "b"))
        expect_shape(y, a.shape, "best_y(a, b)")
        y = np.asarray(y, dtype=np.float64)
        bad = ~np.isclose(y, want, rtol=1e-7, atol=1e-5 if i < 2 else 1e-300)
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            raise AssertionError(
                f"for a = {a[i]:.4g}, b = {b[i]:.4g} (arrays of shape {a.shape}) best_y gave "
                f"{y[i]:.6g}, but a log y + b log(1 - y) is largest at y = {want[i]:.6g}, where its "
                "derivative a/y - b/(1 - y) is zero")


def _grids(hidden):
    """(label, p_data, p_g, x): densities on grids, some of mass 1, some not, uneven grids too."""
    from .. import toy
    snap = toy.snapshot(toy.make_gan(seed=0))
    yield "the untrained toy G (its p_g loses mass off the grid)", snap["p_data"], snap["p_g"], toy.X
    gauss = lambda x, mu, s: np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi))  # noqa: E731
    x_wide = np.linspace(-8, 8, 3201)
    for mu in (0.0, 0.4, 1.5, 3.0):
        yield f"p_g = N({mu:g}, 0.5^2)", gauss(x_wide, 0, 0.5), gauss(x_wide, mu, 0.5), x_wide
    uneven = np.sort(np.random.default_rng(6).uniform(-6, 6, 801))
    yield "an uneven grid", gauss(uneven, 0, 1), gauss(uneven, 1, 0.7), uneven
    yield "p_g of mass 1/2", gauss(x_wide, 0, 0.5), 0.5 * gauss(x_wide, 1, 0.5), x_wide
    yield "a grid of 2 points", np.array([0.2, 0.5]), np.array([0.4, 0.1]), np.array([-1.0, 3.0])
    if hidden:
        x = np.linspace(-20, 30, 1001)
        yield "a wide grid, N(5, 3^2) against N(-2, 1)", gauss(x, 5, 3), gauss(x, -2, 1), x
        yield "equal densities", gauss(x_wide, 0, 1), gauss(x_wide, 0, 1), x_wide


@_exercise("D* and C(G) on a grid", refuse=("minigan.theory:D_star", "minigan.theory:C_of_G"))
def check_D_star_and_C_of_G(D_star, C_of_G, *, hidden, guard):
    """Lesson 3 (b): ``D_star(p_data, p_g)`` against ``p_data / (p_data + p_g)`` (1/2 where both
    vanish) on densities of several shapes, and ``C_of_G(p_data, p_g, x)`` against Eq. 4 by the
    trapezoid rule, on even and uneven grids, for densities of mass 1 and not."""
    zeros = (np.array([0.0, 0.3, 0.0, 1e-300, 2.0, 0.0]), np.array([0.0, 0.1, 0.5, 0.0, 1e-300, 0.0]))
    cases = [("densities with zeros", *zeros), ("the same, as a (2, 3) array",
                                                zeros[0].reshape(2, 3), zeros[1].reshape(2, 3)),
             ("one point", np.array([0.0]), np.array([0.0]))]
    with guard.paused():          # the toy's densities are computed by the library
        grids = list(_grids(hidden))
    cases += [(label, pd, pg) for label, pd, pg, _ in grids]
    for label, pd, pg in cases:
        guard.case = label
        total = pd + pg
        want = np.where(total > 0, pd / np.where(total > 0, total, 1), 0.5)
        mine = unchanged(D_star, (pd.copy(), pg.copy()), ("p_data", "p_g"))
        expect_shape(mine, pd.shape, "D_star(p_data, p_g)")
        mine = np.asarray(mine, dtype=np.float64)
        bad = (total == 0) & ~np.isclose(mine, 0.5)
        assert not bad.any(), (f"where both densities are 0 (entry {np.argwhere(bad)[0].tolist()} of "
                               f"{label}) D* should be 1/2 (no sample is ever seen there), got "
                               f"{mine[bad][0]}; np.where(total > 0, ..., 0.5)")
        assert np.allclose(mine, want, rtol=1e-12, atol=1e-300), (
            f"{label}: D_star differs from p_data / (p_data + p_g) by up to "
            f"{np.nanmax(np.abs(mine - want)):.3g}")
    for label, a, b, grid in grids:
        guard.case = label
        m = np.where(a + b > 0, a + b, 1)
        want = _trapezoid(_xlogy(a, a / m) + _xlogy(b, b / m), grid)
        c = unchanged(C_of_G, (a.copy(), b.copy(), grid.copy()), ("p_data", "p_g", "x"))
        c = float(c)
        mass = _trapezoid(b, grid), _trapezoid(a, grid)
        if not np.isfinite(c):
            raise AssertionError(
                f"C_of_G is {c} for {label}; Eq. 4 by the trapezoid rule gives {want:.6f}. Here "
                f"p_g / (p_data + p_g) falls to {np.min(b / m):.3g} (1 - D* computed as 1 - D_star "
                "rounds to 0 where it is below 1e-16, and its log is -inf)"
                + (" and both densities are 0 at some x (0 log 0 must count as 0: xlogy)"
                   if np.any(a + b == 0) else ""))
        if abs(c - want) < 1e-9:
            continue
        half = (a + b) / 2
        eq6 = -np.log(4) + _trapezoid(_xlogy(a, a / np.where(half > 0, half, 1))
                                      + _xlogy(b, b / np.where(half > 0, half, 1)), grid)
        if abs(c - eq6) < 1e-9 and max(abs(mass[0] - 1), abs(mass[1] - 1)) > 1e-6:
            raise AssertionError(
                f"C_of_G = {c:.6f} for {label}, which is -log 4 + 2 JSD (Eq. 6); Eq. 4 gives "
                f"{want:.6f}. Eq. 6 holds only for densities of mass 1, and here p_g integrates to "
                f"{mass[0]:.4f} and p_data to {mass[1]:.4f}: compute Eq. 4's integral itself")
        dx = grid[1] - grid[0]
        even = (_xlogy(a, a / m) + _xlogy(b, b / m)).sum() * dx
        if abs(c - even) < 1e-9 and not np.allclose(np.diff(grid), dx):
            raise AssertionError(
                f"C_of_G = {c:.6f} for {label}, a sum times x[1] - x[0]; the grid is not evenly "
                f"spaced, and Eq. 4 by the trapezoid rule on it gives {want:.6f}: "
                "trapezoid(..., x)")
        raise AssertionError(f"C_of_G = {c:.6f} for {label}, but Eq. 4 by the trapezoid rule "
                             f"gives {want:.6f} (p_data log D* + p_g log(1 - D*), integrated over x)")


def _C(pd, pg, x):
    m = np.where(pd + pg > 0, pd + pg, 1)
    return _trapezoid(_xlogy(pd, pd / m) + _xlogy(pg, pg / m), x)


@_exercise("Proposition 2, a step down C(G)")
def check_step_p_g(step_p_g, *, hidden, guard):
    """Lesson 3 (c): ``step_p_g(p_data, p_g, x, eta)`` moves little for a small eta, keeps a
    density (by the trapezoid rule on ``x``, even or not), never raises C(G), and from
    N(1.5, 0.5^2) brings it within 1e-3 of -log 4 in 30 steps of eta = 0.5; on other grids,
    densities and etas its steps lower C(G) at least a quarter of the way to -log 4."""
    gauss = lambda x, mu, s: np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi))  # noqa: E731
    x = np.linspace(-4, 5, 1801)
    uneven = np.sort(np.concatenate([[-5.0, 6.0], np.random.default_rng(7).uniform(-5, 6, 1200)]))
    cases = [("p_g = N(1.5, 0.5^2)", gauss(x, 0, 0.5), gauss(x, 1.5, 0.5), x, 0.5, 30, 1e-3),
             ("an uneven grid", gauss(uneven, 0, 0.8), gauss(uneven, 1, 0.6), uneven, 0.3, 12, None),
             ("two bumps of p_data", 0.5 * gauss(x, -1, 0.4) + 0.5 * gauss(x, 2, 0.4),
              gauss(x, 0.5, 1.0), x, 0.8, 12, None)]
    if hidden:
        x2 = np.linspace(-10, 10, 801)
        cases.append(("a wide grid", gauss(x2, -3, 2), gauss(x2, 4, 1), x2, 0.6, 15, None))
    for label, p_data, p_g, grid, eta, n_steps, target in cases:
        guard.case = f"{label}, eta {eta}"
        small = unchanged(step_p_g, (p_data.copy(), p_g.copy(), grid.copy(), 1e-3),
                          ("p_data", "p_g", "x", "eta"))
        expect_shape(small, grid.shape, "step_p_g(p_data, p_g, x, eta)")
        small = np.asarray(small, dtype=np.float64)
        assert np.all(np.isfinite(small)) and abs(_trapezoid(small, grid) - 1) < 1e-6, (
            f"{label}, eta = 0.001: p_g integrates to {_trapezoid(small, grid):.6f} by the "
            "trapezoid rule on x, not 1: normalise it by trapezoid(new, x)")
        assert np.max(np.abs(small - p_g)) < 0.01 * p_g.max(), (
            f"{label}: with eta = 0.001 the step should move p_g only a little: a gradient step, "
            "not a jump")
        p_t, curve = p_g, [_C(p_data, p_g, grid)]
        for t in range(n_steps):
            p_t = np.asarray(step_p_g(p_data.copy(), p_t.copy(), grid.copy(), eta), dtype=np.float64)
            assert p_t.shape == grid.shape and np.all(np.isfinite(p_t)) and np.all(p_t >= 0), (
                f"{label}, step {t + 1}: p_g has negative or non-finite values; a density stays >= 0")
            assert abs(_trapezoid(p_t, grid) - 1) < 1e-6, (
                f"{label}, step {t + 1}: p_g integrates to {_trapezoid(p_t, grid):.6f}, not 1: "
                "normalise it by trapezoid(new, x)")
            curve.append(_C(p_data, p_t, grid))
        assert np.all(np.diff(curve) < 1e-12), (
            f"{label}, eta = {eta}: C(G) went up along your steps: {np.round(curve[:6], 4)} ...; step "
            "against the gradient log(1 - D*)")
        gap = curve[-1] + np.log(4)
        if target is not None:
            assert gap < target, (f"{label}: after {n_steps} steps C(G) = {curve[-1]:.5f}, not "
                                  f"within {target:g} of -log 4 = {-np.log(4):.5f}")
        else:
            assert gap < 0.75 * (curve[0] + np.log(4)), (
                f"{label}, eta = {eta}: after {n_steps} steps C(G) went from {curve[0]:.4f} only "
                f"to {curve[-1]:.4f}, less than a quarter of the way to -log 4 = {-np.log(4):.4f}")
