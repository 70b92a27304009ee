"""``bce_with_logits``: Eq. 1's log-probabilities, finite for any logit, with the right gradient."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit

import minigan as mg
from minigan.losses import bce_with_logits


def reference_bce(logits, targets):
    """-t log sigmoid(l) - (1 - t) log(1 - sigmoid(l)), with log sigmoid(l) = -log(1 + e^-l)."""
    return targets * np.logaddexp(0, -logits) + (1 - targets) * np.logaddexp(0, logits)


@pytest.mark.parametrize("target", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("logit", [-1e4, -40.0, -1e-8, 1e-8, 40.0, 1e4])
def test_bce_with_logits_is_finite_and_correct_at_huge_large_and_tiny_logits(logit, target):
    logits = np.array([[logit]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss, dlogits = bce_with_logits(logits, target)
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(reference_bce(logit, target), rel=1e-12, abs=1e-300)
    assert dlogits[0, 0] == pytest.approx(expit(logit) - target, rel=1e-12, abs=1e-300)


def test_confident_and_right_costs_nothing_confident_and_wrong_costs_the_logit():
    loss_right, _ = bce_with_logits(np.array([1e4]), 1.0)
    loss_wrong, _ = bce_with_logits(np.array([1e4]), 0.0)
    assert loss_right == 0.0
    assert loss_wrong == 1e4


@settings(max_examples=25, deadline=None)
@given(logits=hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)),
                         elements=st.floats(-20, 20)),
       seed=st.integers(0, 2**32 - 1))
def test_bce_gradient_matches_central_differences(logits, seed):
    targets = np.random.default_rng(seed).uniform(0, 1, logits.shape)
    _, dlogits = bce_with_logits(logits, targets)
    logits = logits.copy()
    numeric = mg.gradcheck.numeric_gradient(lambda: bce_with_logits(logits, targets)[0], logits, h=1e-6)
    assert np.allclose(dlogits, numeric, rtol=1e-6, atol=1e-9)


def test_bce_is_a_mean_over_all_elements():
    logits = np.random.default_rng(0).standard_normal((8, 1))
    targets = (np.arange(8) % 2).reshape(8, 1).astype(float)
    loss, dlogits = bce_with_logits(logits, targets)
    loss_twice, dlogits_twice = bce_with_logits(np.tile(logits, (2, 3)), np.tile(targets, (2, 3)))
    assert loss == pytest.approx(reference_bce(logits, targets).mean(), rel=1e-12)
    assert loss_twice == pytest.approx(loss, rel=1e-12)             # same mean, 6x the elements
    assert np.allclose(dlogits_twice[:8, :1], dlogits / 6, rtol=1e-12)  # each counts 1/6 as much
    assert dlogits.shape == logits.shape


def test_bce_accepts_a_scalar_target_and_keeps_float32():
    logits = np.linspace(-3, 3, 7, dtype=np.float32)
    loss, dlogits = bce_with_logits(logits, 1.0)
    loss_array, dlogits_array = bce_with_logits(logits, np.ones(7, dtype=np.float32))
    assert loss == loss_array
    assert np.array_equal(dlogits, dlogits_array)
    assert loss.dtype == np.float32 and dlogits.dtype == np.float32


# softmax_cross_entropy: the classifier's loss (minigan.metrics), -log softmax(l)_y on logits.

def reference_ce(logits, labels):
    return np.mean(np.logaddexp.reduce(logits, axis=1) - logits[np.arange(len(logits)), labels])


def test_softmax_cross_entropy_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((6, 10)) * 3          # float64: finite differences need the digits
    labels = rng.integers(0, 10, 6)
    loss, dlogits = mg.losses.softmax_cross_entropy(logits, labels)
    numeric = mg.gradcheck.numeric_gradient(
        lambda: mg.losses.softmax_cross_entropy(logits, labels)[0], logits, h=1e-6)
    assert loss == pytest.approx(reference_ce(logits, labels), rel=1e-12)
    assert np.allclose(dlogits, numeric, rtol=1e-6, atol=1e-9)
    assert np.allclose(dlogits.sum(axis=1), 0, atol=1e-15)   # softmax - onehot sums to zero per row


def test_softmax_cross_entropy_is_finite_when_the_classifier_is_confident():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        right, _ = mg.losses.softmax_cross_entropy(np.array([[1e4, 0.0, -1e4]]), np.array([0]))
        wrong, dlogits = mg.losses.softmax_cross_entropy(np.array([[1e4, 0.0, -1e4]]), np.array([1]))
    assert right == 0.0 and wrong == 1e4
    assert np.array_equal(dlogits, [[1.0, -1.0, 0.0]])


@pytest.mark.parametrize("labels, words", [(np.array([0, 10]), r"\[0, 10\)"),
                                           (np.array([-1, 2]), r"\[0, 10\)"),
                                           (np.array([0.0, 1.0]), "integers"),
                                           (np.array([[0], [1]]), "one integer label per row")])
def test_softmax_cross_entropy_refuses_labels_it_cannot_score(labels, words):
    with pytest.raises(ValueError, match=words):
        mg.losses.softmax_cross_entropy(np.zeros((2, 10)), labels)


def test_log_softmax_is_scipys_and_finite_at_logits_far_beyond_exp():
    from scipy.special import log_softmax
    logits = np.array([[1000.0, 0.0, -1000.0], [0.5, -0.25, 2.0], [-800.0, -800.0, -801.0]])
    ours = mg.losses.log_softmax(logits)
    assert np.all(np.isfinite(ours))
    assert np.allclose(ours, log_softmax(logits, axis=1), rtol=1e-12, atol=1e-12)
    assert np.allclose(np.exp(ours).sum(axis=1), 1.0)
