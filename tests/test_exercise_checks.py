"""Every lesson's check, from the student's side: for each exercise, wrong answers of the kinds
students write are refused with a message that points at the mistake, and a correct answer
written differently from the lesson's solution is accepted; every verdict holds when the check
runs twice in a row (each check builds its own data)."""
import numpy as np
import pytest
from scipy.integrate import trapezoid
from scipy.special import logsumexp, xlogy

import minigan as mg
from minigan import exercises
from minigan.layers import Linear, sigmoid


def verdict(check, *answers):
    """What a check cell says: "correct", "not attempted", or the failure's message."""
    try:
        check(*answers)
    except exercises.CheckFailed as err:
        return str(err)
    return "correct"


def judged_twice(check, *answers):
    first, second = verdict(check, *answers), verdict(check, *answers)
    assert first == second, f"{check.__name__} changed its verdict on a second run:\n{first}\n{second}"
    return first


def accepts(check, *answers, capsys=None):
    assert judged_twice(check, *answers) == "correct"


def refuses(check, answers, *expected):
    """The check refuses ``answers`` (a tuple), twice, with a message containing each string of
    ``expected``."""
    message = judged_twice(check, *answers)
    assert message != "correct", f"{check.__name__} accepted a wrong answer"
    for text in expected:
        assert text in message, f"{check.__name__}: expected {text!r} in:\n{message}"


# Lesson 1 ------------------------------------------------------------------------------------

def test_tanh_backward():
    check = exercises.check_tanh_backward
    accepts(check, lambda y, dy: dy - dy * y ** 2)
    refuses(check, (lambda y, dy: 1 - y * y,), "without dy")
    refuses(check, (lambda y, dy: dy * y * (1 - y),), "sigmoid's derivative")
    refuses(check, (lambda y, dy: dy * (1 - np.tanh(y) ** 2),), "already is tanh(x)")
    refuses(check, (lambda y, dy: dy * (1 - y),), "y squared")
    refuses(check, (lambda y, dy: (dy * (1 - y * y)).T,), "shape (5, 4)")


class _Fixed(Linear):
    def backward(self, dy):
        self.grads = {"W": np.einsum("ni,nj->ij", self.x, dy), "b": np.einsum("nj->j", dy)}
        return np.einsum("nj,ij->ni", dy, self.params["W"])


class MeanBias(Linear):
    def backward(self, dy):
        self.grads = {"W": self.x.T @ dy, "b": dy.mean(axis=0)}
        return dy @ self.params["W"].T


class Untransposed(Linear):
    def backward(self, dy):
        self.grads = {"W": self.x.T @ dy, "b": dy.sum(axis=0)}
        return dy @ self.params["W"]


class SwappedW(Linear):
    def backward(self, dy):
        self.grads = {"W": (dy.T @ self.x).T.T if dy.shape[1] == self.x.shape[1] else self.x.T @ dy * 2,
                      "b": dy.sum(axis=0)}
        return dy @ self.params["W"].T


class NoGrads(Linear):
    def backward(self, dy):
        return dy @ self.params["W"].T


def test_fixed_linear():
    check = exercises.check_fixed_linear
    accepts(check, _Fixed)
    refuses(check, (MeanBias,), "MeanBias(4, 4)", "a mean instead of a sum")
    refuses(check, (Untransposed,), "Untransposed(4, 4)", "dx[")
    refuses(check, (SwappedW,), "SwappedW(4, 4)", "dW")
    refuses(check, (NoGrads,), "NoGrads")


# Lesson 2 ------------------------------------------------------------------------------------

def maxout_loop(z, dy, pieces):
    dz = np.zeros_like(z)
    for n in range(dy.shape[0]):
        for u in range(dy.shape[1]):
            block = z[n, u * pieces:(u + 1) * pieces]
            dz[n, u * pieces + int(np.argmax(block))] = dy[n, u]
    return dz


def maxout_all_ties(z, dy, pieces):
    g = z.reshape(len(z), -1, pieces)
    return ((g == g.max(axis=2, keepdims=True)) * dy[:, :, None]).reshape(z.shape)


