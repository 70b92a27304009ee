"""Section 7's semi-supervised direction: a softmax probe on few labels must learn (far above
chance on pixels and on D's features) and must not learn from shuffled labels. Real MNIST."""
import numpy as np
import pytest

import minigan as mg
from minigan import semisupervised as ss


@pytest.fixture(scope="module")
def mnist(shared_data_dir):
    x, y = mg.data.load("mnist", "train", shared_data_dir)
    x_valid, y_valid = mg.data.load("mnist", "valid", shared_data_dir)
    x_test, y_test = mg.data.load("mnist", "test", shared_data_dir)
    # pool: the training split (here its first 20,000); validation: its first 1,000 (train[50000:51000])
    return x[:20000], y[:20000], x_valid[:1000], y_valid[:1000], x_test[:2000], y_test[:2000]


@pytest.mark.learning
def test_a_probe_on_100_pixel_labels_learns_and_shuffled_labels_teach_it_nothing(mnist):
    x, y, xv, yv, xt, yt = mnist
    acc = ss.few_labels(x, y, xv, yv, xt, yt, n_labels=(100,), seeds=(0,))[100][0]
    assert acc > 0.6  # 73.0 % over 3 seeds on the 10,000 test digits (benchmarks/RESULTS.md)
    i = ss.balanced(y, 100, 0)
    shuffled = np.random.default_rng(0).permutation(y[i])
    p = ss.probe(x[i], shuffled, xv, np.random.default_rng(1).permutation(yv))
    assert (p.predict(xt) == yt).mean() < 0.25


@pytest.mark.learning
def test_the_first_maxout_layer_of_an_untrained_d_gives_features_a_probe_can_use(mnist):
    x, y, xv, yv, xt, yt = mnist
    _, D = mg.models.paper_mnist()
    f = [ss.features(D, a, layer=1) for a in (x, xv, xt)]
    assert f[0].shape == (20000, 240) and f[0].dtype == np.float64
    acc = ss.few_labels(f[0], y, f[1], yv, f[2], yt, n_labels=(100,), seeds=(0,))[100][0]
    assert acc > 0.5  # 70.5 % over 3 seeds (random maxout features)


def test_balanced_sets_hold_each_class_equally_and_features_refuse_a_missing_layer():
    y = np.repeat(np.arange(10), 50)
    i = ss.balanced(y, 100, seed=3)
    assert np.array_equal(np.bincount(y[i]), np.full(10, 10)) and len(set(i)) == 100
    with pytest.raises(ValueError, match="cannot be split evenly"):
        ss.balanced(y, 105, 0)
    _, D = mg.models.paper_mnist()
    with pytest.raises(ValueError, match="layer=6, but D has layers 0..5"):
        ss.features(D, np.zeros((2, 784)), 6)
