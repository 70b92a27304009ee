"""Section 4 of the paper, checked: Proposition 1 (the optimal D) and Theorem 1 (the global
optimum), on the 1-D grid of :mod:`minigan.theory`."""
import math

import numpy as np
import pytest
from scipy.integrate import trapezoid

from minigan import theory, toy
from minigan.layers import Linear, ReLU, Sequential

X = np.linspace(-15, 15, 30001)   # wide and fine: every density below has ~no mass off the grid


def gaussian(mean, std):
    return theory.p_data(X, mean, std)


P_DATA = gaussian(0.0, 1.0)
P_G = {
    "shifted": gaussian(1.5, 1.0),
    "wider": gaussian(0.0, 2.0),
    "narrower, shifted": gaussian(-0.5, 0.4),
    "mixture": 0.3 * gaussian(-2.0, 0.5) + 0.7 * gaussian(1.0, 0.8),
    "far away": gaussian(8.0, 0.5),
    "equal to p_data": P_DATA,
}


def affine(W, b):
    """A generator ``x = W z + b``, shape (m, 1) -> (m, 1)."""
    G = Linear(1, 1, dtype="float64")
    G.params["W"][...], G.params["b"][...] = W, b
    return G


def test_D_star_maximises_the_value_at_every_x():
    # Proposition 1's proof: y -> a log y + b log(1 - y) peaks at y = a / (a + b).
    a, b = 0.3, 0.1
    y = np.linspace(1e-4, 1 - 1e-4, 100001)
    values = a * np.log(y) + b * np.log(1 - y)
    assert y[values.argmax()] == pytest.approx(theory.D_star(a, b), abs=1e-4)
    assert theory.D_star(0.0, 0.0) == 0.5          # no mass at x: any D is optimal there


def test_p_g_of_an_affine_generator_is_the_shifted_scaled_prior():
    x = np.linspace(-4, 6, 1001)
    pg = theory.p_g(affine(-0.7, 1.0), x, noise="gaussian")     # decreasing G, one branch
    assert np.abs(pg - theory.p_data(x, 1.0, 0.7)).max() < 1e-3
    pg = theory.p_g(affine(0.5, 1.0), x, noise="uniform")       # U(-sqrt 3, sqrt 3) -> uniform
    inside = np.abs(x - 1.0) < 0.5 * math.sqrt(3) - 0.01
    assert np.allclose(pg[inside], 1 / (2 * math.sqrt(3) * 0.5), rtol=1e-6)
    assert trapezoid(pg, x) == pytest.approx(1.0, abs=1e-3)


def test_p_g_adds_both_branches_of_a_generator_that_folds():
    # G(z) = relu(z) + relu(-z) = |z| sends z and -z to one x: p_g(x) = 2 p_z(x) for x > 0.
    fold = Sequential(Linear(1, 2, dtype="float64"), ReLU(), Linear(2, 1, dtype="float64"))
    fold.layers[0].params["W"][...] = [[1.0, -1.0]]
    fold.layers[2].params["W"][...] = [[1.0], [1.0]]
    x = np.linspace(-1, 4, 501)
    pg = theory.p_g(fold, x, noise="gaussian")
    assert np.abs(pg[x > 0.1] - 2 * theory.p_data(x[x > 0.1])).max() < 2e-3
    assert np.all(pg[x < -0.01] == 0)


@pytest.mark.parametrize("name", list(P_G))
def test_theorem_1_C_of_G_is_minus_log_4_plus_twice_the_jsd(name):
    pg = P_G[name]
    assert trapezoid(pg, X) == pytest.approx(1.0, abs=1e-9)   # a density, on this grid
    C = theory.C_of_G(P_DATA, pg, X)                          # V(G, D*), Eq. 4
    assert C == pytest.approx(-math.log(4) + 2 * theory.jsd(P_DATA, pg, X), abs=1e-6)


def test_the_global_minimum_minus_log_4_is_reached_only_at_p_g_equal_p_data():
    assert theory.C_of_G(P_DATA, P_DATA, X) == pytest.approx(-math.log(4), abs=1e-9)
    assert theory.jsd(P_DATA, P_DATA, X) == pytest.approx(0.0, abs=1e-12)
    for name, pg in P_G.items():
        if name != "equal to p_data":
            assert theory.C_of_G(P_DATA, pg, X) > -math.log(4) + 1e-3, name
    # JSD <= log 2, with equality for disjoint supports: C(G) = 0, D* is 1 or 0 everywhere.
    assert theory.jsd(P_DATA, P_G["far away"], X) == pytest.approx(math.log(2), abs=1e-6)


@pytest.mark.learning
def test_proposition_1_a_discriminator_trained_with_G_frozen_converges_to_D_star():
    gan, rng = toy.make_gan(0), np.random.default_rng(0)
    toy.train(gan, toy.algorithm1(gan, rng, 3), 3)   # Figure 1(a): p_g near p_data, not on it
    frozen = {k: v.copy() for k, v in gan.G.params.items()}
    toy.train_discriminator(gan, 2000, rng)
    assert all(np.array_equal(gan.G.params[k], v) for k, v in frozen.items())

    s = toy.snapshot(gan)
    assert s["jsd"] > 0.02             # D* is far from 1/2: the check has teeth
    both = (s["p_data"] > 0.05) & (s["p_g"] > 0.05)
    assert np.abs(s["D"] - s["D_star"])[both].max() <= 0.05
    # ... and D* is the maximiser: the trained D's value is just below C(G) = V(G, D*).
    V_D = theory.V(s["D"], s["p_data"], s["p_g"], toy.X)
    C = theory.C_of_G(s["p_data"], s["p_g"], toy.X)
    assert C - 0.01 < V_D <= C
