"""Every check against answers nobody described to it (issue 26): for each exercise, wrong answers
of distinct kinds that a single kind fixture let through (sizes, labels, magnitudes, geometry,
side effects, state kept between calls, hard-coded sizes, source rules), right answers unlike the
lesson's solution (loops, einsum, SciPy), each judged twice; then the ways to flip a verdict
without a right answer: rebinding what the check relies on, calling the library's own answer,
and stub look-alikes."""
import sys

import numpy as np
import pytest
import scipy.integrate
import scipy.spatial.distance
import scipy.special

import minigan as mg
from minigan import exercises
from minigan.exercises import (checks, checks_gpu, checks_section7, checks_theory, checks_training, grading,
                               guards)
from minigan.layers import Concat, Dropout, Linear, Tanh, sigmoid
from test_exercise_checks import (C_right, D_star_right, _Fixed, accepts, make_train_epoch, maxout_argmin, maxout_loop,
                                  minimax_right, modes_variant, non_saturating_right, parzen_right,
                                  refuses, step_right, verdict)
from test_exercise_checks_section7 import concat_variant, encoder_right, probe_variant


def refuses_fresh(check, make, *expected):
    """``refuses`` for an answer that keeps state: a fresh one for each of the two runs."""
    for _ in range(2):
        message = verdict(check, *make())
        assert message != "correct", f"{check.__name__} accepted a wrong answer"
        for text in expected:
            assert text in message, f"{check.__name__}: expected {text!r} in:\n{message}"


def cached(right):
    """A right formula whose answer is kept from its first call: state between calls."""
    memo = []

    def answer(*args):
        if not memo:
            memo.append(right(*args))
        return memo[0]
    return answer


# Lesson 1 ------------------------------------------------------------------------------------

def tanh_right(y, dy):
    return dy * (1 - y * y)


def tanh_in_place(y, dy):
    dy *= 1 - y * y
    return dy


def tanh_loops(y, dy):
    out = np.empty_like(dy)
    for i in np.ndindex(*y.shape):
        out[i] = dy[i] * (1 - y[i] ** 2)
    return out


def test_tanh_backward_over_its_family():
    check = exercises.check_tanh_backward
    accepts(check, tanh_loops)
    accepts(check, lambda y, dy: np.einsum("ij,ij->ij", dy, 1 - np.einsum("ij,ij->ij", y, y)))
    refuses(check, (tanh_in_place,), "changed its argument `dy` in place")
    refuses_fresh(check, lambda: (cached(tanh_right),), "for y of shape (1, 1)")
    refuses(check, (lambda y, dy: tanh_right(y, dy).reshape(5, 4),), "your code raised ValueError")
    refuses(check, (lambda y, dy: dy * (1 - y * y) * (y.shape[0] > 1),), "for y of shape (1, 1)")
    refuses(check, (lambda y, dy: dy * (1 - np.clip(y, -0.99, 0.99) ** 2),), "differs from dy * tanh'(x)")
    refuses(check, (lambda y, dy: (dy * (1 - y * y)).astype(np.float16),), "differs")


def fixed_variant(update_params=False, squeeze=False, zero_dy=False, library=False):
    class Answer(Linear):
        def backward(self, dy):
            if library:
                return Linear.backward(self, dy)
            db = np.squeeze(dy).sum(axis=0) if squeeze else dy.sum(axis=0)
            self.grads = {"W": self.x.T @ dy, "b": db}
            dx = dy @ self.params["W"].T
            if update_params:
                self.params["W"] -= 0.1 * self.grads["W"]
            if zero_dy:
                dy *= 0
            return dx
    return Answer


class FixedLoops(Linear):
    def backward(self, dy):
        W, x = self.params["W"], self.x
        dW = np.zeros_like(W)
        for n in range(len(x)):
            dW += np.outer(x[n], dy[n])
        self.grads = {"W": dW, "b": np.add.reduce(dy, axis=0)}
        return np.array([[sum(dy[n, j] * W[i, j] for j in range(W.shape[1])) for i in range(W.shape[0])]
                         for n in range(len(dy))])


def test_fixed_linear_over_its_family():
    check = exercises.check_fixed_linear
    accepts(check, _Fixed)
    accepts(check, FixedLoops)
    refuses(check, (fixed_variant(update_params=True),), "a second backward")
    refuses(check, (fixed_variant(squeeze=True),), "on a batch of 1")
    refuses(check, (fixed_variant(zero_dy=True),), "changed its argument `dy` in place")
    refuses(check, (fixed_variant(library=True),), "calls mg.layers.Linear.backward")


# Lesson 2 ------------------------------------------------------------------------------------

def maxout_put(z, dy, pieces):
    b, u = dy.shape
    dz = np.zeros((b, u, pieces))
    np.put_along_axis(dz, z.reshape(b, u, pieces).argmax(axis=2)[:, :, None], dy[:, :, None], axis=2)
    return dz.reshape(z.shape)


def maxout_in_place(z, dy, pieces):
    out = maxout_loop(z, dy, pieces)
    z[...] = out
    return z


