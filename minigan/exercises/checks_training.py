"""The checks of lessons 5-8, the experiments: an epoch of training, Parzen, nearest neighbours and
interpolation, mode collapse (lesson 9, code that runs on the GPU, is :mod:`.checks_gpu`).

As in :mod:`.checks`: each check runs the answer over a family of inputs from fixed seeds in which
every argument varies (sizes larger than any block an answer might loop over, widths from tiny to
huge, points where Euclidean and Manhattan distance disagree, samples far from every mode),
compares with a formula written inside the check, verifies that the answer left its inputs
unchanged, and refuses the library's own answer while it runs
(``tests/test_exercise_checks.py`` holds the wrong answers each must refuse)."""
import numpy as np

from .. import optim, rng as rngs, training
from ..gan import GAN
from ..layers import Linear, ReLU, Sequential, Sigmoid
from .grading import _exercise, _known_mistakes, expect_shape
from .guards import unchanged

_steps = training.steps          # the reference loop, bound now: a notebook cannot rebind it here


# Lesson 5 -------------------------------------------------------------------------------------

def _tiny_gan(k):
    """A small GAN on 8-pixel 'images' whose every update visibly changes its statistics."""
    G = Sequential(Linear(4, 16, 1.0, rng=1, dtype="float64"), ReLU(),
                   Linear(16, 8, 1.0, rng=2, dtype="float64"), Sigmoid())
    D = Sequential(Linear(8, 16, 1.0, rng=3, dtype="float64"), ReLU(),
                   Linear(16, 1, 1.0, rng=4, dtype="float64"))
    return GAN(G, D, z_dim=4, k=k, seed=1)


@_exercise("One epoch of training", refuse=("minigan.training:steps", "minigan.training:fit"))
def check_train_epoch(train_epoch, *, hidden, guard):
    """Lesson 5: ``train_epoch(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng)``
    against ``training.steps`` from twin GANs: the same parameters bit for bit, the same step
    count, schedules and epoch means, for several k, set sizes, batch sizes, epochs, starting
    steps and schedules. The data do not divide into batches, the learning rate changes by a
    factor per update, and the updates' statistics differ, so an incomplete last batch, an
    off-by-one lr, or the last update's statistics cannot pass."""
    cases = [(1, 110, 20, 2, 7, 1.5, (0.5, 0.9, 3)), (2, 90, 10, 3, 0, 1.3, (0.5, 0.9, 3)),
             (1, 53, 4, 1, 3, 1.1, (0.3, 0.6, 4))]
    cases += [(3, 97, 5, 4, 12, 1.2, (0.2, 0.8, 6)), (1, 131, 64, 2, 0, 2.0, (0.5, 0.7, 2))] if hidden else []
    for k, n, batch_size, epoch, step, decay, ramp in cases:
        guard.case = f"k = {k}, {n} images, batch_size {batch_size}, epoch {epoch}, from step {step}"
        lr_at = optim.ExponentialDecay(0.5, decay, 1e-6)
        momentum_at = optim.LinearRamp(*ramp)
        seed = 5 + step
        x = np.random.default_rng([6, k, n]).random((n, 8))
        per_update = k * batch_size
        updates = n // per_update
        reference, yours = _tiny_gan(k), _tiny_gan(k)
        with guard.paused():
            records = list(_steps(reference, x, epochs=epoch, batch_size=batch_size, lr=lr_at,
                                  momentum=momentum_at, seed=seed,
                                  start={"epoch": epoch - 1, "batch": 0, "step": step}))
        rngs.reseed(yours, seed, epoch)   # the streams training.steps gave the reference
        where = f"(k = {k}, {n} images, batch_size {batch_size}, epoch {epoch}, from step {step})"
        out = unchanged(train_epoch, (yours, x.copy(), epoch, step, batch_size, lr_at, momentum_at,
                                      np.random.default_rng([seed, epoch])),
                        ("gan", "x", "epoch", "step", "batch_size", "lr_at", "momentum_at", "rng"))
        assert isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict), (
            f"train_epoch should return (step, stats_dict), got {type(out).__name__} {out!r:.80}")
        got_step, stats = out
        if got_step == step + updates + 1 and n % per_update:
            raise AssertionError(
                f"{where}: you made {updates + 1} updates; {n} images give {updates} full updates "
                f"of gan.k * batch_size = {per_update}: drop the incomplete last batch")
        if k > 1 and got_step == step + n // batch_size:
            raise AssertionError(f"{where}: an update takes gan.k * batch_size = {per_update} "
                                 f"images, not batch_size: {updates} updates, not {n // batch_size}")
        assert got_step == step + updates, (
            f"{where}: {updates} updates after step {step} should return step {step + updates}, "
            f"got {got_step}: step grows by one per update")
        for name, opt in (("D", yours.d_optimizer), ("G", yours.g_optimizer)):
            assert np.isclose(opt.momentum, momentum_at(epoch)), (
                f"{where}: {name}'s momentum is {opt.momentum}; in epoch {epoch} it should be "
                f"momentum_at(epoch) = {momentum_at(epoch)} (set it on both optimizers)")
            last = step + updates - 1
            assert np.isclose(opt.lr, lr_at(last)), (
                f"{where}: after the epoch {name}'s lr is {opt.lr:.5g}; the last update is number "
                f"{last} (counting from 0), so it should have used lr_at({last}) = "
                f"{lr_at(last):.5g}: set opt.lr = lr_at(step) on both optimizers before the "
                "update, then step += 1")
        for net in ("G", "D"):
            for key, p in getattr(yours, net).params.items():
                assert np.array_equal(p, getattr(reference, net).params[key]), (
                    f"{where}: {net}.{key} differs from training.steps after the epoch: shuffle "
                    "with order = rng.permutation(len(x)) and take consecutive minibatches of "
                    "x[order] in that order")
        for key in training.STATS:
            assert key in stats, f"the returned dict lacks {key!r}"
            per = np.array([float(r[key]) for r in records])
            got = float(stats[key])
            if np.isclose(got, per[-1], rtol=1e-9) and not np.isclose(got, per.mean(), rtol=1e-9):
                raise AssertionError(f"{where}: {key} is the last update's value; return the mean "
                                     "over all the epoch's updates")
            if np.isclose(got, per.sum(), rtol=1e-9) and updates > 1:
                raise AssertionError(f"{where}: {key} is the sum over the updates; divide by their "
                                     "number for the mean")
            assert np.isclose(got, per.mean(), rtol=1e-9), (
                f"{where}: mean {key} is {got:.6f}, expected {per.mean():.6f} (the mean of "
                f"gan.step's {key} over the epoch's {updates} updates)")


