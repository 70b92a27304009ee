"""Parzen-window log-likelihood (Table 1): the formula, the protocol, and the real-data number."""
import gzip

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from minigan import parzen


def direct_log_likelihood(x, samples, sigma):
    """log p(x) = logsumexp_j(-||x - mu_j||^2 / 2 sigma^2) - log N - d/2 log(2 pi sigma^2).

    Point by point, from scipy's distances and logsumexp: a route independent of the library's."""
    N, d = samples.shape
    D = cdist(np.asarray(x, np.float64), np.asarray(samples, np.float64), "sqeuclidean")
    return (logsumexp(-D / (2 * sigma**2), axis=1) - np.log(N)
            - 0.5 * d * np.log(2 * np.pi * sigma**2))


def test_log_likelihood_matches_direct_logsumexp():
    rng = np.random.default_rng(0)
    x, samples = rng.random((60, 13)), rng.random((90, 13))
    for sigma in (0.05, 0.2, 1.0):  # 0.05: terms down to exp(-2000): the max must be subtracted
        got = parzen.log_likelihood(x, samples, sigma)
        assert got.shape == (60,) and got.dtype == np.float64
        np.testing.assert_allclose(got, direct_log_likelihood(x, samples, sigma), rtol=0, atol=1e-6)


def test_all_sigmas_from_one_pass_equal_one_sigma_at_a_time():
    rng = np.random.default_rng(1)
    x, samples = rng.random((40, 5)), rng.random((70, 5))
    grid = parzen.log_likelihood(x, samples, parzen.SIGMAS)
    assert grid.shape == (len(parzen.SIGMAS), 40)
    for row, sigma in zip(grid, parzen.SIGMAS):
        one = parzen.log_likelihood(x, samples, sigma)
        np.testing.assert_allclose(row, one, rtol=0, atol=1e-12)


def test_batching_gives_the_same_answer_as_no_batching():
    rng = np.random.default_rng(2)
    x, samples = rng.random((101, 9)), rng.random((257, 9))
    whole = parzen.log_likelihood(x, samples, parzen.SIGMAS, batch_size=101, sample_batch_size=257)
    # uneven blocks over points, and over samples (the streaming logsumexp)
    blocked = parzen.log_likelihood(x, samples, parzen.SIGMAS, batch_size=17, sample_batch_size=50)
    np.testing.assert_allclose(blocked, whole, rtol=0, atol=1e-10)


def test_float32_data_moves_the_estimate_far_less_than_its_standard_error():
    rng = np.random.default_rng(3)
    x, samples = rng.random((300, 784)), rng.random((500, 784))
    ll64 = parzen.log_likelihood(x, samples, 1.0)
    ll32 = parzen.log_likelihood(x.astype(np.float32), samples.astype(np.float32), 1.0)
    standard_error = ll64.std() / np.sqrt(len(ll64))
    assert ll32.dtype == np.float64
    assert abs(ll32.mean() - ll64.mean()) < 1e-3 * standard_error
    assert np.abs(ll32 - ll64).max() < 1e-3


def test_select_sigma_picks_the_grid_value_with_the_best_validation_score():
    rng = np.random.default_rng(4)
    samples = rng.random((200, 6))
    valid = np.clip(samples[:50] + 0.2 * rng.standard_normal((50, 6)), 0, 1)
    sigma, scores = parzen.select_sigma(valid, samples)
    direct = [direct_log_likelihood(valid, samples, s).mean() for s in parzen.SIGMAS]
    np.testing.assert_allclose(scores, direct, rtol=0, atol=1e-8)
    assert sigma == parzen.SIGMAS[np.argmax(direct)]
    assert 0 < np.argmax(direct) < len(parzen.SIGMAS) - 1  # an interior optimum, not a grid edge


def test_estimate_approaches_the_true_log_density_as_samples_grow():
    # d = 2, data and samples both from N(0, I): log p(x) = -||x||^2 / 2 - log(2 pi).
    rng = np.random.default_rng(1)
    x, valid = rng.standard_normal((1000, 2)), rng.standard_normal((500, 2))
    true = -0.5 * (x**2).sum(axis=1) - np.log(2 * np.pi)
    errors = []
    for N in (100, 1000, 10_000):
        samples = rng.standard_normal((N, 2))
        sigma, _ = parzen.select_sigma(valid, samples)
        ll = parzen.log_likelihood(x, samples, sigma)
        errors.append(np.abs(ll - true).mean())
        gap = abs(ll.mean() - true.mean())
    assert errors[0] > errors[1] > errors[2]  # about 0.26, 0.12, 0.06 nats per point
    assert errors[2] < 0.1 and gap < 0.02  # N = 10,000: mean within 0.02 nats of the truth