def test_maxout_backward_over_its_family():
    check = exercises.check_maxout_backward
    accepts(check, maxout_put)
    accepts(check, lambda z, dy, p: np.einsum("bup,bu->bup", np.arange(p) == z.reshape(len(z), -1, p)
                                              .argmax(2)[:, :, None], dy).reshape(z.shape))
    refuses(check, (maxout_in_place,), "changed its argument `z` in place")
    refuses(check, (lambda z, dy, p: maxout_loop(z, dy, 3),), "pieces=5")
    refuses(check, (lambda z, dy, p: maxout_loop(z, np.squeeze(dy).reshape(dy.shape[0], -1), p)
                    if dy.shape[0] > 1 else np.zeros_like(z),), "z of shape (1, 2)")
    refuses_fresh(check, lambda: (cached(maxout_loop),), "should have shape")
    refuses(check, (lambda z, dy, p: maxout_loop(np.round(z, 1), dy, p),), "pieces=")


def test_dropout_backward_over_its_family():
    check = exercises.check_dropout_backward
    accepts(check, lambda mask, dy, p: np.where(mask, dy, 0) * (1 / (1 - p)))
    accepts(check, lambda mask, dy, p: np.array([[d / (1 - p) if m else 0.0 for m, d in zip(mr, dr)]
                                                 for mr, dr in zip(mask, dy)]))

    def in_place(mask, dy, p):
        dy *= mask
        dy /= 1 - p
        return dy

    def library(mask, dy, p):
        layer = Dropout(p)
        layer.scale = mask / (1 - p)
        return layer.backward(dy)

    refuses(check, (in_place,), "changed its argument `dy` in place")
    refuses(check, (lambda mask, dy, p: dy * mask / 0.8,), "p=0.7")
    refuses_fresh(check, lambda: (cached(lambda mask, dy, p: dy * mask / (1 - p)),), "p=0.7")
    refuses(check, (library,), "calls mg.layers.Dropout.backward")
    refuses(check, (lambda mask, dy, p: (dy * mask / (1 - p)).reshape(6, 5),), "your code raised ValueError")


# Lesson 3 ------------------------------------------------------------------------------------

def test_best_y_over_its_family():
    check = exercises.check_best_y
    accepts(check, lambda a, b: 1 / (1 + b / a))
    accepts(check, lambda a, b: np.exp(np.log(a) - np.logaddexp(np.log(a), np.log(b))))

    def in_place(a, b):
        a /= a + b
        return a

    refuses(check, (in_place,), "changed its argument `a` in place")
    refuses(check, (lambda a, b: a / (a + b + 1e-12),), "best_y gave")               # magnitude
    refuses(check, (lambda a, b: (a / (a + b)).reshape(6),), "should have shape (3, 2), got (6,)")
    refuses_fresh(check, lambda: (cached(lambda a, b: a / (a + b)),), "should have shape (3, 2)")
    refuses(check, (lambda a, b: mg.theory.D_star(a, b),), "calls mg.theory.D_star")


def C_uniform(pd, pg, x):
    m = np.where(pd + pg > 0, pd + pg, 1)
    return (scipy.special.xlogy(pd, pd / m) + scipy.special.xlogy(pg, pg / m)).sum() * (x[1] - x[0])


def C_loops(pd, pg, x):
    total = 0.0
    for i in range(len(x) - 1):
        f = []
        for j in (i, i + 1):
            m = pd[j] + pg[j]
            f.append(sum(p * np.log(p / m) for p in (pd[j], pg[j]) if p > 0))
        total += (f[0] + f[1]) * (x[i + 1] - x[i]) / 2
    return total


def test_D_star_and_C_of_G_over_their_family():
    check = exercises.check_D_star_and_C_of_G
    accepts(check, D_star_right, C_loops)
    accepts(check, lambda pd, pg: np.divide(pd, pd + pg, out=np.full(np.shape(pd), 0.5), where=pd + pg > 0),
            lambda pd, pg, x: scipy.integrate.trapezoid(
                scipy.special.xlogy(pd, D_star_right(pd, pg)) + scipy.special.xlogy(pg, D_star_right(pg, pd)), x))

    def D_in_place(pd, pg):
        np.maximum(pd, 1e-300, out=pd)
        return D_star_right(pd, pg)

    refuses(check, (D_star_right, C_uniform), "not evenly spaced", "trapezoid(..., x)")
    refuses(check, (D_star_right, lambda pd, pg, x: -np.log(4) + 2 * mg.theory.jsd(pd, pg, x)),
            "Eq. 6", "integrates to")
    message = verdict(check, D_star_right, lambda pd, pg, x: -np.log(4) + 2 * mg.theory.jsd(pd, pg, x))
    assert "trapezoid(..., x)" not in message            # it did integrate with trapezoid
    refuses(check, (D_in_place, C_right), "changed its argument `p_data` in place")
    refuses(check, (lambda pd, pg: D_star_right(pd, pg).ravel(), C_right), "should have shape (2, 3)")
    refuses(check, (D_star_right, lambda pd, pg, x: mg.theory.C_of_G(pd, pg, x)), "calls mg.theory.C_of_G")
    refuses(check, (cached(D_star_right), C_right), "should have shape")