# Lesson 6 -------------------------------------------------------------------------------------

def _parzen_reference(x, mu, sigma):
    """Eq. of Section 5 written here: log (1/N) sum_j N(x; mu_j, sigma^2 I), by log-sum-exp."""
    sq = ((x[:, None, :] - mu[None, :, :]) ** 2).sum(axis=2)
    a = -sq / (2 * sigma ** 2)
    top = a.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(a - top).sum(axis=1))
    return lse - np.log(len(mu)) - 0.5 * x.shape[1] * np.log(2 * np.pi * sigma ** 2), a


def _parzen_family(hidden):
    """(n, N, d, sigma): the lesson's 784 pixels at widths where only the sum of exponentials
    underflows (0.1, 0.25), where only (2 pi sigma^2)^(d/2) does (1.0: it overflows), and small
    cases where neither does; one query, one centre, one dimension."""
    cases = [(20, 50, 784, 0.1), (20, 50, 784, 0.25), (20, 50, 784, 1.0), (7, 13, 3, 0.5),
             (1, 1, 1, 2.0), (5, 1, 10, 0.05), (1, 30, 2, 50.0)]
    cases += [(11, 23, 784, 0.2), (3, 2, 100, 5.0), (9, 40, 7, 1e-3)] if hidden else []
    for i, (n, N, d, sigma) in enumerate(cases):
        rng = np.random.default_rng([7, i, hidden])
        yield rng.random((n, d)), rng.random((N, d)), sigma


@_exercise("Parzen log-likelihood", refuse=("minigan.parzen:log_likelihood", "minigan.parzen:evaluate",
                                             "minigan.parzen:_log_kernel_sums"))