def maxout_argmin(z, dy, pieces):
    b, u = dy.shape
    return ((np.arange(pieces) == z.reshape(b, u, pieces).argmin(axis=2)[:, :, None]) * dy[:, :, None]).reshape(b, -1)


def maxout_layout(z, dy, pieces):
    b, u = dy.shape
    won = np.arange(pieces)[:, None] == z.reshape(b, pieces, u).argmax(axis=1)[:, None, :]
    return (won * dy[:, None, :]).reshape(b, -1)


def maxout_ones(z, dy, pieces):
    b, u = dy.shape
    return (np.arange(pieces) == z.reshape(b, u, pieces).argmax(axis=2)[:, :, None]).reshape(b, -1) * 1.0


def test_maxout_backward():
    check = exercises.check_maxout_backward
    accepts(check, maxout_loop)
    refuses(check, (maxout_all_ties,), "on a tie", "you sent it to 3 and 2 pieces")

    def strict_winner(z, dy, pieces):      # a piece wins only if larger than all others: ties get none
        g = z.reshape(len(z), -1, pieces)
        others = np.sort(g, axis=2)[:, :, -2:-1]
        return ((g > others) * dy[:, :, None]).reshape(z.shape)

    refuses(check, (strict_winner,), "on a tie", "you sent it to 0 and 0 pieces")
    refuses(check, (maxout_argmin,), "argmax")
    refuses(check, (maxout_layout,), "(batch, units, pieces)")
    refuses(check, (maxout_ones,), "should hold dy")
    refuses(check, (lambda z, dy, p: maxout_loop(z, dy, p)[:, :-1],), "shape (6, 12)")


def test_dropout_backward():
    check = exercises.check_dropout_backward
    accepts(check, lambda mask, dy, p: np.where(mask, dy / (1 - p), 0.0))
    refuses(check, (lambda mask, dy, p: dy * mask,), "misses the 1 / (1 - p)")
    refuses(check, (lambda mask, dy, p: dy * mask / p,), "divided by p")
    refuses(check, (lambda mask, dy, p: dy * mask * (1 - p),), "multiplied by 1 - p")
    refuses(check, (lambda mask, dy, p: dy / (1 - p),), "passes no gradient")
    refuses(check, (lambda mask, dy, p: dy * ~mask / (1 - p),), "passes no gradient")


# Lesson 3 ------------------------------------------------------------------------------------

def test_best_y():
    check = exercises.check_best_y
    accepts(check, lambda a, b: 1 / (1 + b / a))
    refuses(check, (lambda a, b: b / (a + b),), "is largest at y = 0.3", "a = 0.3, b = 0.7")
    refuses(check, (lambda a, b: a / b,), "is largest at")
    refuses(check, (lambda a, b: np.full_like(a, 0.5),), "is largest at")
    refuses(check, (lambda a, b: (a / (a + b)).ravel(),), "shape (3, 2)")


def D_star_right(pd, pg):
    out = np.full(np.shape(pd), 0.5)
    seen = (pd + pg) > 0
    out[seen] = pd[seen] / (pd[seen] + pg[seen])
    return out


def C_right(pd, pg, x):
    m = pd + pg
    return trapezoid(xlogy(pd, pd) + xlogy(pg, pg) - xlogy(m, m), x)


def test_D_star_and_C_of_G():
    check = exercises.check_D_star_and_C_of_G
    accepts(check, D_star_right, C_right)
    refuses(check, (lambda pd, pg: pd / (pd + pg), C_right), "both densities are 0", "nan")
    refuses(check, (lambda pd, pg: np.where(pd + pg > 0, pd / np.where(pd + pg > 0, pd + pg, 1), 0), C_right),
            "both densities are 0")
    refuses(check, (lambda pd, pg: pd / (pd + pg + 1e-12), C_right), "both densities are 0")
    refuses(check, (lambda pd, pg: D_star_right(pg, pd), C_right), "differs from p_data / (p_data + p_g)")

    def C_naive_log(pd, pg, x):
        D = D_star_right(pd, pg)
        return trapezoid(xlogy(pd, D) + xlogy(pg, 1 - D), x)

    def C_no_grid(pd, pg, x):
        return C_right(pd, pg, x) / (x[1] - x[0])

    def C_one_term(pd, pg, x):
        return trapezoid(xlogy(pd, D_star_right(pd, pg)), x)

    refuses(check, (D_star_right, C_naive_log), "p_g / (p_data + p_g)")
    refuses(check, (D_star_right, C_no_grid), "Eq. 4 by the trapezoid rule gives")
    refuses(check, (D_star_right, C_one_term), "Eq. 4 by the trapezoid rule gives")


