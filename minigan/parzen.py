"""Parzen-window log-likelihood: how the paper scores a generator (Table 1).

Put a Gaussian of width ``sigma`` on each of N generator samples ``mu_j`` and ask how
likely each test image ``x`` is under that mixture:

    log p(x) = logsumexp_j(-||x - mu_j||^2 / (2 sigma^2)) - log N - (d/2) log(2 pi sigma^2)

The protocol (paper's ``parzen_ll.py``): N = 10,000 samples; sigma from
``SIGMAS = logspace(-1, 0, 10)``, chosen by the mean log-likelihood of the *first 1,000*
validation images, never by the test set; then the mean over all 10,000 test images,
reported with its standard error std / sqrt(n) (ddof=0). The number depends strongly on N,
so only N = 10,000 is comparable with Table 1.

Speed. The work is one ``(n, N)`` matrix of squared distances,
``||x||^2 - 2 x . mu + ||mu||^2``: a matrix product (BLAS on the CPU, cuBLAS on the GPU),
computed in blocks so memory stays bounded. The distances do not depend on sigma, so one
block serves every sigma of the grid.

Precision. The matrix product runs in the dtype of the data: float32 for images as
minigan loads them (fast), float64 if you pass float64. Both are first shifted by the
samples' mean (distances do not change; the numbers subtracted shrink), and the norms are
summed in float64. On MNIST (10,000 training images as the samples, the 10,000 test images
as x) float32 moves the mean by at most 4e-4 nats and no point by more than 0.004 nats at
any sigma of the grid (0.01 without the shift), against a standard error of 2.1
(``benchmarks/bench_parzen.py --check``). The log-sum-exp subtracts each row's largest term,
so nothing overflows, and the results are float64.
"""
import numpy as np
from tqdm.auto import tqdm

from .backend import array_module, name, to_numpy

SIGMAS = np.logspace(-1, 0, 10)  # the paper's grid: 0.1, 0.129, ..., 1.0
N_VALID = 1000  # sigma is chosen on the first 1,000 validation images


def log_likelihood(x, samples, sigma, batch_size=1000, sample_batch_size=10_000, progress=None):
    """Per-point Parzen-window log-likelihood log p(x) in nats.

    x: ``(n, d)`` points to score; samples: ``(N, d)`` kernel centres ``mu_j`` (generator
    samples), on the same backend. sigma: a float, or a 1-d sequence of widths, all scored
    from the same distance blocks. Points are taken ``batch_size`` at a time and samples
    ``sample_batch_size`` at a time, so at most ``batch_size * sample_batch_size`` distances
    are held at once. ``progress``: show a tqdm bar (``None``: only when the work is large).

    Returns float64 on the inputs' backend: ``(n,)`` for a float sigma, ``(len(sigma), n)``
    for a sequence.
    """
    xp = array_module(samples)
    _check_pair(x, samples, xp)
    sigmas = _host_floats(sigma)
    if sigmas.ndim > 1 or np.any(sigmas <= 0):
        raise ValueError(f"sigma must be a positive float or a 1-d sequence of them, got {sigma!r}")
    scales = [1.0 / (2.0 * s * s) for s in np.atleast_1d(sigmas)]
    n, d = x.shape
    N = samples.shape[0]
    dtype = xp.result_type(x.dtype, samples.dtype, xp.float32)

    # Shift both sets by the samples' mean: distances are unchanged, cancellation is smaller.
    centre = samples.mean(axis=0, dtype=xp.float64).astype(dtype)
    chunks = []
    for j in range(0, N, sample_batch_size):
        mu = samples[j:j + sample_batch_size] - centre  # a new (Nc, d) array in dtype
        chunks.append((mu, _sq_norms(mu, xp)))

    log_sums = xp.empty((len(scales), n), dtype=xp.float64)
    if progress is None:
        progress = n * N * d > 2e9  # a few seconds of CPU
    bar = tqdm(total=n, desc="Parzen", unit="pt", disable=not progress, leave=False)
    for i in range(0, n, batch_size):
        xb = x[i:i + batch_size] - centre
        xb_sq = _sq_norms(xb, xp)
        acc = None
        for mu, mu_sq in chunks:
            part = _log_kernel_sums(xb, xb_sq, mu, mu_sq, scales, xp)
            acc = part if acc is None else xp.logaddexp(acc, part)  # streaming logsumexp
        log_sums[:, i:i + batch_size] = acc
        bar.update(len(xb))
    bar.close()

    s = xp.asarray(np.atleast_1d(sigmas))[:, None]
    ll = log_sums - np.log(N) - 0.5 * d * xp.log(2.0 * np.pi * s * s)
    return ll if sigmas.ndim else ll[0]


def _sq_norms(a, xp):
    """Row norms ``||a_i||^2`` summed in float64, returned in ``a``'s dtype."""
    return (a * a).sum(axis=1, dtype=xp.float64).astype(a.dtype)