def test_step_p_g_over_its_family():
    check = exercises.check_step_p_g

    def log_space(pd, pg, x, eta):
        new = np.exp((1 - eta) * np.log(pg) + eta * np.log(pd + pg))
        return new / ((new[1:] + new[:-1]) * np.diff(x)).sum() * 2

    accepts(check, step_right)
    accepts(check, log_space)

    def uniform_norm(pd, pg, x, eta):
        new = pg ** (1 - eta) * (pd + pg) ** eta
        return new / (new.sum() * (x[1] - x[0]))

    def in_place(pd, pg, x, eta):
        pg *= ((pd + pg) / pg) ** eta
        pg /= scipy.integrate.trapezoid(pg, x)
        return pg

    refuses(check, (uniform_norm,), "an uneven grid", "integrates to")
    refuses(check, (lambda pd, pg, x, eta: step_right(pd, pg, x, 0.5),), "only a little")
    refuses(check, (in_place,), "changed its argument `p_g` in place")
    refuses(check, (lambda pd, pg, x, eta: step_right(pd, pg, np.linspace(-4, 5, 1801), eta),), "raised ValueError")
    refuses(check, (lambda pd, pg, x, eta: step_right(pd, pg, x, eta / 50),), "not within 0.001 of -log 4")


# Lesson 4 ------------------------------------------------------------------------------------

def test_minimax_loss_over_its_family():
    check = exercises.check_minimax_loss
    accepts(check, lambda l: (scipy.special.log_expit(-l).mean(), -scipy.special.expit(l) / l.size))
    accepts(check, lambda l: (np.mean([-max(v, 0) - np.log1p(np.exp(-abs(v))) for v in l.ravel()]),
                              np.array([[-1 / (1 + np.exp(-v)) if v >= 0 else -np.exp(v) / (1 + np.exp(v))]
                                        for v in l.ravel()]) / l.size))

    def clip_in_place(l):
        np.clip(l, -30, 30, out=l)
        return minimax_right(l)

    refuses(check, (lambda l: minimax_right(np.clip(l, -700, 700)),), "logits [-1000",
            "on ordinary batches (|l| < 30) your answer agrees")
    refuses(check, (clip_in_place,), "changed its argument `logits` in place")
    refuses(check, (lambda l: (minimax_right(l)[0], minimax_right(l)[1] * len(l) / 64),), "a batch of 1")
    refuses_fresh(check, lambda: (cached(minimax_right),), "should have shape (1, 1)")
    refuses(check, (lambda l: mg.losses.generator_loss(l, "minimax"),), "calls mg.losses.generator_loss")
    refuses(check, (lambda l: tuple(-v for v in mg.losses.bce_with_logits(l, 0.0)),),
            "calls mg.losses.bce_with_logits")


def test_non_saturating_loss_over_its_family():
    check = exercises.check_non_saturating_loss
    accepts(check, lambda l: (-scipy.special.log_expit(l).mean(), (scipy.special.expit(l) - 1) / l.size))
    accepts(check, lambda l: (np.einsum("ij->", np.logaddexp(0, -l)) / l.size, -sigmoid(-l) / len(l)))
    refuses(check, (lambda l: non_saturating_right(np.clip(l, -700, 700)),), "agrees")
    refuses(check, (lambda l: (np.log1p(np.exp(-l)).mean(), (sigmoid(l) - 1) / len(l)),), "not finite")
    refuses(check, (lambda l: (non_saturating_right(l)[0], (sigmoid(l) - 1) / 64),), "a batch of 1")
    refuses_fresh(check, lambda: (cached(non_saturating_right),), "should have shape")
    refuses(check, (lambda l: mg.losses.generator_loss(l),), "calls mg.losses.generator_loss")


# Lesson 5 ------------------------------------------------------------------------------------

def train_epoch_while(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng):
    order, per, done, sums = rng.permutation(len(x)), gan.k * batch_size, 0, None
    while (done + 1) * per <= len(x):
        for opt in (gan.g_optimizer, gan.d_optimizer):
            opt.lr, opt.momentum = lr_at(step), momentum_at(epoch)
        stats = gan.step(x[order][done * per:(done + 1) * per])
        sums = {k: (sums or {}).get(k, 0.0) + float(v) for k, v in stats.items()}
        done, step = done + 1, step + 1
    return step, {k: v / done for k, v in sums.items()}


def test_train_epoch_over_its_family():
    check = exercises.check_train_epoch
    accepts(check, train_epoch_while)
    def counting_itself():
        count = [0]

        def global_step(gan, x, epoch, step, *rest):       # counts steps itself, across calls
            new, stats = make_train_epoch()(gan, x, epoch, count[0] if count[0] else step, *rest)
            count[0] = new
            return new, stats
        return global_step

    def shuffles_x(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng):
        rng.shuffle(x)
        return make_train_epoch(no_shuffle=True)(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng)

    def library(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng):
        records = list(mg.training.steps(gan, x, epochs=epoch, batch_size=batch_size, lr=lr_at,
                                         momentum=momentum_at, start={"epoch": epoch - 1, "batch": 0, "step": step}))
        return records[-1]["step"], {}

    for _ in range(2):                                  # a fresh answer each time: its state is its own
        assert "from step 0" in verdict(check, counting_itself())
    refuses(check, (shuffles_x,), "changed its argument `x` in place")
    refuses(check, (library,), "calls mg.training.steps")
    refuses(check, (make_train_epoch(ignore_k=True),), "gan.k * batch_size")
    refuses(check, (make_train_epoch(incomplete=True),), "incomplete last batch")


