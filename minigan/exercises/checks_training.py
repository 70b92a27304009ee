"""The checks of lessons 5-9, the experiments: an epoch of training, Parzen, nearest neighbours and
interpolation, mode collapse, code that runs on the GPU.

One check per exercise, each building its own data from fixed seeds, with the cases where students'
usual wrong answers differ from the right one, and a message naming the likely mistake
(``tests/test_exercise_checks.py`` holds the wrong answers each must refuse)."""
import ast
import inspect
import textwrap

import numpy as np

from .grading import _exercise, _known_mistakes, expect_shape


# Lesson 5 -------------------------------------------------------------------------------------

def _tiny_gan(k):
    """A small GAN on 8-pixel 'images' whose every update visibly changes its statistics."""
    from ..gan import GAN
    from ..layers import Linear, ReLU, Sequential, Sigmoid

    G = Sequential(Linear(4, 16, 1.0, rng=1, dtype="float64"), ReLU(),
                   Linear(16, 8, 1.0, rng=2, dtype="float64"), Sigmoid())
    D = Sequential(Linear(8, 16, 1.0, rng=3, dtype="float64"), ReLU(),
                   Linear(16, 1, 1.0, rng=4, dtype="float64"))
    return GAN(G, D, z_dim=4, k=k, seed=1)


@_exercise("One epoch of training")
def check_train_epoch(train_epoch):
    """Lesson 5: ``train_epoch(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng)``
    against ``training.steps`` from twin GANs: the same parameters bit for bit, the same step
    count, schedules and epoch means. The data do not divide into batches, the learning rate
    changes by 1.5x per update, and the updates' statistics differ, so an incomplete last
    batch, an off-by-one lr, or the last update's statistics cannot pass."""
    from .. import optim, rng as rngs, training

    lr_at = optim.ExponentialDecay(0.5, 1.5, 1e-6)
    momentum_at = optim.LinearRamp(0.5, 0.9, 3)
    seed = 5
    for k, n, batch_size, epoch, step in ((1, 110, 20, 2, 7), (2, 90, 10, 3, 0)):
        x = np.random.default_rng([6, k]).random((n, 8))
        per_update = k * batch_size
        updates = n // per_update
        reference, yours = _tiny_gan(k), _tiny_gan(k)
        records = list(training.steps(reference, x, epochs=epoch, batch_size=batch_size, lr=lr_at,
                                      momentum=momentum_at, seed=seed,
                                      start={"epoch": epoch - 1, "batch": 0, "step": step}))
        rngs.reseed(yours, seed, epoch)   # the streams training.steps gave the reference
        where = f"(k = {k}, {n} images, batch_size {batch_size}, epoch {epoch}, from step {step})"
        out = train_epoch(yours, x.copy(), epoch, step, batch_size, lr_at, momentum_at,
                          np.random.default_rng([seed, epoch]))
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
            if np.isclose(got, per.sum(), rtol=1e-9):
                raise AssertionError(f"{where}: {key} is the sum over the updates; divide by their "
                                     "number for the mean")
            assert np.isclose(got, per.mean(), rtol=1e-9), (
                f"{where}: mean {key} is {got:.6f}, expected {per.mean():.6f} (the mean of "
                f"gan.step's {key} over the epoch's {updates} updates)")


# Lesson 6 -------------------------------------------------------------------------------------

@_exercise("Parzen log-likelihood")
def check_parzen_log_likelihood(parzen_log_likelihood):
    """Lesson 6: ``parzen_log_likelihood(x, samples, sigma)`` against ``parzen.log_likelihood``
    on 784-pixel images, at three widths; the smallest underflows a naive sum."""
    from ..parzen import log_likelihood

    rng = np.random.default_rng(7)
    queries, centres = rng.random((20, 784)), rng.random((50, 784))
    n, d, N = 20, 784, 50
    for s in (0.1, 0.2, 1.0):
        ll = parzen_log_likelihood(queries.copy(), centres.copy(), s)
        expect_shape(ll, (n,), f"parzen_log_likelihood(x (20, 784), samples (50, 784), sigma={s})")
        ll = np.asarray(ll, dtype=np.float64)
        assert np.all(np.isfinite(ll)), (
            f"sigma={s}: got non-finite values {ll[~np.isfinite(ll)][:3]}; subtract each row's "
            "largest exponent before exp (log-sum-exp)")
        ref = log_likelihood(queries, centres, s)
        normaliser = 0.5 * d * np.log(2 * np.pi * s ** 2)
        _known_mistakes(ll, [
            (ref + np.log(N), f"sigma={s}: off by log N = {np.log(N):.3f}: the mixture's weights "
                              "are 1/N, so subtract log N"),
            (ref + normaliser, f"sigma={s}: the Gaussian's normaliser - (d/2) log(2 pi sigma^2) "
                               "is missing"),
            (ref + normaliser - 0.5 * np.log(2 * np.pi * s ** 2),
             f"sigma={s}: the normaliser is (d/2) log(2 pi sigma^2), with d = {d} pixels")])
        assert np.allclose(ll, ref, rtol=1e-9, atol=1e-6), (
            f"sigma={s}: first values {np.round(ll[:3], 3)}, parzen.log_likelihood gives "
            f"{np.round(ref[:3], 3)}: check the squared distances (summed over pixels), the "
            "maximum (per row of x, over the samples), and the - log N and - (d/2) log(2 pi "
            "sigma^2) terms")


