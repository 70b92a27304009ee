"""Algorithm 1's bookkeeping, and finite-difference checks of whole D and G steps through
both networks -- the guard against back-propagating real data through fake activations."""
import copy

import numpy as np
import pytest

import minigan as mg
from minigan.gan import GAN
from minigan.layers import Dropout, Linear, Maxout, ReLU, Sequential, Sigmoid


def tiny_gan(seed=0, **options):
    """A float64 GAN small enough for finite differences: G 2 -> 5 -> 4, D with dropout and maxout."""
    G = Sequential(Linear(2, 5, 0.8, seed, dtype="float64"), ReLU(),
                   Linear(5, 4, 0.8, seed + 1, dtype="float64"), Sigmoid())
    D = Sequential(Dropout(0.3, seed + 2), Maxout(4, 3, 2, 0.8, seed + 3, dtype="float64"),
                   Dropout(0.5, seed + 4), Linear(3, 1, 0.8, seed + 5, dtype="float64"))
    return GAN(G, D, z_dim=2, seed=seed, **options)


@pytest.fixture
def batch():
    rng = np.random.default_rng(1)
    return rng.uniform(0, 1, (6, 4)), rng.uniform(-1.7, 1.7, (6, 2))


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.parametrize("objective", ["minimax", "non-saturating"])
def test_whole_step_gradients_match_finite_differences_through_both_nets(batch, update, objective):
    x_real, z = batch
    gan = tiny_gan(objective=objective, update=update)
    mg.gradcheck.assert_gan_gradients(gan, x_real, z)
    errors = mg.gradcheck.check_gan_step(gan, x_real, z)
    assert set(errors) == {"D", "G"} and set(errors["D"]) == set(gan.D.params)
    assert max(max(e.values()) for e in errors.values()) < 1e-5


def test_the_whole_step_check_catches_real_data_back_propagated_through_fake_activations(batch):
    """The bug of two public NumPy GANs: D runs on real data, then on fake data, then
    back-propagates the real-data loss through the activations the fake pass cached."""
    x_real, z = batch
    gan = tiny_gan()

    def two_passes(x_real, z):
        x_fake = gan.G.forward(z, train=True)
        real = gan.D.forward(x_real, train=True)
        fake = gan.D.forward(x_fake, train=True)
        loss_r, d_r = mg.losses.bce_with_logits(real, 1.0)
        loss_f, d_f = mg.losses.bce_with_logits(fake, 0.0)
        gan.D.backward(d_f)
        fake_grads = {k: g.copy() for k, g in gan.D.grads.items()}
        gan.D.backward(d_r)  # uses the fake pass's cache: wrong
        for k in gan.D.params:
            gan.D.grads[k] += fake_grads[k]
        return {"d_loss": loss_r + loss_f}
    gan.discriminator_gradients = two_passes
    with pytest.raises(AssertionError, match="D of GAN"):
        mg.gradcheck.assert_gan_gradients(gan, x_real, z)


def test_the_whole_step_check_fails_a_generator_that_gets_no_gradient(batch):
    x_real, z = batch
    gan = tiny_gan()
    real = gan.generator_gradients

    def detached(z):
        loss = real(z)
        for g in gan.G.grads.values():
            g[...] = 0
        return loss
    gan.generator_gradients = detached
    with pytest.raises(AssertionError):
        mg.gradcheck.assert_gan_gradients(gan, x_real, z)


def test_generator_step_leaves_discriminator_parameters_untouched(batch):
    _, z = batch
    gan = tiny_gan()
    before = {k: p.copy() for k, p in gan.D.params.items()}
    velocity = {k: v.copy() for k, v in gan.d_optimizer.velocity.items()}
    gan.generator_gradients(z)
    gan.g_optimizer.step()
    for k, p in gan.D.params.items():
        np.testing.assert_array_equal(p, before[k])
        np.testing.assert_array_equal(gan.d_optimizer.velocity[k], velocity[k])