# Lesson 6 ------------------------------------------------------------------------------------

def parzen_loops(x, samples, sigma):
    out = []
    for q in x:
        a = np.array([-((q - s) ** 2).sum() / (2 * sigma ** 2) for s in samples])
        out.append(scipy.special.logsumexp(a) - np.log(len(samples))
                   - x.shape[1] / 2 * np.log(2 * np.pi * sigma ** 2))
    return np.array(out)


def test_parzen_log_likelihood_over_its_family():
    check = exercises.check_parzen_log_likelihood
    accepts(check, parzen_loops)
    accepts(check, lambda x, s, sigma: scipy.special.logsumexp(
        -scipy.spatial.distance.cdist(x, s, "sqeuclidean") / (2 * sigma ** 2), axis=1, b=1 / len(s))
        - x.shape[1] / 2 * np.log(2 * np.pi * sigma ** 2))

    def power_normaliser(x, samples, sigma):
        d = x.shape[1]
        return parzen_right(x, samples, sigma) + d / 2 * np.log(2 * np.pi * sigma ** 2) \
            - np.log((2 * np.pi * sigma ** 2) ** (d / 2))

    message = verdict(check, power_normaliser)
    assert "(2 pi sigma^2)^(d/2) is 0.0" in message and "log-sum-exp" not in message, message

    def sorts_samples(x, samples, sigma):
        samples.sort(axis=0)
        return parzen_right(x, samples, sigma)

    refuses(check, (power_normaliser,), "sigma=0.1, x (20, 784)")
    message = verdict(check, lambda x, s, sigma: parzen_right(x, s, sigma) + x.shape[1] / 2 * np.log(
        2 * np.pi * sigma ** 2) - np.log(np.power(2 * np.pi * sigma ** 2, x.shape[1] / 2)) if sigma > 0.5 else
        parzen_right(x, s, sigma))
    assert "sigma=1, x (20, 784)" in message and "is inf" in message and "log-sum-exp" not in message, message
    refuses(check, (lambda x, s, sigma: parzen_right(x, s, sigma) + 392 * np.log(2 * np.pi * sigma ** 2)
                    - x.shape[1] / 2 * np.log(2 * np.pi * sigma ** 2),), "sigma=0.5, x (7, 3)", "expected [-1.723")
    refuses(check, (sorts_samples,), "changed its argument `samples` in place")
    refuses_fresh(check, lambda: (cached(parzen_right),), "sigma=0.25, x (20, 784)")
    refuses(check, (lambda x, s, sigma: mg.parzen.log_likelihood(x, s, sigma),), "calls mg.parzen.log_likelihood")


# Lesson 7 ------------------------------------------------------------------------------------

def nearest_blocks(q, t, block=1000, offset=False):
    best, where = np.full(len(q), np.inf), np.zeros(len(q), dtype=int)
    for start in range(0, len(t), block):
        d = ((q[:, None, :] - t[None, start:start + block]) ** 2).sum(axis=2)
        j = d.argmin(axis=1)
        closer = d[np.arange(len(q)), j] < best
        best = np.where(closer, d[np.arange(len(q)), j], best)
        where = np.where(closer, j + (start if offset else 0), where)
    return where


def test_nearest_over_its_family():
    check = exercises.check_nearest
    accepts(check, lambda q, t: nearest_blocks(q.astype(float), t.astype(float), offset=True))
    accepts(check, lambda q, t: scipy.spatial.distance.cdist(q, t).argmin(axis=1))

    def scales_train(q, t):
        t *= 1.0000001
        return scipy.spatial.distance.cdist(q, t).argmin(axis=1)

    refuses(check, (lambda q, t: nearest_blocks(q.astype(float), t.astype(float)),), "2600 training images")
    refuses(check, (lambda q, t: scipy.spatial.distance.cdist(q, t, "cityblock").argmin(axis=1),),
            "Manhattan distance picks another image")
    refuses(check, (scales_train,), "changed its argument `train` in place")
    refuses_fresh(check, lambda: (cached(lambda q, t: scipy.spatial.distance.cdist(q, t).argmin(axis=1)),), "should have shape")
    refuses(check, (lambda q, t: mg.figures.nearest_neighbours(q, t),), "calls mg.figures.nearest_neighbours")

    from minigan.figures import nearest_neighbours as nn          # under another name
    refuses(check, (lambda q, t: nn(q, t),), "calls mg.figures.nearest_neighbours")