# Lesson 7 -------------------------------------------------------------------------------------

@_exercise("Nearest neighbours")
def check_nearest(nearest):
    """Lesson 7: ``nearest(queries, train)`` against ``figures.nearest_neighbours``, comparing
    distances (any index of an exact tie is right); queries that are training images must find
    themselves."""
    from ..figures import nearest_neighbours

    rng = np.random.default_rng(8)
    pool = rng.random((300, 50), dtype=np.float32)
    own = np.array([3, 17, 42, 99, 250])
    queries = np.concatenate([rng.random((10, 50), dtype=np.float32), pool[own]])
    mine = nearest(queries.copy(), pool.copy())
    expect_shape(mine, (len(queries),), "nearest(queries (15, 50), train (300, 50))")
    mine = np.asarray(mine)
    assert np.issubdtype(mine.dtype, np.integer), (
        f"nearest should return row indices (integers), got dtype {mine.dtype}: argmin, not min")
    assert mine.min() >= 0 and mine.max() < len(pool), "indices must be rows of train (0 .. n-1)"
    ref = nearest_neighbours(queries, pool)
    d2 = ((queries[:, None, :].astype(np.float64) - pool[None, :, :]) ** 2).sum(axis=2)
    rows = np.arange(len(queries))
    wrong = np.flatnonzero(d2[rows, mine] > d2[rows, ref] + 1e-9)
    if len(wrong):
        i = wrong[0]
        raise AssertionError(f"query {i}: you chose training image {mine[i]} at squared distance "
                             f"{d2[i, mine[i]]:.3f}, but image {ref[i]} is at {d2[i, ref[i]]:.3f}: "
                             "take the argmin over the training images (axis=1) of "
                             "||t||^2 - 2 q.t")
    assert np.array_equal(mine[10:], own), "a training image's nearest neighbour is itself"


@_exercise("Interpolation in z")
def check_lerp(lerp):
    """Lesson 7: ``lerp(z0, z1, steps)`` against ``figures.interpolate``, for several steps."""
    from ..figures import interpolate

    rng = np.random.default_rng(9)
    z0, z1 = ((2 * rng.random((2, 6)) - 1) * np.sqrt(3)).astype(np.float32)
    for steps in (10, 2, 7):
        path = lerp(z0.copy(), z1.copy(), steps)
        expect_shape(path, (steps, 6), f"lerp(z0, z1, {steps}) with z of shape (6,)")
        path = np.asarray(path, dtype=np.float64)
        assert np.allclose(path[0], z0, atol=1e-6), (
            f"steps={steps}: the first row must be z0" +
            (" (yours starts at z1: t = 0 gives z0)" if np.allclose(path[0], z1, atol=1e-6) else ""))
        assert np.allclose(path[-1], z1, atol=1e-6), (
            f"steps={steps}: the last row must be z1; use t = 0, 1/(steps-1), ..., 1 "
            "(np.linspace(0, 1, steps) includes both ends)")
        ref = interpolate(z0, z1, steps)
        assert np.allclose(path, ref, atol=1e-6), (
            f"steps={steps}: row 1 is {np.round(path[1, :3], 4)}..., figures.interpolate gives "
            f"{np.round(ref[1, :3], 4)}...: evenly spaced t = 0, 1/(steps-1), ..., 1")


# Lesson 8 -------------------------------------------------------------------------------------

@_exercise("Counting modes hit")
def check_modes_hit(modes_hit):
    """Lesson 8: ``modes_hit(samples, centres, sigma, min_share)`` against
    ``mixture.coverage`` on sets built to separate the usual mistakes: samples between sigma
    and 4 sigma of a centre, and a mode with exactly its minimum share."""
    from .. import mixture

    rng = np.random.default_rng(10)
    c, s = mixture.centres(), mixture.SIGMA
    noise = s * rng.standard_normal((4000, 2))
    angle = rng.uniform(0, 2 * np.pi, 4000)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    who = rng.integers(8, size=4000)
    edge = np.concatenate([np.repeat(np.arange(7), 443)[:3100], np.full(100, 7)])  # mode 7: exactly
    weights = np.array([1, 1, 1, 1, 1, 1, 1, 0.1]) / 7.1                           # 1/4 of 1/8
    sets = {
        "p_data": (mixture.sample_data(rng, 4000), ""),
        "3 of the 8 modes": (c[rng.integers(3, size=4000)] + noise, ""),
        "one mode starved (1/71 of the samples)": (c[rng.choice(8, size=4000, p=weights)] + noise,
                                                   ""),
        "a blob at the origin": (noise, ""),
        "every sample 2 sigma from its centre": (
            c[who] + 2 * s * ring, ": samples within 3 sigma count, even those beyond 1 sigma"),
        "every sample 3.5 sigma from its centre": (
            c[who] + 3.5 * s * ring, ": 3.5 sigma is beyond 3 sigma; compare the distance, not "
                                     "its square, with 3 * sigma"),
        "mode 7 with exactly min_share / K of the samples": (
            c[edge] + 0.5 * s * ring[:3200], ": exactly min_share / K is enough (>=)"),
    }
    for name, (x, hint) in sets.items():
        got = modes_hit(x.copy(), c.copy(), s, mixture.MIN_SHARE)
        assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), (
            f"modes_hit should return a whole number (int), got {type(got).__name__} {got!r}")
        want = mixture.coverage(x)[0]
        assert int(got) == want, (
            f"{name}: modes_hit says {got}, mixture.coverage counts {want} modes hit{hint} (a mode "
            "needs >= min_share / K of ALL n samples within distance 3 sigma)")