def check_parzen_log_likelihood(parzen_log_likelihood, *, hidden, guard):
    """Lesson 6: ``parzen_log_likelihood(x, samples, sigma)`` against the Parzen log-likelihood
    written in the check, for queries and centres of several counts (1 included) and
    dimensions (784 pixels, and 1 to 100), at widths from 1e-3 to 50."""
    for x, mu, sigma in _parzen_family(hidden):
        guard.case = f"sigma={sigma:g}, x {x.shape}, samples {mu.shape}"
        (n, d), N = x.shape, len(mu)
        where = f"sigma={sigma:g}, x ({n}, {d}), samples ({N}, {d})"
        ref, a = _parzen_reference(x, mu, sigma)
        ll = unchanged(parzen_log_likelihood, (x.copy(), mu.copy(), sigma), ("x", "samples", "sigma"))
        expect_shape(ll, (n,), f"parzen_log_likelihood(x ({n}, {d}), samples ({N}, {d}), sigma={sigma:g})")
        ll = np.asarray(ll, dtype=np.float64)
        if not np.all(np.isfinite(ll)):
            causes, low, high = [], np.any(ll == -np.inf) or np.any(np.isnan(ll)), np.any(ll == np.inf)
            if np.any(np.exp(a).sum(axis=1) == 0) and low:          # log 0 = -inf
                causes.append("every exp(-||x - mu||^2 / (2 sigma^2)) of a row underflows to 0 here, "
                              "so a plain sum of them is 0 and its log -inf: subtract each row's "
                              "largest exponent before exp (log-sum-exp)")
            power = np.power(np.float64(2 * np.pi * sigma ** 2), d / 2)   # inf, not OverflowError
            if (power == 0 and high) or (power == np.inf and low):  # - log 0, - log inf
                causes.append(f"(2 pi sigma^2)^(d/2) is {power} in float64 here: write the "
                              "normaliser as (d/2) log(2 pi sigma^2)")
            raise AssertionError(f"{where}: got non-finite values {ll[~np.isfinite(ll)][:3]}, "
                                 f"expected {np.round(ref[:3], 3)}"
                                 + (": " + "; or ".join(causes) if causes else ""))
        normaliser = 0.5 * d * np.log(2 * np.pi * sigma ** 2)
        _known_mistakes(ll, [(v, m) for v, m in [
            (ref + np.log(N), f"{where}: off by log N = {np.log(N):.3f}: the mixture's weights "
                              "are 1/N, so subtract log N"),
            (ref + normaliser, f"{where}: the Gaussian's normaliser - (d/2) log(2 pi sigma^2) "
                               "is missing"),
            (ref + normaliser - 0.5 * np.log(2 * np.pi * sigma ** 2),
             f"{where}: the normaliser is (d/2) log(2 pi sigma^2), with d = {d} dimensions")]
            if not np.allclose(v, ref)])
        assert np.allclose(ll, ref, rtol=1e-9, atol=1e-6), (
            f"{where}: first values {np.round(ll[:3], 3)}, expected {np.round(ref[:3], 3)}: check "
            "the squared distances (summed over the d coordinates), the maximum (per row of x, "
            "over the samples), and the - log N and - (d/2) log(2 pi sigma^2) terms")


# Lesson 7 -------------------------------------------------------------------------------------

def _nearest_family(hidden):
    """(label, queries, train): sets larger than any block an answer might loop over, one
    training image, one dimension, points where Manhattan and Euclidean distance disagree,
    queries that are training images (far in the set), and exact ties."""
    # (0, 0) to (3, 0) is 3 both ways; to (2, 2): 2.83 Euclidean, 4 Manhattan: Euclidean wins
    yield "a query where Manhattan distance picks another image", np.array([[0.0, 0.0]]), \
        np.array([[3.0, 0.0], [2.0, 2.0], [-3.1, 0.2]])
    rng = np.random.default_rng([8, hidden])
    pool = rng.random((300, 50), dtype=np.float32)
    own = np.array([3, 17, 42, 99, 250])
    yield "15 queries, 300 training images of 50 pixels", \
        np.concatenate([rng.random((10, 50), dtype=np.float32), pool[own]]), pool
    big = rng.random((2600, 6))
    yield "7 queries, 2600 training images (some are the queries)", \
        np.concatenate([rng.random((3, 6)), big[[2599, 1500, 1025, 2049]]]), big
    yield "one training image, one dimension", np.array([[0.5], [-2.0], [7.0]]), np.array([[1.0]])
    tie = rng.random((40, 3))
    tie[30] = tie[4]
    yield "exact ties (image 30 repeats image 4)", np.concatenate([tie[[4]], rng.random((600, 3))]), tie
    if hidden:
        many = rng.random((1100, 4)).astype(np.float32)
        yield "1,100 queries", rng.random((1100, 4)).astype(np.float32), many