def test_lerp_over_its_family():
    check = exercises.check_lerp
    accepts(check, lambda z0, z1, steps: np.einsum("s,d->sd", 1 - np.linspace(0, 1, steps), z0)
            + np.einsum("s,d->sd", np.linspace(0, 1, steps), z1))
    accepts(check, lambda z0, z1, steps: np.array([z0 + (z1 - z0) * i / (steps - 1) for i in range(steps)]))

    def in_place(z0, z1, steps):
        z1 -= z0
        return z0 + np.linspace(0, 1, steps)[:, None] * z1

    refuses(check, (in_place,), "changed its argument `z1` in place")
    refuses(check, (lambda z0, z1, steps: (z0 + np.linspace(0, 1, steps)[:, None] * (z1 - z0)).reshape(steps, 6),),
            "your code raised ValueError")
    refuses(check, (cached(lambda z0, z1, steps: z0 + np.linspace(0, 1, steps)[:, None] * (z1 - z0)),),
            "should have shape (2, 6)")
    refuses(check, (lambda z0, z1, steps: z0 + np.linspace(0, 1, 10)[:steps, None] * (z1 - z0),), "steps=2")
    refuses(check, (lambda z0, z1, steps: mg.figures.interpolate(z0, z1, steps),), "calls mg.figures.interpolate")


# Lesson 8 ------------------------------------------------------------------------------------

def modes_loops(samples, centres, sigma, min_share):
    counts = [0] * len(centres)
    for s in samples:
        for k, c in enumerate(centres):
            counts[k] += float(np.hypot(*(s - c))) < 3 * sigma
    return sum(n / len(samples) >= min_share / len(centres) for n in counts)


def test_modes_hit_over_its_family():
    check = exercises.check_modes_hit
    accepts(check, modes_loops)
    accepts(check, lambda x, c, s, share: int(((scipy.spatial.distance.cdist(x, c) < 3 * s).mean(axis=0)
                                               >= share / len(c)).sum()))

    def manhattan(x, c, s, share):
        return int(((np.abs(x[:, None] - c[None]).sum(axis=2) < 3 * s).mean(axis=0) >= share / len(c)).sum())

    def hits_only(x, c, s, share):
        close = np.linalg.norm(x[:, None] - c[None], axis=2) < 3 * s
        return int((close.sum(axis=0) / max(close.any(axis=1).sum(), 1) >= share / len(c)).sum())

    def centres_in_place(x, c, s, share):
        x -= 0 * x + c.mean(axis=0) * 0 + 1e-9
        return modes_loops(x, c, s, share)

    refuses(check, (manhattan,), "along the diagonal", "Euclidean")
    refuses(check, (hits_only,), "far from every mode")
    refuses(check, (lambda x, c, s, share: np.float64(modes_variant()(x, c, s, share)),),
            "numpy.float64 8.0, a float: return int(count)")
    refuses(check, (lambda x, c, s, share: modes_variant()(x, c, s, share) if len(c) == 8 else
                    int(((np.linalg.norm(x[:, None] - c[None], axis=2) < 3 * s).mean(0) >= share / 8).sum()),),
            "25 centres")
    refuses(check, (centres_in_place,), "changed its argument `samples` in place")
    refuses(check, (lambda x, c, s, share: mg.mixture.coverage(x)[0],), "calls mg.mixture.coverage")


# Lesson 9 ------------------------------------------------------------------------------------

from numpy import clip as np_clip  # noqa: E402  (the student's "from numpy import clip")