@_exercise("Your prediction is a number of modes")
def check_prediction(predict_modes_hit, g_steps=(1, 2, 5, 20)):
    """Lesson 8: any prediction is accepted, if it is a whole number of modes from 0 to 8."""
    for g in g_steps:
        guess = predict_modes_hit(g)
        assert (isinstance(guess, (int, np.integer)) and not isinstance(guess, bool)
                and 0 <= guess <= 8), (
            f"predict_modes_hit({g}) returned {guess!r}: return a whole number of modes from 0 to 8")


# Lesson 9 -------------------------------------------------------------------------------------

def _stand_in():
    """Array modules other than NumPy to run a backend-agnostic answer on: CuPy when there is a
    GPU, and the CuPy stand-in (which refuses NumPy calls as CuPy does) when it exists."""
    modules = []
    try:
        from ..testing import fakecupy
        modules.append(fakecupy)
    except ImportError:
        pass
    try:
        from ..backend import get
        modules.append(get("cupy"))
    except RuntimeError:
        pass
    return modules


def _numpy_calls_on_arrays(fn, allowed=("eps",)):
    """The calls ``np.f(...)`` in ``fn``'s source that take one of its arrays (any name but
    ``allowed``), as written; empty when the source cannot be read (a function typed at a prompt).
    CuPy itself runs ``np.log(gpu_array)`` (NumPy hands the call to CuPy), so only reading the
    code can hold an answer to the exercise's rule: every function from ``xp``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")):
            names = {n.id for a in [*node.args, *(k.value for k in node.keywords)]
                     for n in ast.walk(a) if isinstance(n, ast.Name)}
            if names - {"np", "numpy", *allowed}:
                calls.append(ast.unparse(node))
    return calls


@_exercise("Backend-agnostic logit")
def check_logit(logit):
    """Lesson 9: ``logit(p, eps=1e-7)`` calls no NumPy function on an array (read from its
    source), and on NumPy and every other array module available (:func:`_stand_in`: the CuPy
    stand-in, and CuPy on a GPU) returns an array of ``p``'s backend and dtype, finite at 0 and
    1, with ``sigmoid(logit(p))`` giving back ``p`` clipped to ``[eps, 1 - eps]``."""
    from ..backend import array_module, to_numpy
    from ..layers import sigmoid

    calls = _numpy_calls_on_arrays(logit)
    assert not calls, (
        f"{calls[0]} calls NumPy on an array: take xp = mg.backend.array_module(p) and use xp's "
        "functions (xp.clip, xp.log), so that the code runs wherever p lives")
    p = np.concatenate([[0.0, 1.0, 0.5, 1e-9, 1 - 1e-9],
                        np.random.default_rng(11).random(50)]).astype(np.float32)
    for xp in [np] + _stand_in():
        where = "" if xp is np else f" on {xp.__name__}"
        l = logit(xp.asarray(p))
        expect_shape(l, p.shape, f"logit(p){where}")
        assert array_module(l) is xp, (
            f"logit of a {xp.__name__} array should be a {xp.__name__} array, got "
            f"{type(l).__module__}.{type(l).__name__}: take xp = mg.backend.array_module(p) and use "
            "xp.clip, xp.log, never np.")
        assert l.dtype == p.dtype, f"keep p's dtype{where}: expected {p.dtype}, got {l.dtype}"
        l = to_numpy(l)
        assert np.all(np.isfinite(l)), (f"logit(0) and logit(1) must be finite{where}: clip p to "
                                        "[eps, 1 - eps] first")
        assert np.allclose(sigmoid(l.astype(np.float64)), np.clip(p, 1e-7, 1 - 1e-7),
                           rtol=1e-5, atol=1e-7), (
            f"sigmoid(logit(p)) should give back p clipped to [eps, 1 - eps]{where}: "
            "logit(p) = log(p) - log(1 - p)")
