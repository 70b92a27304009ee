"""Section 7's learned approximate inference for a fixed G: an encoder trained on (G(z), z) must
reconstruct G's samples far better than random pairing; refining z through G.backward must bring
G(z) closer to x; the Jacobian G.backward gives is the finite-difference one."""
import numpy as np
import pytest

import minigan as mg
from minigan import inference
from minigan.gan import GAN
from minigan.layers import Linear, ReLU, Sequential, Sigmoid


def tiny_gan(dtype="float32", seed=0):
    """A fixed 'trained' G: z (3) -> 24 ReLU -> 12 sigmoid, whose samples vary smoothly with z."""
    s = np.random.SeedSequence(seed).spawn(3)
    G = Sequential(Linear(3, 24, 1.0, s[0], dtype=dtype), ReLU(), Linear(24, 12, 1.0, s[1], dtype=dtype), Sigmoid())
    D = Sequential(Linear(12, 1, 0.1, s[2], dtype=dtype))
    return GAN(G, D, z_dim=3, seed=seed)


@pytest.fixture(scope="module")
def fitted():
    gan = tiny_gan()
    E = inference.encoder(12, 3, hidden=(64,), seed=1)
    E, losses = inference.fit_encoder(gan, E, steps=1500, batch_size=64, lr=0.05, momentum=0.9)
    return gan, E, losses


@pytest.mark.learning
def test_the_encoder_reconstructs_generated_samples_far_better_than_random_pairing(fitted):
    gan, E, losses = fitted
    assert np.mean(losses[-100:]) < 0.3 * np.mean(losses[:20])  # it learned
    r = inference.report(gan, E, n=500)
    assert r["EGg"] < 0.3 * r["EGg_baseline"], r
    assert r["latent_error"] < 0.3, r


@pytest.mark.learning
def test_an_untrained_encoder_does_not_beat_its_baseline(fitted):
    gan = fitted[0]
    r = inference.report(gan, inference.encoder(12, 3, hidden=(64,), seed=1), n=500)
    assert r["EGg"] > 0.6 * r["EGg_baseline"], r


@pytest.mark.learning
def test_refining_z_through_g_backward_brings_g_of_z_closer_to_x(fitted):
    gan, E, _ = fitted
    x = gan.sample(200, seed=9)
    x = np.clip(x + 0.02 * np.random.default_rng(0).standard_normal(x.shape), 0, 1).astype(np.float32)
    z0 = inference.encode(gan, E, x)
    z = inference.refine(gan, x, z0, steps=100, lr=0.5)
    before = np.linalg.norm(gan.sample(z=z0) - x, axis=1).mean()
    after = np.linalg.norm(gan.sample(z=z) - x, axis=1).mean()
    assert after < 0.7 * before, (before, after)
    assert np.abs(z).max() <= np.sqrt(3) + 1e-6  # z stays in the prior's box


def test_the_jacobian_from_g_backward_matches_finite_differences():
    gan = tiny_gan("float64")
    z = np.random.default_rng(4).uniform(-1, 1, 3)
    J = inference.jacobian(gan.G, z)
    numeric = np.stack([(gan.G.forward((z + h)[None], train=False) - gan.G.forward((z - h)[None], train=False))[0] / 2e-6
                        for h in 1e-6 * np.eye(3)], axis=1)
    assert J.shape == (12, 3)
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-9)
    s, used = inference.jacobian_spectrum(gan, n=4)
    assert s.shape == (4, 3) and np.all(np.diff(s, axis=1) <= 0) and np.all((1 <= used) & (used <= 3))


def test_a_conditional_gan_is_refused():
    G = Sequential(Linear(3 + 2, 12, dtype="float64"))
    gan = GAN(G, Sequential(Linear(12 + 2, 1, dtype="float64")), z_dim=3, classes=2)
    with pytest.raises(ValueError, match="conditional"):
        inference.fit_encoder(gan, steps=1)


def test_the_encoder_loss_is_half_the_mean_squared_distance_and_fit_encoder_uses_the_loss_it_is_given():
    e, z = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 3.0]])
    L, de = inference.encoder_loss(e, z)
    assert L == pytest.approx(0.5 * (1 + 4 + 9) / 2) and np.allclose(de, (e - z) / 2)
    gan, seen = tiny_gan(), []
    def loss(e, z):   # a student's loss, recorded: fit_encoder must call it, and descend its gradient
        seen.append(e.shape)
        return inference.encoder_loss(e, z)
    E1, losses1 = inference.fit_encoder(gan, inference.encoder(12, 3, hidden=(8,), seed=1), steps=5, batch_size=4, loss=loss)
    E2, losses2 = inference.fit_encoder(gan, inference.encoder(12, 3, hidden=(8,), seed=1), steps=5, batch_size=4)
    assert seen == [(4, 3)] * 5 and losses1 == losses2
    def doubled(e, z):   # another loss, another trajectory: the argument is not ignored
        L, de = inference.encoder_loss(e, z)
        return 2 * L, 2 * de
    assert inference.fit_encoder(gan, inference.encoder(12, 3, hidden=(8,), seed=1), steps=5, batch_size=4,
                                 loss=doubled)[1] != losses1


def test_refining_z_of_a_conditional_g_moves_z_only_and_brings_g_closer_to_x():
    s = np.random.SeedSequence(3).spawn(4)
    G = Sequential(mg.layers.Concat([Sequential(Linear(3, 8, 1.0, s[0], dtype="float64"), ReLU()),
                                     Sequential(Linear(2, 4, 1.0, s[1], dtype="float64"), ReLU())], [3, 2]),
                   Linear(12, 12, 1.0, s[2], dtype="float64"), Sigmoid())
    gan = GAN(G, Sequential(Linear(12 + 2, 1, 0.1, s[3], dtype="float64")), z_dim=3, classes=2)
    y = np.array([0, 1, 1, 0, 1])
    x = gan.sample(z=np.random.default_rng(1).uniform(-1, 1, (5, 3)), y=y)
    z0 = np.random.default_rng(2).uniform(-1, 1, (5, 3))   # not 0: the untrained ReLUs would all sit at their kink
    z = inference.refine(gan, x, z0, steps=200, lr=0.5, y=y)
    before, after = (np.linalg.norm(gan.sample(z=zz, y=y) - x, axis=1).mean() for zz in (z0, z))
    assert z.shape == (5, 3) and after < 0.7 * before, (before, after)
    with pytest.raises(ValueError, match="labels y"):
        inference.refine(gan, x, z0, steps=1)
    with pytest.raises(ValueError, match="labels y"):
        inference.refine(tiny_gan(), x, z0, steps=1, y=y)