def test_minimax_gradient_saturates_where_non_saturating_does_not():
    """Section 3: when D confidently rejects G(z) (logit -10), log(1 - D(G(z))) is flat."""
    logits = np.full((4, 1), -10.0)
    _, d_minimax = mg.losses.generator_loss(logits, "minimax")
    _, d_nonsat = mg.losses.generator_loss(logits, "non-saturating")
    assert np.all(d_minimax < 0) and np.all(d_nonsat < 0)  # both push D(G(z)) up
    assert np.abs(d_nonsat).min() > 1000 * np.abs(d_minimax).max()


def test_step_runs_k_discriminator_updates_on_fresh_minibatches_then_one_generator_update():
    gan = tiny_gan(k=3)
    seen, counts = [], {"D": 0, "G": 0}
    real_d_grads = gan.discriminator_gradients

    def spy(x_real, z):
        seen.append((x_real.copy(), z.copy()))
        return real_d_grads(x_real, z)
    gan.discriminator_gradients = spy
    d_step, g_step = gan.d_optimizer.step, gan.g_optimizer.step
    gan.d_optimizer.step = lambda: (counts.__setitem__("D", counts["D"] + 1), d_step())
    gan.g_optimizer.step = lambda: (counts.__setitem__("G", counts["G"] + 1), g_step())

    x = np.random.default_rng(0).uniform(0, 1, (3 * 5, 4))
    stats = gan.step(x)
    assert counts == {"D": 3, "G": 1}
    for i, (x_real, z) in enumerate(seen):
        np.testing.assert_array_equal(x_real, x[5 * i:5 * (i + 1)])
        assert z.shape == (5, 2)
    assert not np.array_equal(seen[0][1], seen[1][1])  # fresh noise for every update
    assert set(stats) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0 < float(stats["d_real"]) < 1 and 0 < float(stats["d_fake"]) < 1


def test_step_rejects_data_that_is_not_k_minibatches():
    with pytest.raises(ValueError, match="multiple of k=3"):
        tiny_gan(k=3).step(np.zeros((10, 4)))


@pytest.mark.parametrize("options", [dict(objective="wasserstein"), dict(update="sequential"),
                                     dict(noise="cauchy"), dict(k=0),
                                     dict(k=2, update="simultaneous")])
def test_bad_options_are_refused_with_the_choices(options):
    with pytest.raises(ValueError):
        tiny_gan(**options)


@pytest.mark.parametrize("noise, var", [("uniform", 1.0), ("gaussian", 1.0)])
def test_noise_priors_have_unit_variance(noise, var):
    z = tiny_gan(noise=noise).noise(20000)
    assert z.shape == (20000, 2) and z.dtype == np.float64
    assert abs(z.var() - var) < 0.05 and abs(z.mean()) < 0.05
    if noise == "uniform":
        assert np.abs(z).max() <= np.sqrt(3)


def test_sample_draws_from_the_generator_in_eval_mode():
    gan = tiny_gan()
    x = gan.sample(7)
    assert x.shape == (7, 4) and np.all((x > 0) & (x < 1))


def test_sampling_in_the_middle_of_training_does_not_change_the_run():
    x = np.random.default_rng(0).uniform(0, 1, (12, 4))
    quiet, curious = tiny_gan(), tiny_gan()
    for gan in (quiet, curious):
        gan.step(x)
    curious.sample(50)  # a notebook looks at samples between two updates
    for gan in (quiet, curious):
        gan.step(x)
    for k in quiet.G.params:
        np.testing.assert_array_equal(quiet.G.params[k], curious.G.params[k])


def test_sample_with_fixed_noise_or_a_seed_is_repeatable_and_batched():
    gan = tiny_gan()
    z = gan.noise(5)
    np.testing.assert_array_equal(gan.sample(z=z), gan.sample(z=z))
    np.testing.assert_array_equal(gan.sample(z=z), gan.G.forward(z, train=False))
    np.testing.assert_array_equal(gan.sample(9, seed=3), gan.sample(9, seed=3))
    assert not np.array_equal(gan.sample(9), gan.sample(9))  # the sample stream moves on
    np.testing.assert_allclose(gan.sample(z=z, batch_size=2), gan.sample(z=z))
    with pytest.raises(ValueError, match="at least one"):
        gan.sample(0)