def step_right(pd, pg, x, eta):
    new = pg ** (1 - eta) * (pd + pg) ** eta
    return new / trapezoid(new, x)


def test_step_p_g():
    check = exercises.check_step_p_g
    accepts(check, step_right)
    refuses(check, (lambda pd, pg, x, eta: pg - eta * np.log(pg / (pd + pg)),), "integrates to")
    refuses(check, (lambda pd, pg, x, eta: step_right(pd, pg, x, -eta),), "went up")
    refuses(check, (lambda pd, pg, x, eta: (pd + pg) / 2,), "only a little")
    refuses(check, (lambda pd, pg, x, eta: (lambda n: n / n.sum())(pg ** (1 - eta) * (pd + pg) ** eta),), "integrates to")


# Lesson 4 ------------------------------------------------------------------------------------

def minimax_right(l):
    loss = -(np.maximum(l, 0) + np.log1p(np.exp(-np.abs(l))))
    return loss.mean(), -sigmoid(l) / len(l)


def non_saturating_right(l):
    return np.mean(np.logaddexp(0, -l)), -(1 - sigmoid(l)) / l.shape[0]


def test_minimax_loss():
    check = exercises.check_minimax_loss
    accepts(check, minimax_right)
    refuses(check, (lambda l: (np.log(1 - sigmoid(l)).mean(), -sigmoid(l) / len(l)),), "not finite", "log of a sigmoid")
    refuses(check, (lambda l: (-np.log1p(np.exp(l)).mean(), -sigmoid(l) / len(l)),), "not finite")
    refuses(check, (lambda l: (-np.logaddexp(0, l).sum(), -sigmoid(l) / len(l)),), "the sum")
    refuses(check, (lambda l: (-np.logaddexp(0, l).mean(), -sigmoid(l)),), "divide by")
    refuses(check, (lambda l: (-np.logaddexp(0, l).mean(), sigmoid(l) / len(l)),), "wrong sign")
    refuses(check, (lambda l: (-np.logaddexp(0, l).mean(), -sigmoid(l).ravel() / len(l)),), "shape (64, 1)")


def test_non_saturating_loss():
    check = exercises.check_non_saturating_loss
    accepts(check, non_saturating_right)
    refuses(check, (lambda l: (-np.log(sigmoid(l)).mean(), (sigmoid(l) - 1) / len(l)),), "not finite")
    refuses(check, (lambda l: (np.log1p(np.exp(-l)).mean(), (sigmoid(l) - 1) / len(l)),), "not finite")
    refuses(check, (lambda l: (np.logaddexp(0, -l).mean(), sigmoid(l) - 1),), "divide by")
    refuses(check, (lambda l: (np.logaddexp(0, -l).sum(), (sigmoid(l) - 1) / len(l)),), "the sum")
    refuses(check, (lambda l: (np.logaddexp(0, l).mean(), (sigmoid(l) - 1) / len(l)),), "expected the mean")


# Lesson 5 ------------------------------------------------------------------------------------