@_exercise("Nearest neighbours", refuse=("minigan.figures:nearest_neighbours",))
def check_nearest(nearest, *, hidden, guard):
    """Lesson 7: ``nearest(queries, train)`` picks, for each query, a training image at the
    smallest squared Euclidean distance (any index of an exact tie is right); queries that are
    training images must find themselves. Sets from 1 to 2,600 training images, 1 to 50
    dimensions, float32 and float64."""
    for label, queries, train in _nearest_family(hidden):
        guard.case = label
        mine = unchanged(nearest, (queries.copy(), train.copy()), ("queries", "train"))
        expect_shape(mine, (len(queries),), f"nearest(queries {queries.shape}, train {train.shape})")
        mine = np.asarray(mine)
        assert np.issubdtype(mine.dtype, np.integer), (
            f"nearest should return row indices (integers), got dtype {mine.dtype}: argmin, not min")
        assert mine.min() >= 0 and mine.max() < len(train), (
            f"{label}: indices must be rows of train (0 .. {len(train) - 1}), got {mine.min()} .. "
            f"{mine.max()}")
        q, t = queries.astype(np.float64), train.astype(np.float64)
        d2 = ((q * q).sum(axis=1)[:, None] - 2 * q @ t.T + (t * t).sum(axis=1)[None, :]).clip(0)
        best = d2.min(axis=1)
        rows = np.arange(len(q))
        wrong = np.flatnonzero(d2[rows, mine] > best + 1e-9 * (1 + best))
        if len(wrong):
            i = wrong[0]
            j = int(d2[i].argmin())
            raise AssertionError(f"{label}: for query {i} you chose training image {mine[i]} at "
                                 f"squared distance {d2[i, mine[i]]:.4g}, but image {j} is at "
                                 f"{d2[i, j]:.4g}: take the argmin over the training images "
                                 "(axis=1) of the squared Euclidean distance, ||t||^2 - 2 q.t")


@_exercise("Interpolation in z", refuse=("minigan.figures:interpolate",))
def check_lerp(lerp, *, hidden, guard):
    """Lesson 7: ``lerp(z0, z1, steps)`` against ``(1 - t) z0 + t z1`` for t evenly spaced from
    0 to 1, for several steps (2 included) and z sizes (1 to 100), float32 and float64."""
    rng = np.random.default_rng([9, hidden])
    cases = [(6, 10, np.float32), (6, 2, np.float32), (6, 7, np.float32), (1, 3, np.float64),
             (100, 64, np.float64)] + ([(13, 5, np.float32), (2, 101, np.float64)] if hidden else [])
    for z_dim, steps, dtype in cases:
        guard.case = f"steps={steps}, z of shape ({z_dim},)"
        z0, z1 = ((2 * rng.random((2, z_dim)) - 1) * np.sqrt(3)).astype(dtype)
        path = unchanged(lerp, (z0.copy(), z1.copy(), steps), ("z0", "z1", "steps"))
        expect_shape(path, (steps, z_dim), f"lerp(z0, z1, {steps}) with z of shape ({z_dim},)")
        path = np.asarray(path, dtype=np.float64)
        where = f"steps={steps}, z of shape ({z_dim},)"
        assert np.allclose(path[0], z0, atol=1e-6), (
            f"{where}: the first row must be z0" +
            (" (yours starts at z1: t = 0 gives z0)" if np.allclose(path[0], z1, atol=1e-6) else ""))
        assert np.allclose(path[-1], z1, atol=1e-6), (
            f"{where}: the last row must be z1; use t = 0, 1/(steps-1), ..., 1 "
            "(np.linspace(0, 1, steps) includes both ends)")
        t = np.arange(steps)[:, None] / (steps - 1)
        ref = (1 - t) * z0.astype(np.float64) + t * z1.astype(np.float64)
        assert np.allclose(path, ref, atol=1e-5), (
            f"{where}: row 1 is {np.round(path[1, :3], 4)}..., expected "
            f"{np.round(ref[1, :3], 4)}...: evenly spaced t = 0, 1/(steps-1), ..., 1")


# Lesson 8 -------------------------------------------------------------------------------------

