"""Lesson 10's checks, from the student's side (as ``test_exercise_checks.py`` for the others):
wrong answers of the kinds students write are refused with a message that points at the
mistake, a correct answer written differently from the lesson's solution is accepted, and every
verdict holds when the check runs twice in a row."""
import numpy as np
from scipy.special import logsumexp

from minigan import exercises
from test_exercise_checks import accepts, refuses, verdict


# Concat backward -----------------------------------------------------------------------------

def concat_variant(split_at_inputs=False, swapped=False, reversed_dx=False, axis=1, skip_branch=False):
    def concat_backward(layer, dy):
        cuts = layer.starts if split_at_inputs else layer.out_starts
        pieces = [dy[:, a:b] for a, b in zip(cuts, cuts[1:])]
        if swapped:
            pieces = pieces[::-1]
        dxs = [piece if skip_branch and i == 1 else branch.backward(piece)
               for i, (branch, piece) in enumerate(zip(layer.branches, pieces))]
        return np.concatenate(dxs[::-1] if reversed_dx else dxs, axis=axis)
    return concat_backward


def test_concat_backward():
    check = exercises.check_concat_backward

    def by_split(layer, dy):
        return np.hstack([b.backward(d) for b, d in
                          zip(layer.branches, np.split(dy, layer.out_starts[1:-1], axis=1))])

    accepts(check, by_split)
    accepts(check, concat_variant())
    refuses(check, (concat_variant(split_at_inputs=True),), "branch 0 was handed dy[:, 0:3]",
            "layer.starts splits x", "y[:, 0:4]")
    refuses(check, (concat_variant(swapped=True),), "branch 0 was handed dy[:, 4:7]", "y[:, 0:4]")
    refuses(check, (concat_variant(reversed_dx=True),), "reverse order")
    refuses(check, (concat_variant(axis=0),), "your code raised ValueError", "axis=axis")
    refuses(check, (concat_variant(skip_branch=True),), "branch 1's backward was called 0 times")
    refuses(check, (lambda layer, dy: by_split(layer, dy)[:, :3],), "shape (5, 5)")


# Encoder loss gradient -----------------------------------------------------------------------

def encoder_right(e, z):
    r = e - z
    return 0.5 * np.mean(np.einsum("ij,ij->i", r, r)), r / e.shape[0]


def test_encoder_loss():
    check = exercises.check_encoder_loss
    accepts(check, encoder_right)
    refuses(check, (lambda e, z: (encoder_right(e, z)[0], e - z),), "misses the 1/m", "m = 6")
    refuses(check, (lambda e, z: (0.5 * ((e - z) ** 2).mean(), (e - z) / e.size),),
            "np.mean over every entry", "m * z_dim = 24")
    refuses(check, (lambda e, z: (0.5 * ((e - z) ** 2).sum(axis=0).mean(), (e - z) / len(e)),),
            "divided by z_dim = 4", "axis 1")
    refuses(check, (lambda e, z: (((e - z) ** 2).sum(axis=1).mean(), (e - z) / len(e)),), "misses the 1/2")
    refuses(check, (lambda e, z: (encoder_right(e, z)[0], (z - e) / len(e)),), "wrong sign")
    refuses(check, (lambda e, z: (0.5 * ((e - z) ** 2).sum(), (e - z) / len(e)),), "sum over the batch")
    refuses(check, (lambda e, z: (encoder_right(e, z)[0], 2 * (e - z) / len(e)),), "twice the gradient")
    refuses(check, (lambda e, z: (0.5 * ((e - z) ** 2).sum(axis=1), (e - z) / len(e)),), "one number")


# Probe gradient ------------------------------------------------------------------------------

def probe_variant(no_mean=False, no_l2=False, l2_factor=1.0, l2_over_n=False, sign=1, no_onehot=False,
                  axis=1, penalty_half=True):
    def probe_loss(W, f, y, l2):
        n, logits = len(f), f @ W
        log_p = logits - logsumexp(logits, axis=axis, keepdims=True)
        ce = -log_p[np.arange(n), y].mean()
        dlogits = np.exp(log_p) - (0 if no_onehot else np.eye(W.shape[1])[y])
        if not no_mean:
            dlogits = dlogits / n
        dW = sign * f.T @ dlogits
        if not no_l2:
            dW = dW + l2_factor * l2 * W / (n if l2_over_n else 1)
        return ce + (0.5 if penalty_half else 1.0) * l2 * np.sum(W ** 2), dW
    return probe_loss


def test_probe_loss():
    check = exercises.check_probe_loss
    accepts(check, probe_variant())
    refuses(check, (probe_variant(no_mean=True),), "l2 = 0.3", "misses the 1/n")
    refuses(check, (probe_variant(no_l2=True),), "l2 = 0.3", "misses the L2 term's gradient")
    refuses(check, (probe_variant(l2_factor=2.0),), "not 2 l2 W")
    refuses(check, (probe_variant(l2_over_n=True),), "not l2 * W / n")
    refuses(check, (probe_variant(sign=-1),), "wrong sign")
    refuses(check, (probe_variant(no_onehot=True),), "subtract 1 at each example's label")
    refuses(check, (probe_variant(axis=0),), "over the batch (axis 0)", "axis=1")
    refuses(check, (probe_variant(penalty_half=False),), "half of l2 ||W||^2")
    refuses(check, (lambda W, f, y, l2: (probe_variant()(W, f, y, l2)[0], probe_variant()(W, f, y, l2)[1].T),),
            "shape (5, 10)")


def test_a_stub_is_not_attempted(capsys):
    def stub(*args):
        raise NotImplementedError()
    for check in (exercises.check_concat_backward, exercises.check_encoder_loss, exercises.check_probe_loss):
        assert verdict(check, stub) == "correct"      # no failure: the notebook runs on
    assert capsys.readouterr().out.count("not attempted yet") == 3
