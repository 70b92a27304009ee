"""The conditional GAN of Section 7 (Mirza & Osindero, 2014): both nets see the label y as a
one-hot row appended to their input. The whole conditional step is checked against finite
differences through both nets, labels are checked where they enter, and sampling obeys y."""
import numpy as np
import pytest

import minigan as mg
from minigan.gan import GAN
from minigan.layers import Concat, Dropout, Linear, Maxout, ReLU, Sequential, Sigmoid

C = 3  # classes of the tiny GAN


def tiny_conditional_gan(seed=0, **options):
    """Mirza & Osindero's shapes in miniature, float64: G [z (2), y (3)] -> 5 ReLU beside 4 ReLU
    -> 4 sigmoid; D [x (4), y (3)] -> maxout 3x2 beside maxout 2x2 -> dropout -> 1 logit."""
    s = np.random.SeedSequence(seed).spawn(8)
    G = Sequential(Concat([Sequential(Linear(2, 5, 0.8, s[0], dtype="float64"), ReLU()),
                           Sequential(Linear(C, 4, 0.8, s[1], dtype="float64"), ReLU())], [2, C]),
                   Linear(9, 4, 0.8, s[2], dtype="float64"), Sigmoid())
    D = Sequential(Concat([Sequential(Dropout(0.3, s[3]), Maxout(4, 3, 2, 0.8, s[4], dtype="float64")),
                           Maxout(C, 2, 2, 0.8, s[5], dtype="float64")], [4, C]),
                   Dropout(0.5, s[6]), Linear(5, 1, 0.8, s[7], dtype="float64"))
    for net in (G, D):  # random biases keep ReLU inputs and maxout pieces away from their kinks
        for k, p in net.params.items():
            if k.endswith("b"):
                p[...] = np.random.default_rng([seed, len(k)]).uniform(-0.5, 0.5, p.shape)
    return GAN(G, D, z_dim=2, seed=seed, classes=C, **options)


@pytest.fixture
def batch():
    rng = np.random.default_rng(1)
    return rng.uniform(0, 1, (6, 4)), rng.uniform(-1.7, 1.7, (6, 2)), np.array([0, 1, 2, 2, 1, 0])


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.parametrize("objective", ["minimax", "non-saturating"])
def test_conditional_step_gradients_match_finite_differences_through_both_nets(batch, update, objective):
    x, z, y = batch
    gan = tiny_conditional_gan(update=update, objective=objective)
    mg.gradcheck.assert_gan_gradients(gan, x, z, y=y)
    errors = mg.gradcheck.check_gan_step(gan, x, z, y=y)
    assert set(errors["G"]) == set(gan.G.params) and max(errors["G"].values()) < 1e-5


def test_the_whole_step_check_refuses_a_generator_gradient_that_forgets_the_label_columns(batch):
    """A student passes D's whole dx, label columns included, to a G that ends in a slice of it:
    here, G's gradient taken from the label's columns of dx instead of the image's."""
    x, z, y = batch
    gan = tiny_conditional_gan()

    def wrong_columns(z, y):
        from minigan.layers import run_backward
        z_in = gan.condition(z, y)
        x_fake = gan.G.forward(z_in, train=True)
        d_in = gan.condition(x_fake, y)
        loss, dlogits = gan._generator_loss(gan.D.forward(d_in, train=True))
        dx = run_backward(gan.D, dlogits, d_in.shape, requires_grad=False)
        run_backward(gan.G, dx[:, -4:], z_in.shape, needs_input_grad=False)  # last 4, not first 4
        return loss
    gan.generator_gradients = wrong_columns
    for _ in range(2):
        with pytest.raises(AssertionError, match="G of GAN"):
            mg.gradcheck.assert_gan_gradients(gan, x, z, y=y)


def test_d_sees_the_fakes_with_the_real_minibatchs_labels():
    """G's half of a minibatch is conditioned on labels drawn from the data's label distribution:
    the real minibatch's own."""
    gan, seen = tiny_conditional_gan(), []
    real = gan.discriminator_gradients
    gan.discriminator_gradients = lambda x, z, y_real, y_fake: (seen.append((y_real, y_fake)),
                                                                 real(x, z, y_real, y_fake))[1]
    y = np.array([2, 0, 0, 1, 2])
    gan.step(np.random.default_rng(0).uniform(0, 1, (5, 4)), y)
    assert np.array_equal(seen[0][0], y) and np.array_equal(seen[0][1], y)


