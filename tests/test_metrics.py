"""minigan.metrics: a classifier's view of samples, on sets whose answer is known (issue 17)."""
import math
import shutil

import numpy as np
import pytest

import minigan as mg
from minigan import metrics
from minigan.checkpoint import CheckpointError


@pytest.fixture(scope="module")
def test_digits(shared_data_dir):
    return mg.data.load("mnist", "test", shared_data_dir)


def test_the_shipped_classifier_reads_98_percent_of_the_test_digits(test_digits):
    x, y = test_digits
    assert (metrics.predict(x) == y).mean() >= 0.98


def test_real_test_digits_score_high_cover_every_class_and_sit_at_fid_zero(test_digits):
    q = metrics.sample_quality(test_digits[0])
    assert q["classes_covered"] == 10
    assert q["class_kl"] < 0.01               # MNIST's test classes are nearly balanced
    assert q["score"] > 9                      # 10 is the most a 10-class score can be
    assert abs(q["fid"]) < 1e-6                # the test set against its own statistics
    assert sum(q["class_histogram"]) == pytest.approx(1, abs=1e-3) and q["n"] == 10_000


def test_one_image_repeated_is_one_class_at_kl_log_10(test_digits):
    q = metrics.sample_quality(np.repeat(test_digits[0][:1], 1000, axis=0))
    assert q["classes_covered"] == 1
    assert q["class_kl"] == pytest.approx(math.log(10), rel=1e-12)
    assert q["score"] == pytest.approx(1, abs=1e-6)   # p(y|x) = p(y): no information
    assert q["fid"] > 100


def test_a_set_missing_five_classes_is_told_apart_from_the_full_set(test_digits):
    x, y = test_digits
    half = metrics.sample_quality(x[y < 5])
    full = metrics.sample_quality(x[:half["n"]])
    assert half["classes_covered"] == 5 and full["classes_covered"] == 10
    assert half["class_kl"] > 0.5 > 0.01 > full["class_kl"]      # log 2 = 0.69 for exactly half
    assert half["score"] < 6 < 9 < full["score"]
    assert half["fid"] > 5 * full["fid"] and half["fid"] > 10


def test_fid_of_a_set_against_itself_is_zero_and_against_another_draw_small(test_digits):
    x = test_digits[0]
    assert abs(metrics.sample_quality(x[:3000], reference=x[:3000])["fid"]) < 1e-6
    halves = np.random.default_rng(0).permutation(len(x)).reshape(2, -1)  # the test set's first half
    other = metrics.sample_quality(x[halves[0]], reference=x[halves[1]])["fid"]  # is written more neatly
    assert 0 < other < 5


def test_frechet_distance_of_two_diagonal_gaussians_is_the_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    a, b = rng.uniform(0.5, 2, 5), rng.uniform(0.5, 2, 5)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_the_verdict_does_not_change_when_asked_twice(test_digits):
    x = test_digits[0][:2000]
    assert metrics.sample_quality(x) == metrics.sample_quality(x.copy())
    assert np.array_equal(metrics.predict(x), metrics.predict(x))


def test_fashion_mnist_has_its_own_classifier(data_dir_holding):
    x, y = mg.data.load("fashion-mnist", "test", data_dir_holding("fashion-mnist"))
    assert (metrics.predict(x, "fashion-mnist") == y).mean() > 0.88
    assert metrics.sample_quality(x, "fashion-mnist")["classes_covered"] == 10


def test_pixels_outside_0_1_or_nan_are_refused_in_words_and_lists_are_read(test_digits):
    x = test_digits[0][:50]
    with pytest.raises(ValueError, match=r"\[0, 255\].*divide by 255"):
        metrics.sample_quality((x * 255).round().astype(np.uint8))   # images as a file stores them
    with pytest.raises(ValueError, match=r"\[-1, 1\].*\[0, 1\]"):
        metrics.predict(2 * x - 1)                                    # a tanh generator's range
    broken = x.copy()
    broken[3, 7] = np.nan
    with pytest.raises(ValueError, match="NaN.*diverged"):
        metrics.sample_quality(broken)
    assert metrics.sample_quality(x.tolist()) == metrics.sample_quality(x)
    assert metrics.sample_quality(x.astype(np.float64)) == metrics.sample_quality(x)