def test_logit_over_its_family():
    check = exercises.check_logit

    def arctanh(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        return 2 * xp.arctanh(2 * xp.clip(p, eps, 1 - eps) - 1)

    def ratio(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        q = xp.minimum(xp.maximum(p, eps), 1 - eps)
        return xp.log(q / (1 - q))

    def xp_is_np(p, eps=1e-7):
        xp = np
        q = xp.clip(p, eps, 1 - eps)
        return xp.log(q) - xp.log1p(-q)

    def imported_clip(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        q = np_clip(p, eps, 1 - eps)
        return xp.log(q) - xp.log1p(-q)

    def fixed_eps(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        q = xp.clip(p, 1e-7, 1 - 1e-7)
        return xp.log(q) - xp.log1p(-q)

    def clip_in_place(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        xp.clip(p, eps, 1 - eps, out=p)
        return xp.log(p) - xp.log1p(-p)

    accepts(check, arctanh)
    accepts(check, ratio)
    refuses(check, (xp_is_np,), "`xp = np` makes every xp call a NumPy call")
    refuses(check, (imported_clip,), "`np_clip` is NumPy's clip")
    refuses(check, (fixed_eps,), "eps=0.001")
    refuses(check, (clip_in_place,), "changed its argument `p` in place")
    refuses_fresh(check, lambda: (cached(ratio),), "should be a minigan.testing.fakecupy array")


def test_a_numpy_call_hidden_from_the_source_is_seen_on_the_stand_in():
    source = "def logit(p, eps=1e-7):\n    xp = alias\n    q = xp.clip(p, eps, 1 - eps)\n    return xp.log(q) - xp.log1p(-q)\n"
    space = {"alias": np}
    exec(compile(source, "<prompt>", "exec"), space)          # no source to read
    message = verdict(exercises.check_logit, space["logit"])
    assert "np.clip ran on p's device array" in message, message


# Lesson 10 -----------------------------------------------------------------------------------

def test_concat_backward_over_its_family():
    check = exercises.check_concat_backward

    def loops(layer, dy):
        parts = []
        for i, branch in enumerate(layer.branches):
            parts.append(branch.backward(dy[:, layer.out_starts[i]:layer.out_starts[i + 1]]))
        return np.hstack(parts)

    def two_branches(layer, dy):
        return np.concatenate([layer.branches[0].backward(dy[:, :4]), layer.branches[1].backward(dy[:, 4:])], axis=1)

    def zeroes_dy(layer, dy):
        dx = concat_variant()(layer, dy.copy())
        dy[...] = 0
        return dx

    accepts(check, loops)
    accepts(check, concat_variant())
    refuses(check, (two_branches,), "branch 0 was handed dy[:, 0:4], but its output fills y[:, 0:3]")
    refuses(check, (zeroes_dy,), "changed its argument `dy` in place")
    refuses(check, (lambda layer, dy: Concat.backward(layer, dy),), "calls mg.layers.Concat.backward")
    refuses(check, (lambda layer, dy: super(type(layer), layer).backward(dy),), "calls mg.layers.Concat.backward")
    refuses_fresh(check, lambda: (cached(concat_variant()),), "batch 1")


def test_encoder_loss_over_its_family():
    check = exercises.check_encoder_loss
    accepts(check, encoder_right)
    accepts(check, lambda e, z: (sum(0.5 * float(np.dot(a - b, a - b)) for a, b in zip(e, z)) / len(e),
                                 np.array([(a - b) / len(e) for a, b in zip(e, z)])))

    def in_place(e, z):
        e -= z
        return 0.5 * (e ** 2).sum() / len(e), e / len(e)

    refuses(check, (lambda e, z: (0.5 * ((e - z) ** 2).sum() / 6, (e - z) / 6),), "m = 1 codes")
    refuses(check, (in_place,), "changed its argument `e` in place")
    refuses_fresh(check, lambda: (cached(encoder_right),), "should have shape (1, 5)")
    refuses(check, (lambda e, z: (0.5 * ((e - z) ** 2).sum() / len(e), (e - z) / len(e) / e.shape[1]),),
            "divided by m * z_dim")
    refuses(check, (lambda e, z: (0.5 * np.mean((e - z) ** 2) * 4, (e - z) / len(e)),), "m = 1 codes")


def probe_loops(W, f, y, l2):
    n, k = len(f), W.shape[1]
    loss, dW = 0.0, l2 * W.copy()
    for i in range(n):
        logits = f[i] @ W
        p = scipy.special.softmax(logits)
        loss -= np.log(p[y[i]]) / n
        dW += np.outer(f[i], p - np.eye(k)[y[i]]) / n
    return loss + 0.5 * l2 * np.einsum("ij,ij->", W, W), dW


def test_probe_loss_over_its_family():
    check = exercises.check_probe_loss
    accepts(check, probe_loops)
    accepts(check, lambda W, f, y, l2: (lambda ce: (ce[0] + 0.5 * l2 * (W * W).sum(), f.T @ ce[1] + l2 * W))(
        mg.losses.softmax_cross_entropy(f @ W, y)))           # the lesson's building block stays usable

    def top_label(W, f, y, l2):
        n, logits = len(f), f @ W
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        onehot = np.eye(y.max() + 1)[y]
        return (-np.log((p * onehot).sum(axis=1)).mean() + 0.5 * l2 * (W * W).sum(),
                f.T @ (p - onehot) / n + l2 * W)

    def no_max(W, f, y, l2):
        n, e = len(f), np.exp(f @ W)
        p = e / e.sum(axis=1, keepdims=True)
        onehot = np.eye(W.shape[1])[y]
        return -np.log(p[np.arange(n), y]).mean() + 0.5 * l2 * (W * W).sum(), f.T @ (p - onehot) / n + l2 * W

    def centres_f(W, f, y, l2):
        f -= 0 * f.mean(axis=0) + 1e-12
        return probe_variant()(W, f, y, l2)

    refuses(check, (top_label,), "raised ValueError", "the input: labels 0..4 of 7 classes")
    refuses(check, (no_max,), "logits of about 1000", "subtract each row's maximum")
    refuses(check, (lambda W, f, y, l2: probe_loops(W, f, y, l2) if W.shape[1] == 10 else
                    (lambda r: (r[0], r[1] * 0))(probe_loops(W, f, y, l2)),), "7 classes")
    refuses(check, (centres_f,), "changed its argument `f` in place")
    refuses_fresh(check, lambda: (cached(probe_loops),), "l2 = 0.0")


# Rebinding what a check relies on ------------------------------------------------------------

ALWAYS = lambda *a, **k: True  # noqa: E731

CASES = [  # (check, a right answer, a wrong answer, public names a notebook might point at the wrong one)
    (exercises.check_tanh_backward, (tanh_right,), (lambda y, dy: 1 - y * y,), []),
    (exercises.check_best_y, (lambda a, b: a / (a + b),), (lambda a, b: b / (a + b),), [(mg.theory, "D_star")]),
    (exercises.check_D_star_and_C_of_G, (D_star_right, C_right), (D_star_right, C_uniform), [(mg.theory, "C_of_G")]),
    (exercises.check_minimax_loss, (minimax_right,), (lambda l: minimax_right(np.clip(l, -700, 700)),),
     [(mg.losses, "generator_loss")]),
    (exercises.check_parzen_log_likelihood, (parzen_right,), (lambda x, s, sigma: parzen_right(x, s, sigma) + 1,),
     [(mg.parzen, "log_likelihood")]),
    (exercises.check_nearest, (lambda q, t: scipy.spatial.distance.cdist(q, t).argmin(axis=1),),
     (lambda q, t: nearest_blocks(q.astype(float), t.astype(float)),), [(mg.figures, "nearest_neighbours")]),
    (exercises.check_lerp, (lambda z0, z1, s: z0 + np.linspace(0, 1, s)[:, None] * (z1 - z0),),
     (lambda z0, z1, s: z0 + np.linspace(0, 1, s)[:, None] ** 2 * (z1 - z0),), [(mg.figures, "interpolate")]),
    (exercises.check_modes_hit, (modes_loops,), (modes_variant(radius=1),), [(mg.mixture, "coverage")]),
    (exercises.check_probe_loss, (probe_loops,), (probe_variant(no_l2=True),), []),
    (exercises.check_fixed_linear, (_Fixed,), (fixed_variant(squeeze=True),), [(mg.layers.Linear, "backward")]),
    (exercises.check_maxout_backward, (maxout_put,), (maxout_argmin,), [(mg.layers.Maxout, "backward")]),
    (exercises.check_dropout_backward, (lambda m, dy, p: dy * m / (1 - p),), (lambda m, dy, p: dy * m / p,),
     [(mg.layers.Dropout, "backward")]),
    (exercises.check_step_p_g, (step_right,), (lambda pd, pg, x, eta: step_right(pd, pg, x, -eta),), []),
    (exercises.check_non_saturating_loss, (non_saturating_right,),
     (lambda l: (np.log1p(np.exp(-l)).mean(), (sigmoid(l) - 1) / len(l)),), [(mg.losses, "bce_with_logits")]),
    (exercises.check_train_epoch, (make_train_epoch(),), (make_train_epoch(lr_after=True),),
     [(mg.training, "steps")]),
    (exercises.check_prediction, (lambda g: 3,), (lambda g: 9,), []),
    (exercises.check_logit, (lambda p, eps=1e-7: (lambda xp: xp.log(xp.clip(p, eps, 1 - eps))
                                                  - xp.log1p(-xp.clip(p, eps, 1 - eps)))(mg.backend.array_module(p)),),
     (lambda p, eps=1e-7: mg.backend.array_module(p).log(p / (1 - p)),), []),
    (exercises.check_concat_backward, (concat_variant(),), (concat_variant(reversed_dx=True),),
     [(mg.layers.Concat, "backward")]),
    (exercises.check_encoder_loss, (encoder_right,), (lambda e, z: (encoder_right(e, z)[0], e - z),), []),
]


@pytest.mark.parametrize("check, right, wrong, names", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_rebinding_any_public_name_never_changes_a_verdict(monkeypatch, check, right, wrong, names):
    for module, name in names:
        monkeypatch.setattr(module, name, wrong[-1])      # "so that the figure uses mine"
    for name in ("allclose", "isclose", "array_equal", "all", "any"):
        monkeypatch.setattr(np, name, ALWAYS)
    monkeypatch.setattr(np, "isfinite", lambda a: np.ones(np.shape(a), dtype=bool))
    monkeypatch.setattr(np, "abs", lambda a: np.zeros(np.shape(a)))
    for module in (grading, checks, checks_theory, checks_training, checks_gpu, checks_section7):
        for helper in ("_close", "_known_mistakes", "expect_shape", "expect_pair", "unchanged"):
            if hasattr(module, helper):
                monkeypatch.setattr(module, helper, lambda *a, **k: a[0] if a else None)
    monkeypatch.setattr(guards, "unchanged", lambda answer, args, names: answer(*args))
    monkeypatch.setattr(exercises, "expect_shape", ALWAYS)
    assert verdict(check, *wrong) != "correct"
    assert verdict(check, *wrong) != "correct"
    assert verdict(check, *right) == "correct"
    assert np.allclose is ALWAYS                 # the notebook's bindings are put back afterwards


def test_rebinding_before_the_first_check_still_finds_numpys_own_functions():
    originals = guards._numpy_originals(np)
    assert originals["allclose"] is sys.modules["numpy"].__dict__["allclose"]
    real = np.allclose
    try:
        np.allclose = ALWAYS                          # as if rebound before minigan.exercises loaded
        assert guards._numpy_originals(np)["allclose"] is real
    finally:
        np.allclose = real


# The library's own answer --------------------------------------------------------------------

@pytest.mark.parametrize("check, answer, name", [
    (exercises.check_tanh_backward, lambda y, dy: Tanh.backward(type("T", (), {"y": y})(), dy), "Tanh.backward"),
    (exercises.check_D_star_and_C_of_G, (lambda pd, pg: mg.theory.D_star(pd, pg)), "theory.D_star"),
    (exercises.check_modes_hit, lambda x, c, s, share: mg.mixture.coverage(x)[0], "mixture.coverage"),
    (exercises.check_maxout_backward, lambda z, dy, p: (lambda layer: (layer.forward(z), layer.backward(dy))[1])(
        mg.layers.Maxout(z.shape[1], dy.shape[1], p, dtype="float64")), "Maxout.backward"),
    (exercises.check_non_saturating_loss, lambda l: mg.gan.GAN._generator_loss(
        type("G", (), {"objective": "non-saturating"})(), l), "GAN._generator_loss"),
])
def test_calling_the_librarys_answer_is_refused_and_the_library_works_after(check, answer, name):
    answers = (answer, C_right) if check is exercises.check_D_star_and_C_of_G else (answer,)
    refuses(check, answers, "calls mg.", name, "the exercise asks you to write it")
    assert sys.getprofile() is None
    assert mg.theory.D_star(np.array([1.0]), np.array([1.0]))[0] == 0.5       # usable again


def test_each_chapter_says_which_names_its_exercise_may_not_call():
    assert exercises.check_nearest.refuses == ("mg.figures.nearest_neighbours",)
    assert "mg.layers.Linear.backward" in exercises.check_fixed_linear.refuses
    assert exercises.check_probe_loss.refuses == ()


# Stubs and look-alikes -----------------------------------------------------------------------

def test_only_the_untouched_stub_is_not_attempted(capsys):
    namespace = {}
    exec(exercises.strip_solutions("def tanh_backward(y, dy):\n    '''dx.'''\n    ### BEGIN SOLUTION\n"
                                   "    return dy\n    ### END SOLUTION\n"), namespace)
    assert verdict(exercises.check_tanh_backward, namespace["tanh_backward"]) == "correct"
    assert "not attempted yet" in capsys.readouterr().out
    with pytest.raises(exercises.CheckFailed, match="not attempted .0 points"):
        exercises.check_tanh_backward(namespace["tanh_backward"], hidden=True)

    def todo(y, dy):
        raise NotImplementedError("ties: TODO")

    def partial(y, dy):
        dx = dy * (1 - y)  # noqa: F841 (begun, not finished)
        raise NotImplementedError()

    def prints_correct(y, dy):
        print("Tanh backward: correct")
        raise NotImplementedError

    for answer, said in ((todo, "NotImplementedError('ties: TODO')"), (partial, "not finished"),
                         (prints_correct, "not finished")):
        refuses(exercises.check_tanh_backward, (answer,), said)


def test_hidden_families_accept_right_answers_and_refuse_wrong_ones():
    for check, right, wrong, _ in CASES:
        assert verdict(lambda *a: check(*a, hidden=True), *right) == "correct", check.__name__
        assert verdict(lambda *a: check(*a, hidden=True), *wrong) != "correct", check.__name__
    assert verdict(lambda *a: exercises.check_train_epoch(*a, hidden=True), make_train_epoch()) == "correct"
    assert verdict(lambda *a: exercises.check_concat_backward(*a, hidden=True), concat_variant()) == "correct"
    assert verdict(lambda *a: exercises.check_logit(*a, hidden=True),
                   lambda p, eps=1e-7: (lambda xp: xp.log(xp.clip(p, eps, 1 - eps)) - xp.log1p(-xp.clip(p, eps, 1 - eps)))(
                       mg.backend.array_module(p))) == "correct"


def test_each_chapter_names_what_its_exercises_may_not_call():
    import json
    import re
    from pathlib import Path
    for path in sorted(Path(__file__).resolve().parents[1].glob("lessons/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        lines = [line for c in cells if c["cell_type"] == "markdown"
                 for line in "".join(c["source"]).splitlines() if line.startswith("**May not call:**")]
        assert len(lines) == 1, f"{path.name}: one 'May not call' line, found {len(lines)}"
        for check in set(re.findall(r"mg\.exercises\.(check_\w+)", code)):
            for name in getattr(exercises, check).refuses:
                assert f"`{name}`" in lines[0], f"{path.name} does not say that {name} is refused"


def test_an_answer_that_rebinds_the_checks_helpers_or_unhooks_the_watch_is_still_judged():
    def rebinds(q, t):
        checks_training.expect_shape = lambda *a, **k: None
        np.allclose = ALWAYS
        return np.zeros(3, dtype=int)

    def unhooks(q, t):
        sys.setprofile(None)
        return mg.figures.nearest_neighbours(q, t)

    real = np.allclose
    try:
        refuses(exercises.check_nearest, (rebinds,), "should have shape")
    finally:
        np.allclose = real
    assert checks_training.expect_shape is grading.expect_shape
    refuses(exercises.check_nearest, (unhooks,), "turned off the check's watch")


def test_the_librarys_encoder_loss_is_refused_in_the_encoder_exercise():
    from minigan.inference import encoder_loss
    refuses(exercises.check_encoder_loss, (lambda e, z: encoder_loss(e, z),),
            "calls mg.inference.encoder_loss")
    assert guards.refusing(["minigan.inference:no_such_function"]).targets == {}   # nothing to refuse