def _ring(k, radius=2.0):
    angle = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _modes_family(hidden):
    """(label, samples, centres, sigma, min_share, hint)."""
    rng = np.random.default_rng([10, hidden])
    c, s, share = _ring(8), 0.2, 0.25
    noise = s * rng.standard_normal((4000, 2))
    angle = rng.uniform(0, 2 * np.pi, 4000)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    who = rng.integers(8, size=4000)
    edge = np.concatenate([np.repeat(np.arange(7), 443)[:3100], np.full(100, 7)])  # mode 7: exactly
    weights = np.array([1, 1, 1, 1, 1, 1, 1, 0.1]) / 7.1                           # 1/4 of 1/8
    yield "p_data", c[rng.integers(8, size=4000)] + noise, c, s, share, ""
    yield "3 of the 8 modes", c[rng.integers(3, size=4000)] + noise, c, s, share, ""
    yield "one mode starved (1/71 of the samples)", c[rng.choice(8, size=4000, p=weights)] + noise, c, s, share, ""
    yield "a blob at the origin", noise, c, s, share, ""
    yield ("every sample 2 sigma from its centre", c[who] + 2 * s * ring, c, s, share,
           ": samples within 3 sigma count, even those beyond 1 sigma")
    yield ("every sample 3.5 sigma from its centre", c[who] + 3.5 * s * ring, c, s, share,
           ": 3.5 sigma is beyond 3 sigma; compare the distance, not its square, with 3 * sigma")
    yield ("mode 7 with exactly min_share / K of the samples", c[edge] + 0.5 * s * ring[:3200], c, s,
           share, ": exactly min_share / K is enough (>=)")
    diag = np.array([np.cos(np.pi / 4), np.sin(np.pi / 4)])          # 2.8 sigma along a diagonal:
    yield ("samples 2.8 sigma from their centre along the diagonal", _ring(4, 5.0)[np.arange(400) % 4]
           + 2.8 * 0.5 * diag * np.where(np.arange(400)[:, None] % 2, 1, -1), _ring(4, 5.0), 0.5, 0.5,
           ": the distance is Euclidean (np.linalg.norm), 2.8 sigma here; Manhattan gives 4 sigma")
    yield ("most samples far from every mode", np.concatenate([c[np.arange(20) % 2] + 0.1 * noise[:20],
                                                                np.full((100, 2), 40.0)]), c, s, 1.0,
           ": a mode's share is of ALL n samples, those far from every mode included")
    yield ("one centre, sigma 3, min_share 0.1", rng.normal(0, 3, (50, 2)) + [10, -4], np.array([[10.0, -4.0]]),
           3.0, 0.1, "")
    grid = np.stack(np.meshgrid(np.arange(5.), np.arange(5.)), -1).reshape(-1, 2)
    counts = [60, 40, 30, 20, 15, 10, 8, 6, 5, 3]            # 6 of 300 is min_share / K = 0.02
    on = np.repeat(np.arange(10), counts)
    yield ("25 centres on a grid, sigma 0.02, uneven shares", np.concatenate(
        [grid[on] + 0.02 * rng.standard_normal((len(on), 2)), np.full((300 - len(on), 2), 40.0)]),
        grid, 0.02, 0.5, "")
    if hidden:
        yield ("one sample", np.array([[2.1, 0.0]]), c, s, share, "")
        yield ("3 centres, min_share 1", _ring(3)[np.arange(90) % 2] + 0.05 * noise[:90], _ring(3), 0.3, 1.0, "")


@_exercise("Counting modes hit", refuse=("minigan.mixture:coverage",))
def check_modes_hit(modes_hit, *, hidden, guard):
    """Lesson 8: ``modes_hit(samples, centres, sigma, min_share)`` counts the centres with at least
    ``min_share / K`` of all n samples within Euclidean distance ``3 sigma``, on sets built to
    separate the usual mistakes (samples between sigma and 4 sigma of a centre, on diagonals,
    far from every mode, a mode with exactly its minimum share), with 1 to 25 centres, sigma from
    0.02 to 3 and min_share from 0.1 to 1."""
    for name, x, c, s, share, hint in _modes_family(hidden):
        guard.case = name
        got = unchanged(modes_hit, (x.copy(), c.copy(), s, share), ("samples", "centres", "sigma", "min_share"))
        if isinstance(got, (float, np.floating)) and float(got).is_integer():
            raise AssertionError(f"modes_hit should return a whole number as an int, got {type(got).__module__}."
                                 f"{type(got).__name__} {float(got)}, a float: return int(count)")
        assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), (
            f"modes_hit should return a whole number (int), got {type(got).__name__} {got!r}")
        dist = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
        want = int(((dist < 3 * s).mean(axis=0) >= share / len(c)).sum())
        assert int(got) == want, (
            f"{name} ({len(x)} samples, {len(c)} centres, sigma {s:g}, min_share {share:g}): "
            f"modes_hit says {got}, but {want} modes are hit{hint} (a mode needs >= min_share / K "
            "of ALL n samples within distance 3 sigma)")


@_exercise("Your prediction is a number of modes")
def check_prediction(predict_modes_hit, g_steps=(1, 2, 5, 20), *, hidden, guard):
    """Lesson 8: any prediction is accepted, if it is a whole number of modes from 0 to 8."""
    for g in tuple(g_steps) + ((3, 10, 50) if hidden else ()):
        guess = predict_modes_hit(g)
        assert (isinstance(guess, (int, np.integer)) and not isinstance(guess, bool)
                and 0 <= guess <= 8), (
            f"predict_modes_hit({g}) returned {guess!r}: return a whole number of modes from 0 to 8")
