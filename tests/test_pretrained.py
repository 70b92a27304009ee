"""The lessons' pretrained MNIST generator and its discriminator (minigan/pretrained/, issue 17)."""
import numpy as np
import pytest

import minigan as mg
from minigan.checkpoint import CheckpointError


def test_the_pretrained_generator_draws_all_ten_digits_in_balance():
    q = mg.metrics.sample_quality(mg.models.pretrained_mnist().sample(10_000, seed=0))
    assert q["classes_covered"] == 10 and q["class_kl"] <= 0.1, q


def test_the_pretrained_discriminator_is_trained_and_tells_digits_from_noise(shared_data_dir):
    D = mg.models.pretrained_mnist_discriminator()
    gan = mg.models.pretrained_mnist(discriminator=True)
    for k, p in D.params.items():
        assert np.array_equal(gan.D.params[k], p)
    assert not np.array_equal(mg.models.pretrained_mnist().D.params["1.W"], D.params["1.W"])  # old call: untrained D
    x = mg.data.load("mnist", "test", shared_data_dir)[0][:1000]
    noise = np.random.default_rng(0).uniform(0, 1, x.shape).astype(np.float32)
    d_real = mg.layers.sigmoid(D.forward(x, train=False)).mean()
    d_noise = mg.layers.sigmoid(D.forward(noise, train=False)).mean()
    assert d_real > 0.2 and d_noise < 0.05, (d_real, d_noise)


def test_a_discriminator_file_round_trips_and_a_broken_one_is_named(tmp_path):
    G, D = mg.models.paper_mnist(seed=3)
    gan = mg.gan.GAN(G, D, z_dim=100)
    path = tmp_path / "d.npz"
    mg.models.save_discriminator(gan, path)
    back = mg.models.load_discriminator(path)
    for k, p in D.params.items():
        assert np.array_equal(back.params[k], p.astype(np.float16).astype(np.float32))
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:1000])
    for bad in (broken, tmp_path / "absent.npz"):
        with pytest.raises(CheckpointError, match="not a discriminator file") as err:
            mg.models.load_discriminator(bad)
        assert str(bad) in str(err.value) and "\n" not in str(err.value)