def _log_kernel_sums(xb, xb_sq, mu, mu_sq, scales, xp):
    """``logsumexp_j(-c * ||x_i - mu_j||^2)`` for each scale c: float64 ``(len(scales), b)``.

    One matrix product gives every distance of the block; each scale then costs one
    multiply, one exp and one sum over that block.
    """
    D = xb @ mu.T  # (b, Nc): the matrix product, in the data's dtype
    D *= -2
    D += xb_sq[:, None]
    D += mu_sq[None, :]
    d_min = D.min(axis=1)  # the largest term of each row's logsumexp, for every c
    D -= d_min[:, None]  # >= 0; rounding cannot make a term exceed exp(0)
    d_min = xp.maximum(d_min, 0).astype(xp.float64)  # a rounded-negative distance means 0
    out = xp.empty((len(scales), len(xb)), dtype=xp.float64)
    terms = xp.empty_like(D)
    for k, c in enumerate(scales):
        xp.multiply(D, D.dtype.type(-c), out=terms)
        xp.exp(terms, out=terms)
        out[k] = xp.log(terms.sum(axis=1, dtype=xp.float64)) - c * d_min
    return out


def select_sigma(valid, samples, sigmas=SIGMAS, **kwargs):
    """The width with the best mean validation log-likelihood (the paper's grid search).

    valid: ``(n, d)`` validation images (the protocol uses the first 1,000; see
    :func:`evaluate`); samples: ``(N, d)``. Extra keywords go to :func:`log_likelihood`.
    Returns ``(sigma, scores)``: the chosen float and a NumPy ``(len(sigmas),)`` array of mean
    validation log-likelihoods, in the order of ``sigmas``.
    """
    sigmas = _host_floats(sigmas)
    ll = log_likelihood(valid, samples, sigmas, **kwargs)
    scores = to_numpy(ll.mean(axis=1))
    return float(sigmas[np.argmax(scores)]), scores


def evaluate(samples, valid, test, sigmas=SIGMAS, **kwargs):
    """The paper's Table 1 protocol: choose sigma on validation, report on test.

    samples: ``(N, d)`` generator samples (N = 10,000 to compare with Table 1); valid:
    validation images, of which only the first 1,000 are used; test: ``(n, d)`` test images;
    pixels in [0, 1] (divided by 255). Extra keywords go to :func:`log_likelihood`.

    Returns a dict: ``sigma`` (chosen), ``mean`` (mean test log-likelihood, nats),
    ``std_error`` (std / sqrt(n), ddof=0), ``sigmas`` and ``valid_scores`` (the grid and its
    mean validation log-likelihoods), ``n_samples``, ``n_valid``, ``n_test``.
    """
    valid = valid[:N_VALID]
    for what, a in (("samples", samples), ("valid", valid), ("test", test)):
        lo, hi = (float(a.min()), float(a.max())) if getattr(a, "size", 0) else (0.0, 0.0)
        if lo < 0 or hi > 1:  # 0-255 samples would score -790,000 nats, as if it meant something
            raise ValueError(f"parzen.evaluate: {what} hold values in [{lo:.4g}, {hi:.4g}]; Table 1's "
                             "protocol scores pixels in [0, 1] (divide 0-255 images by 255)")
    if _rows_of(valid, test):
        raise ValueError("valid holds test images (the test set itself, a slice or a copy of it): "
                         "sigma must never be chosen on the test set; pass the validation images "
                         "(train[50000:60000] for MNIST)")
    sigma, scores = select_sigma(valid, samples, sigmas, **kwargs)
    ll = log_likelihood(test, samples, sigma, **kwargs)
    mean, std = (float(v) for v in (ll.mean(), ll.std()))
    return {"sigma": sigma, "mean": mean, "std_error": std / np.sqrt(len(ll)),
            "sigmas": _host_floats(sigmas), "valid_scores": scores,
            "n_samples": samples.shape[0], "n_valid": valid.shape[0], "n_test": test.shape[0]}


def _rows_of(valid, test, rows=3):
    """True when the first ``rows`` validation images all occur, exactly, among the test images:
    ``valid`` is then the test set, a slice or a copy of it. Compares content, not identity, and
    costs one pass over ``test`` per row."""
    if valid is test:
        return True
    if valid.ndim != 2 or test.ndim != 2 or valid.shape[1] != test.shape[1] or not len(valid):
        return False
    return all(bool((test == row).all(axis=1).any()) for row in valid[:rows])


def _host_floats(sigma):
    """``sigma`` (a number, a sequence, or an array on any backend) as float64 on the host."""
    if isinstance(sigma, (list, tuple)):
        return np.array([float(s) for s in sigma], dtype=np.float64)
    return to_numpy(sigma).astype(np.float64)


def _check_pair(x, samples, xp):
    for what, a in (("x", x), ("samples", samples)):
        if a.ndim != 2 or len(a) == 0:
            raise ValueError(f"parzen: {what} must be a non-empty (count, d) matrix of flat "
                             f"images, got shape {a.shape}; reshape with a.reshape(len(a), -1)")
        if not np.issubdtype(a.dtype, np.floating):
            raise TypeError(f"parzen: {what} has dtype {a.dtype}; pass float pixels in [0, 1] "
                            "(uint8 / 255; the paper divides by 255, not 256)")
        if not bool(array_module(a).isfinite(a).all()):  # a NaN would turn every score into NaN
            raise ValueError(f"parzen: {what} hold NaN or infinity (a generator that has diverged?): "
                             "there is nothing to score")
    if x.shape[1] != samples.shape[1]:
        raise ValueError(f"parzen: x has d={x.shape[1]} but samples have d={samples.shape[1]}; "
                         "both must be flat images of the same size")
    if array_module(x) is not xp:
        raise TypeError(f"parzen: x is a {name(x)} array but samples are {name(samples)}: put both "
                        "on one backend, with minigan.backend.to_numpy(a) or cupy.asarray(a)")
