"""The Concat layer (Mirza & Osindero's way of giving the condition y to both nets): forward
concatenates the branches' outputs, backward splits dy among them. Checked in float64 against
finite differences like every layer, and a student's wrong split is refused by the checker."""
import numpy as np
import pytest

import minigan as mg
from minigan.layers import Concat, Dropout, Linear, Maxout, ReLU, Sequential, Tanh, run_backward

TOL = 1e-6


def conditional_block(seed, dtype="float64"):
    """A small G-like first layer: 3 'noise' columns -> 4 tanh, 2 'label' columns -> maxout 3x2,
    with dropout in the first branch (its mask must be held fixed by the checker)."""
    s = np.random.SeedSequence(seed).spawn(3)
    z_branch = Sequential(Dropout(0.3, seed=s[0]), Linear(3, 4, 0.7, s[1], dtype=dtype), Tanh())
    y_branch = Maxout(2, 3, 2, 0.7, s[2], dtype=dtype)
    y_branch.params["b"][...] = np.random.default_rng(seed).uniform(-1, 1, 6)  # no maxout ties
    return Concat([z_branch, y_branch], widths=[3, 2])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_concat_gradient_matches_finite_differences(seed):
    layer = conditional_block(seed)
    x = np.random.default_rng([seed, 9]).standard_normal((5, 5))
    errors = mg.gradcheck.check_layer(layer, x)
    assert set(errors) == {"x", "0.1.W", "0.1.b", "1.W", "1.b"}
    assert max(errors.values()) < TOL, errors


def test_concat_inside_a_sequential_is_checked_through_the_next_layers():
    model = Sequential(conditional_block(3), ReLU(), Linear(7, 2, 0.5, 4, dtype="float64"))
    model.layers[0].branches[1].params["b"] += 0.1
    x = np.random.default_rng(5).uniform(0.2, 1.0, (4, 5))
    mg.gradcheck.assert_layer_gradients(model, x, tol=TOL)


class SameSliceConcat(Concat):
    """A student's Concat whose backward hands every branch the first columns of dy (forgetting
    that branch i's outputs start after branch i-1's)."""

    def backward(self, dy):
        # dx_i = branch_i.backward(dy[:, :width of y_i])   <- wrong offset
        dxs = [b.backward(dy[:, :c - a]) for b, a, c in
               zip(self.branches, self.out_starts, self.out_starts[1:])]
        return np.concatenate(dxs, axis=1)


def test_the_checker_refuses_a_concat_that_splits_dy_at_the_wrong_columns():
    # Both branches have 3 outputs, so every shape is right: only the values are wrong.
    branches = [Linear(2, 3, 0.7, 0, dtype="float64"), Linear(4, 3, 0.7, 1, dtype="float64")]
    wrong = SameSliceConcat(branches, widths=[2, 4])
    x = np.random.default_rng(0).standard_normal((5, 6))
    for _ in range(2):  # the verdict does not change when asked twice
        with pytest.raises(AssertionError, match=r"d1\.W"):
            mg.gradcheck.assert_layer_gradients(wrong, x)
    right = Concat(branches, widths=[2, 4])
    assert max(mg.gradcheck.check_layer(right, x).values()) < TOL


def test_forward_is_the_branches_outputs_side_by_side():
    layer = conditional_block(0, dtype="float32")
    x = np.random.default_rng(1).standard_normal((6, 5)).astype(np.float32)
    y = layer.forward(x, train=False)
    expected = np.concatenate([layer.branches[0].forward(x[:, :3], train=False),
                               layer.branches[1].forward(x[:, 3:], train=False)], axis=1)
    assert y.shape == (6, 7) and y.dtype == np.float32
    assert np.array_equal(y, expected)
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and dx.dtype == np.float32


def test_params_are_the_branches_own_arrays_and_flags_reach_the_branches():
    layer = conditional_block(0)
    assert layer.params["1.W"] is layer.branches[1].params["W"]
    x = np.random.default_rng(2).standard_normal((4, 5))
    y = layer.forward(x)
    layer.backward(np.ones_like(y))
    full = {k: g.copy() for k, g in layer.grads.items()}
    assert run_backward(layer, np.ones_like(y), x.shape, needs_input_grad=False) is None
    for k in full:  # skipping dx changes no weight gradient
        assert np.array_equal(layer.grads[k], full[k]), k


@pytest.mark.parametrize("branches, widths, message", [
    ([Linear(2, 3)], [2, 4], "1 branches but 2 widths"),
    ([Linear(2, 3), Linear(4, 3)], [2, 0], "positive integer"),
    ([Linear(2, 3), "relu"], [2, 4], "Concat branch 1"),
])
def test_bad_branches_or_widths_are_refused_with_the_fix(branches, widths, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Concat(branches, widths)


def test_an_input_of_the_wrong_width_names_the_expected_width():
    layer = Concat([Linear(2, 3), Linear(4, 3)], widths=[2, 4])
    with pytest.raises(ValueError, match=r"\(batch, 6\), got \(5, 5\)"):
        layer.forward(np.zeros((5, 5), dtype=np.float32))