def test_gan_and_the_command_line_default_to_the_same_objective():
    from minigan import train
    assert tiny_gan().objective == train.DEFAULTS["g_objective"] == "non-saturating"


def test_paper_mnist_has_the_papers_sizes_and_output_bias():
    mean = np.linspace(0.01, 0.5, 784)
    G, D = mg.models.paper_mnist(mean_image=mean)
    assert sum(p.size for p in G.params.values()) == 2_503_984
    assert sum(p.size for p in D.params.values()) == 1_231_441
    np.testing.assert_allclose(1 / (1 + np.exp(-G.params["4.b"])), mean, rtol=1e-5)
    assert np.abs(G.params["0.W"]).max() <= 0.05 and np.abs(D.params["1.W"]).max() <= 0.005
    assert [l.p_drop for l in D.layers if isinstance(l, Dropout)] == [0.2, 0.5, 0.5]


def test_a_gan_step_keeps_float32_float32():
    G, D = mg.models.paper_mnist()
    gan = GAN(G, D, z_dim=100, update="simultaneous", objective="non-saturating")
    gan.step(np.random.default_rng(0).uniform(0, 1, (8, 784)).astype(np.float32))
    assert all(p.dtype == np.float32 for p in {**G.params, **D.params}.values())
    assert all(v.dtype == np.float32 for v in gan.d_optimizer.velocity.values())


# --- data the user hands to GAN.step (issue 18): one message of ours, naming the value and the fix

@pytest.mark.parametrize("bad, error, match", [
    (np.random.default_rng(0).integers(0, 256, (6, 4)).astype(np.uint8), TypeError,
     r"dtype uint8; pass float pixels in \[0, 1\]: x.astype\('float32'\) / 255"),
    (np.random.default_rng(0).uniform(0, 255, (6, 4)), ValueError,
     r"values in \[.*, 2\d\d.*\], but G ends in a sigmoid.*uint8 / 255"),
    (np.full((6, 4), np.nan), ValueError, r"values in \[nan, nan\]"),
    (np.zeros((0, 4)), ValueError, r"shape \(0, 4\); pass a non-empty \(batch, d\)"),
    (np.zeros((6, 2, 2)), ValueError, r"shape \(6, 2, 2\).*x.reshape\(len\(x\), -1\)"),
    (np.zeros((6, 5)), ValueError, r"5,\) features per sample but G draws \(4,\)"),
    ([[0.5] * 4] * 6, TypeError, "is a list, not an array"),
])
def test_step_refuses_data_it_cannot_use_with_the_fix(bad, error, match):
    gan = tiny_gan()
    before = {k: p.copy() for k, p in gan.D.params.items()}
    with pytest.raises(error, match=match):
        gan.step(bad)
    with pytest.raises(error, match=match):  # the same verdict twice
        gan.step(bad)
    assert all(np.array_equal(p, before[k]) for k, p in gan.D.params.items())


def test_step_accepts_data_on_the_edges_of_zero_one_and_any_range_for_a_linear_generator():
    tiny_gan().step(np.tile([0.0, 1.0], (6, 2)))
    G = Sequential(Linear(2, 4, 0.8, 0, dtype="float64"))
    D = Sequential(Linear(4, 1, 0.8, 1, dtype="float64"))
    gan = GAN(G, D, z_dim=2)
    assert gan.data_range is None
    gan.step(np.full((6, 4), -7.0))  # a toy's data: G's output is not squashed


def test_fit_refuses_integer_images_before_converting_them():
    with pytest.raises(TypeError, match=r"training: x: the data has dtype uint8.*/ 255"):
        mg.training.fit(tiny_gan(), np.full((12, 4), 200, np.uint8), epochs=1, batch_size=6)