def make_train_epoch(incomplete=False, last_stats=False, lr_after=False, only_d=False,
                     momentum_by_step=False, no_shuffle=False, ignore_k=False, total=False):
    def train_epoch(gan, x, epoch, step, batch_size, lr_at, momentum_at, rng):
        per = batch_size if ignore_k else gan.k * batch_size
        order = np.arange(len(x)) if no_shuffle else rng.permutation(len(x))
        starts = range(0, len(x), per) if incomplete else range(0, len(x) - per + 1, per)
        history = []
        for s in starts:
            for opt in (gan.d_optimizer,) if only_d else (gan.d_optimizer, gan.g_optimizer):
                opt.lr = lr_at(step + 1 if lr_after else step)
                opt.momentum = momentum_at(step if momentum_by_step else epoch)
            history.append({k: float(v) for k, v in gan.step(x[order[s:s + per]]).items()})
            step += 1
        if last_stats:
            return step, history[-1]
        reduce = np.sum if total else np.mean
        return step, {k: reduce([h[k] for h in history]) for k in history[0]}
    return train_epoch


def test_train_epoch():
    check = exercises.check_train_epoch
    accepts(check, make_train_epoch())
    refuses(check, (make_train_epoch(incomplete=True),), "incomplete last batch")
    refuses(check, (make_train_epoch(last_stats=True),), "last update's value")
    refuses(check, (make_train_epoch(lr_after=True),), "lr_at(")
    refuses(check, (make_train_epoch(only_d=True),), "G's momentum", "both optimizers")
    refuses(check, (make_train_epoch(momentum_by_step=True),), "momentum_at(epoch)")
    refuses(check, (make_train_epoch(no_shuffle=True),), "rng.permutation")
    refuses(check, (make_train_epoch(ignore_k=True),), "gan.k * batch_size")
    refuses(check, (make_train_epoch(total=True),), "the sum")


# Lesson 6 ------------------------------------------------------------------------------------

def parzen_right(x, samples, sigma):
    sq = (x ** 2).sum(1)[:, None] - 2 * x @ samples.T + (samples ** 2).sum(1)[None, :]
    d = x.shape[1]
    return logsumexp(-sq / (2 * sigma ** 2), axis=1) - np.log(len(samples)) - d / 2 * np.log(2 * np.pi * sigma ** 2)


def parzen_variant(naive=False, no_log_n=False, no_norm=False, axis0=False, one_d=False):
    def f(x, samples, sigma):
        d = x.shape[1]
        a = -((x[:, None, :] - samples[None]) ** 2).sum(axis=2) / (2 * sigma ** 2)
        if naive:
            s = np.log(np.exp(a).sum(axis=1))
        else:
            m = a.max(axis=0 if axis0 else 1, keepdims=True)
            s = (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True)))[:, 0] if not axis0 else \
                m.max() + np.log(np.exp(a - m.max()).sum(axis=1))
        out = s
        if not no_log_n:
            out = out - np.log(len(samples))
        if not no_norm:
            out = out - (0.5 if one_d else 0.5 * d) * np.log(2 * np.pi * sigma ** 2)
        return out
    return f


def test_parzen_log_likelihood():
    check = exercises.check_parzen_log_likelihood
    accepts(check, parzen_right)
    refuses(check, (parzen_variant(naive=True),), "non-finite", "log-sum-exp")
    refuses(check, (parzen_variant(no_log_n=True),), "subtract log N")
    refuses(check, (parzen_variant(no_norm=True),), "normaliser")
    refuses(check, (parzen_variant(one_d=True),), "d = 784")
    refuses(check, (lambda x, s, sigma: parzen_right(x, s, sigma)[:, None],), "shape (20,)")


# Lesson 7 ------------------------------------------------------------------------------------

def test_nearest():
    check = exercises.check_nearest
    accepts(check, lambda q, t: np.array([np.argmin(((t - row) ** 2).sum(axis=1)) for row in q]))
    refuses(check, (lambda q, t: (-2 * q @ t.T).argmin(axis=1),), "||t||^2 - 2 q.t")
    refuses(check, (lambda q, t: ((t * t).sum(1) - 2 * q @ t.T).argmax(axis=1),), "argmin")
    refuses(check, (lambda q, t: ((t * t).sum(1) - 2 * q @ t.T).argmin(axis=0),), "should have shape (1,), got (3,)")
    refuses(check, (lambda q, t: ((t * t).sum(1) - 2 * q @ t.T).min(axis=1),), "integers")