@pytest.mark.parametrize("y, message", [
    (None, "this GAN is conditional"),
    (np.array([0, 1, 2, 3]), "labels y range from 0 to 3"),
    (np.array([0, 1, -1, 2]), "range from -1 to 2"),
    (np.array([0.0, 1.0, 2.0, 1.0]), "dtype float64"),
    (np.array([0, 1, 2]), r"shape \(3,\)"),
])
def test_a_conditional_step_refuses_missing_or_wrong_labels_naming_them(y, message):
    with pytest.raises(ValueError, match=message):
        tiny_conditional_gan().step(np.zeros((4, 4)), y)


def test_an_unconditional_gan_refuses_labels_and_a_bad_number_of_classes():
    G, D = Sequential(Linear(2, 4, dtype="float64")), Sequential(Linear(4, 1, dtype="float64"))
    with pytest.raises(ValueError, match="unconditional"):
        GAN(G, D, z_dim=2).step(np.zeros((4, 4)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="unconditional"):
        GAN(G, D, z_dim=2).sample(4, y=1)
    with pytest.raises(ValueError, match="classes=1"):
        GAN(G, D, z_dim=2, classes=1)


def test_sample_obeys_y_and_takes_classes_in_turn_without_it():
    gan = tiny_conditional_gan()
    z = np.random.default_rng(3).uniform(-1.7, 1.7, (6, 2))
    by_class = [gan.sample(z=z, y=c) for c in range(C)]
    assert not np.allclose(by_class[0], by_class[1])  # the label changes the picture
    in_turn = gan.sample(z=z)  # labels 0, 1, 2, 0, 1, 2
    for i in range(6):
        np.testing.assert_array_equal(in_turn[i], by_class[i % C][i])
    np.testing.assert_array_equal(gan.sample(z=z, y=np.arange(6) % C, batch_size=4), in_turn)
    np.testing.assert_array_equal(gan.sample(7, seed=5), gan.sample(7, seed=5))


def test_mirza_mnist_nets_have_their_sizes_and_take_the_label():
    G, D = mg.models.mirza_mnist(mean_image=np.full(784, 0.13))
    assert sum(p.size for p in G.params.values()) == 100 * 200 + 200 + 10 * 1000 + 1000 \
        + 1200 * 1200 + 1200 + 1200 * 784 + 784
    assert sum(p.size for p in D.params.values()) == 785 * 1200 + 11 * 250 + 291 * 960 + 241
    gan = GAN(G, D, z_dim=100, classes=10)
    x = gan.sample(20, seed=0)
    assert x.shape == (20, 784) and x.dtype == np.float32
    y = np.arange(20) % 10
    stats = gan.step(np.random.default_rng(0).uniform(0, 1, (20, 784)).astype(np.float32), y)
    assert 0 < float(stats["d_real"]) < 1


def test_a_conditional_generator_file_keeps_its_classes(tmp_path):
    G, D = mg.models.mirza_mnist(seed=1)
    gan = GAN(G, D, z_dim=100, classes=10)
    mg.models.save_generator(gan, tmp_path / "g.npz")
    loaded = mg.models.load_generator(tmp_path / "g.npz")
    assert loaded.classes == 10
    z = gan.noise(10, np.random.default_rng(0))
    np.testing.assert_allclose(loaded.sample(z=z, y=3), gan.sample(z=z, y=3), atol=0.01)  # float16 weights


@pytest.mark.learning
def test_the_shipped_conditional_generator_draws_the_digit_it_is_asked_for():
    gan = mg.models.pretrained_conditional_mnist()
    y = np.repeat(np.arange(10), 30)
    accuracy = (mg.metrics.predict(gan.sample(len(y), seed=0, y=y)) == y).mean()
    assert accuracy > 0.95  # 99.99 % of 10,000 samples (benchmarks/RESULTS.md)