def test_evaluate_chooses_sigma_on_the_first_1000_validation_images_only():
    rng = np.random.default_rng(5)
    samples = rng.random((300, 4))
    near = np.clip(samples[:100] + 0.02 * rng.standard_normal((100, 4)), 0, 1)  # wants small sigma
    far = rng.random((2000, 4))  # would want a larger one
    valid = np.concatenate([np.repeat(near, 10, axis=0), far])  # 1,000 near, then 2,000 far
    test = far[:500]

    result = parzen.evaluate(samples, valid, test)
    sigma_near, _ = parzen.select_sigma(valid[:1000], samples)
    sigma_far, _ = parzen.select_sigma(far, samples)
    assert sigma_near != sigma_far  # the test can tell which images chose sigma
    assert result["sigma"] == sigma_near and result["n_valid"] == 1000
    ll = direct_log_likelihood(test, samples, sigma_near)
    assert result["mean"] == pytest.approx(ll.mean(), abs=1e-8)
    assert result["std_error"] == pytest.approx(ll.std(ddof=0) / np.sqrt(500), abs=1e-8)
    assert result["n_samples"] == 300 and result["n_test"] == 500
    with pytest.raises(ValueError, match="never be chosen on the test set"):
        parzen.evaluate(samples, test, test)


def test_errors_name_the_problem_and_the_fix():
    x = np.zeros((3, 784))
    with pytest.raises(TypeError, match="255"):
        parzen.log_likelihood(np.zeros((3, 784), np.uint8), x, 0.2)
    with pytest.raises(ValueError, match="d=784 but samples have d=100"):
        parzen.log_likelihood(x, np.zeros((5, 100)), 0.2)
    with pytest.raises(ValueError, match="reshape"):
        parzen.log_likelihood(np.zeros((3, 28, 28)), x, 0.2)
    with pytest.raises(ValueError, match="non-empty"):  # e.g. a validation slice past the end
        parzen.select_sigma(x[5:], x)
    with pytest.raises(ValueError, match="positive"):
        parzen.log_likelihood(x, x, 0.0)


def test_a_diverged_generator_or_0_255_samples_are_refused_not_scored():
    rng = np.random.default_rng(3)
    samples, valid, test = rng.random((200, 16)), rng.random((100, 16)), rng.random((50, 16))
    assert np.isfinite(parzen.evaluate(samples, valid, test)["mean"])
    diverged = samples.copy()
    diverged[7, 3] = np.nan
    for _ in range(2):  # the verdict does not change when asked again
        with pytest.raises(ValueError, match="samples hold NaN or infinity"):
            parzen.evaluate(diverged, valid, test)
        with pytest.raises(ValueError, match="samples hold NaN"):
            parzen.log_likelihood(test, diverged, 0.2)
        with pytest.raises(ValueError, match=r"samples hold values in \[0, 255\].*divide 0-255 images by 255"):
            parzen.evaluate(np.round(samples * 255), valid, test)
        with pytest.raises(ValueError, match=r"test hold values in \[-1, 1\]"):
            parzen.evaluate(samples, valid, np.round(2 * test - 1))
    x = np.full((3, 16), np.inf)
    with pytest.raises(ValueError, match="x hold NaN or infinity"):
        parzen.log_likelihood(x, samples, 0.2)


def read_mnist(data_dir, name, n):
    with gzip.open(data_dir / "mnist" / f"{name}-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(16 + n * 784), dtype=np.uint8, offset=16)
    return (raw.reshape(n, 784) / np.float32(255)).astype(np.float32)


def test_real_mnist_float32_estimate_matches_direct_float64(shared_data_dir):
    samples = read_mnist(shared_data_dir, "train", 1000)
    test = read_mnist(shared_data_dir, "t10k", 500)
    got = parzen.log_likelihood(test, samples, 0.167)
    want = direct_log_likelihood(test, samples, 0.167)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-2)  # float32 distances, d = 784
    assert 0 < got.mean() < 241  # N = 1,000 scores far below N = 10,000's 241 nats


@pytest.mark.gpu
def test_cupy_estimate_equals_numpy_estimate():
    import cupy

    rng = np.random.default_rng(6)
    for dtype, tol in ((np.float64, 1e-9), (np.float32, 1e-2)):
        x, samples = rng.random((300, 784)).astype(dtype), rng.random((700, 784)).astype(dtype)
        blocks = dict(batch_size=128, sample_batch_size=300)
        want = parzen.log_likelihood(x, samples, parzen.SIGMAS, **blocks)
        got = parzen.log_likelihood(cupy.asarray(x), cupy.asarray(samples), parzen.SIGMAS, **blocks)
        assert isinstance(got, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(got), want, rtol=0, atol=tol)
    result = parzen.evaluate(cupy.asarray(samples), cupy.asarray(x[100:]), cupy.asarray(x[:100].copy()))
    assert result["sigma"] in parzen.SIGMAS and np.isfinite(result["mean"])


def test_evaluate_refuses_a_validation_set_that_holds_test_images():
    """Not only the same array: a slice or a copy of the test set is the test set too."""
    rng = np.random.default_rng(0)
    test, samples = rng.random((300, 20), dtype=np.float32), rng.random((50, 20), dtype=np.float32)
    for valid in (test, test[10:], test[:100].copy(), test.astype(np.float64)):   # MNIST's pixels are exact in both
        with pytest.raises(ValueError, match="valid holds test images"):
            parzen.evaluate(samples, valid, test, progress=False)
    result = parzen.evaluate(samples, rng.random((100, 20), dtype=np.float32), test, progress=False)
    assert result["n_valid"] == 100