def test_lerp():
    check = exercises.check_lerp
    accepts(check, lambda z0, z1, steps: z0 + np.linspace(0, 1, steps)[:, None] * (z1 - z0))
    refuses(check, (lambda z0, z1, steps: z0 + np.linspace(0, 1, steps + 1)[:, None] * (z1 - z0),), "shape (10, 6)")
    refuses(check, (lambda z0, z1, steps: z0 + (np.arange(steps) / steps)[:, None] * (z1 - z0),), "last row must be z1")
    refuses(check, (lambda z0, z1, steps: z1 + np.linspace(0, 1, steps)[:, None] * (z0 - z1),), "starts at z1")
    refuses(check, (lambda z0, z1, steps: z0 + np.linspace(0, 1, steps)[:, None] ** 2 * (z1 - z0),), "evenly spaced")


# Lesson 8 ------------------------------------------------------------------------------------

def modes_variant(radius=3, squared=False, strict=False, no_k=False, nearest_centre=False):
    def f(samples, centres, sigma, min_share):
        d = np.sqrt(((samples[:, None, :] - centres[None]) ** 2).sum(axis=2))
        if squared:
            d = d ** 2
        if nearest_centre:
            close = (d.min(axis=1) < 3 * sigma)
            share = np.bincount(d.argmin(axis=1)[close], minlength=len(centres)) / len(samples)
        else:
            share = (d < radius * sigma).mean(axis=0)
        need = min_share if no_k else min_share / len(centres)
        return int(((share > need) if strict else (share >= need)).sum())
    return f


def test_modes_hit():
    check = exercises.check_modes_hit
    accepts(check, modes_variant(nearest_centre=True))
    refuses(check, (modes_variant(radius=1),), "2 sigma from its centre", "beyond 1 sigma")
    refuses(check, (modes_variant(squared=True),), "3.5 sigma", "not its square")
    refuses(check, (modes_variant(strict=True),), "exactly min_share / K")
    refuses(check, (modes_variant(no_k=True),), "min_share / K of ALL")
    refuses(check, (lambda *a: float(modes_variant()(*a)),), "whole number")


def test_prediction_accepts_any_whole_number_of_modes():
    check = exercises.check_prediction
    accepts(check, lambda g: 8 if g == 1 else 0)
    accepts(check, lambda g: np.int64(3))
    for wrong in (lambda g: 9, lambda g: 2.5, lambda g: True, lambda g: "4", lambda g: None):
        refuses(check, (wrong,), "whole number of modes")


# Lesson 9 ------------------------------------------------------------------------------------