def test_fid_is_never_negative_even_where_rounding_would_make_it_so(test_digits):
    x = test_digits[0]
    for n in (20, 500, 3000):
        assert 0 <= metrics.sample_quality(x[:n], reference=x[:n])["fid"] < 1e-6
    cov = np.diag(np.full(4, 1e6))
    assert metrics.frechet_distance(np.zeros(4), cov, np.zeros(4), cov) >= 0


def test_images_that_are_not_flat_or_a_dataset_without_classifier_are_refused_in_words():
    with pytest.raises(ValueError, match=r"\(5, 28, 28\).*reshape"):
        metrics.sample_quality(np.zeros((5, 28, 28), np.float32))
    with pytest.raises(ValueError, match="cifar10.*not available"):
        metrics.sample_quality(np.zeros((5, 784), np.float32), "cifar10")
    assert not metrics.available("cifar10") and metrics.available("mnist")


def test_the_classifier_file_loads_without_pickle_and_a_broken_one_is_named(tmp_path):
    net, mu, cov = metrics._load(metrics.PRETRAINED / "mnist_classifier.npz")
    assert mu.shape == (500,) and cov.shape == (500, 500)
    assert net.layers[0].params["W"].dtype == np.float32
    broken = tmp_path / "broken.npz"
    broken.write_bytes((metrics.PRETRAINED / "mnist_classifier.npz").read_bytes()[:5000])
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{"0.W": np.array([object()])})
    missing = tmp_path / "missing.npz"
    with np.load(metrics.PRETRAINED / "mnist_classifier.npz") as f:
        np.savez(missing, **{k: f[k] for k in f.files if k != "test_cov"})
    for path in (broken, pickled, missing, tmp_path / "absent.npz"):
        with pytest.raises(CheckpointError) as err:
            metrics._load(path)
        assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_the_classifier_is_minigan_layers_trained_by_minigan():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 400)
    x = rng.uniform(0, 0.5, (400, 784)).astype(np.float32)
    x[np.arange(400)[:, None], y[:, None] * 78 + np.arange(78)] += 0.5   # class c: a brighter block c
    net = metrics.train(x, y, epochs=5, batch_size=20, lr_drop_epoch=4, log=lambda _: None)
    assert isinstance(net, mg.layers.Sequential)
    logits = net.forward(x, train=False)
    assert (logits.argmax(axis=1) == y).mean() > 0.9


@pytest.mark.gpu
def test_cupy_images_get_the_same_numbers(test_digits):
    import cupy
    x = test_digits[0][:3000]
    on_gpu = metrics.sample_quality(cupy.asarray(x))
    on_cpu = metrics.sample_quality(x)
    assert on_gpu["classes_covered"] == on_cpu["classes_covered"]
    for k in ("class_kl", "score", "fid"):
        assert on_gpu[k] == pytest.approx(on_cpu[k], rel=1e-3, abs=1e-3)
    assert np.array_equal(metrics.predict(cupy.asarray(x)), metrics.predict(x))


def test_within_class_spread_tells_copies_from_variety_and_needs_one_label_per_image():
    rng = np.random.default_rng(0)
    varied = rng.uniform(0, 1, (200, 784)).astype(np.float32)
    labels = np.repeat(np.arange(10), 20)
    copies = np.repeat(varied[::4], 4, axis=0)          # each image drawn 4 times: a nearest twin at 0
    assert metrics.within_class_spread(copies, labels) == pytest.approx(0, abs=1e-5)
    spread = metrics.within_class_spread(varied, labels)
    assert spread > 10 and metrics.within_class_spread(varied, labels) == spread
    # one class only from another: the nearest neighbour is looked for within the label
    two = np.concatenate([np.zeros((2, 784)), np.ones((2, 784))]).astype(np.float32)
    assert metrics.within_class_spread(two, np.array([0, 1, 0, 1])) == pytest.approx(np.sqrt(784))
    assert metrics.within_class_spread(two, np.array([0, 0, 1, 1])) == pytest.approx(0, abs=1e-5)
    with pytest.raises(ValueError, match="one label per image"):
        metrics.within_class_spread(varied, labels[:-1])
    with pytest.raises(ValueError, match="two per class"):
        metrics.within_class_spread(varied[:3], np.array([0, 1, 2]))