def test_logit():
    check = exercises.check_logit

    def right(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        q = xp.clip(p, eps, 1 - eps)
        return xp.log(q / (1 - q))

    def numpy_on_p(p, eps=1e-7):
        q = np.clip(p, eps, 1 - eps)         # runs on CuPy too (NumPy dispatches), but not from xp
        return np.log(q) - np.log1p(-q)

    def asarray_on_p(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        q = xp.clip(xp.asarray(np.asarray(p)), eps, 1 - eps)
        return xp.log(q) - xp.log1p(-q)

    def eps_as_numpy_array(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        q = xp.clip(p, xp.asarray(eps, dtype=p.dtype), 1 - eps)
        return xp.log(q) - xp.log1p(-q) + 0 * np.float32(eps)

    def to_host(p, eps=1e-7):
        q = mg.backend.to_numpy(p).clip(eps, 1 - eps)
        return (lambda xp: xp.log(q) - xp.log1p(-q))(mg.backend.array_module(q))

    accepts(check, right)
    accepts(check, eps_as_numpy_array)
    refuses(check, (numpy_on_p,), "np.clip(p, eps, 1 - eps) calls NumPy on an array")
    refuses(check, (asarray_on_p,), "np.asarray(p) calls NumPy")
    refuses(check, (to_host,), "logit of a minigan.testing.fakecupy array should be a minigan.testing.fakecupy array")
    refuses(check, (lambda p, eps=1e-7: mg.backend.array_module(p).log(p / (1 - p)),), "finite")
    refuses(check, (lambda p, eps=1e-7: right(p).astype(np.float64),), "dtype")
    refuses(check, (lambda p, eps=1e-7: right(p, 1e-3),), "clipped to [eps, 1 - eps]")
    refuses(check, (lambda p, eps=1e-7: -right(p),), "log(p) - log(1 - p)")


# The machinery -------------------------------------------------------------------------------

def test_a_stub_is_not_attempted_and_the_notebook_runs_on(capsys):
    def stub(*args):
        raise NotImplementedError()
    for check in (exercises.check_tanh_backward, exercises.check_train_epoch, exercises.check_logit):
        check(stub)
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 3


def test_a_crash_in_the_students_code_names_its_line_not_the_library():
    def tanh_backward(y, dy):
        return dy @ y          # (5, 4) @ (5, 4)
    message = verdict(exercises.check_tanh_backward, tanh_backward)
    assert message.startswith("Tanh backward: your code raised ValueError")
    assert "return dy @ y" in message and "minigan" not in message


def test_an_assert_in_the_students_code_is_named_as_theirs():
    def tanh_backward(y, dy):
        assert y.shape == (4, 5), "my shapes"
        return dy * (1 - y * y)
    message = verdict(exercises.check_tanh_backward, tanh_backward)
    assert "an assert of your code failed: my shapes" in message and "assert y.shape == (4, 5)" in message


def test_a_crash_inside_numpy_names_the_students_line_not_numpys():
    def best_y(a, b):
        return np.concatenate(a, b)          # a wrong call: numpy raises inside its own code
    message = verdict(exercises.check_best_y, best_y)
    assert "your code raised TypeError" in message and "return np.concatenate(a, b)" in message


def test_a_failure_renders_as_its_message_alone_in_jupyter():
    try:
        exercises.check_tanh_backward(lambda y, dy: dy * (1 - y))
    except exercises.CheckFailed as err:
        lines = err._render_traceback_()
    assert len(lines) == 1 and "Tanh backward: " in lines[0] and "y squared" in lines[0]


def test_verdicts_do_not_depend_on_order_or_on_numpys_global_random_state(capsys):
    right = [(exercises.check_tanh_backward, (lambda y, dy: dy - dy * y ** 2,)),
             (exercises.check_fixed_linear, (_Fixed,)),
             (exercises.check_maxout_backward, (maxout_loop,)),
             (exercises.check_step_p_g, (step_right,)),
             (exercises.check_minimax_loss, (minimax_right,)),
             (exercises.check_train_epoch, (make_train_epoch(),)),
             (exercises.check_modes_hit, (modes_variant(nearest_centre=True),))]
    wrong = [(exercises.check_dropout_backward, (lambda mask, dy, p: dy * mask / p,)),
             (exercises.check_train_epoch, (make_train_epoch(last_stats=True),))]
    cases = list(enumerate(right + wrong))
    runs = []
    for seed, order in ((1, cases), (2, cases[::-1])):
        np.random.seed(seed)
        runs.append({i: verdict(check, *answers) for i, (check, answers) in order})
    assert runs[0] == runs[1]
    assert [runs[0][i] == "correct" for i in range(len(cases))] == [True] * len(right) + [False] * len(wrong)


# Every chapter ---------------------------------------------------------------------------------

def _forgot_return(*args):
    """A student's answer, computed but never returned (the commonest slip in a first notebook)."""
    result = args[0] * 1  # noqa: F841 (the point: it is not returned)


@pytest.mark.parametrize("check", [
    exercises.check_tanh_backward, exercises.check_maxout_backward, exercises.check_dropout_backward,
    exercises.check_best_y, exercises.check_step_p_g, exercises.check_minimax_loss,
    exercises.check_non_saturating_loss, exercises.check_parzen_log_likelihood, exercises.check_nearest,
    exercises.check_lerp, exercises.check_logit, exercises.check_encoder_loss, exercises.check_probe_loss])
def test_an_answer_that_forgets_to_return_is_told_so(check):
    refuses(check, (_forgot_return,), "None: did you forget the return?")
