"""The gradient checker must never pass a wrong backward.

Each broken layer below is a mistake students make (a sign, a factor, a missing or misshapen
bias gradient, a derivative taken from the wrong cached array, a dropout that forgets its mask);
``assert_layer_gradients`` must fail on every one, with a message that names the gradient, the
worst index, and both values. A correct layer written the same way must pass.
"""
import re

import numpy as np
import pytest

from minigan.gradcheck import assert_layer_gradients, check_layer

REPORT = re.compile(r"d(\w+)\[([\d, ]+)\]: analytic (\S+), numerical (\S+) \(error")


def inputs(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def reported(message):
    """{gradient: (index, analytic, numerical)} from the checker's message."""
    return {name: (tuple(int(i) for i in index.split(",")), float(a), float(n))
            for name, index, a, n in REPORT.findall(message)}


def failure_message(layer, x):
    with pytest.raises(AssertionError) as failure:
        assert_layer_gradients(layer, x)
    return str(failure.value)


class StudentLinear:
    """A correct affine layer, written the way the coursework asks for one."""

    def __init__(self, n_in, n_out, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.uniform(-1, 1, (n_in, n_out)), "b": rng.uniform(-1, 1, n_out)}
        self.grads = {}

    def forward(self, x, train=True):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        # dx = dy @ W.T;  dW = x.T @ dy;  db = sum_batch dy
        self.grads = {"W": self.x.T @ dy, "b": dy.sum(axis=0)}
        return dy @ self.params["W"].T


class WrongSignLinear(StudentLinear):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = -self.grads["W"]
        return dx


class MissingBiasGradientLinear(StudentLinear):
    def backward(self, dy):
        dx = super().backward(dy)
        del self.grads["b"]
        return dx


class BiasGradientKeepsDimsLinear(StudentLinear):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["b"] = dy.sum(axis=0, keepdims=True)   # (1, n_out), not (n_out,)
        return dx


class WrongBiasGradientLinear(StudentLinear):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["b"] = dy.mean(axis=0)                  # mean instead of sum over the batch
        return dx


class OutputCachingLinear(StudentLinear):
    """Caches its output where backward needs its input (square, so the shapes still fit)."""

    def forward(self, x, train=True):
        self.x = x @ self.params["W"] + self.params["b"]
        return self.x


class Square:
    """``y = x**2`` with the factor 2 forgotten: ``dx = dy * x``."""

    params, grads = {}, {}

    def forward(self, x, train=True):
        self.x = x
        return x**2

    def backward(self, dy):
        return dy * self.x


class SigmoidFromInput:
    """``dx = dy * y * (1 - y)`` computed from the cached *input* x instead of the output y."""

    params, grads = {}, {}

    def forward(self, x, train=True):
        self.x = x
        return 1 / (1 + np.exp(-x))

    def backward(self, dy):
        return dy * self.x * (1 - self.x)


class MaskForgettingDropout:
    """Inverted dropout whose backward rescales but forgets to zero the dropped units."""

    params, grads = {}, {}

    def __init__(self, p_drop, seed=0):
        self.p_drop, self.rng = p_drop, np.random.default_rng(seed)

    def forward(self, x, train=True):
        self.mask = self.rng.random(x.shape) >= self.p_drop
        return x * self.mask / (1 - self.p_drop)

    def backward(self, dy):
        return dy / (1 - self.p_drop)


class MaskRedrawingDropout(MaskForgettingDropout):
    """Backward draws a fresh mask instead of reusing the one forward used."""

    def backward(self, dy):
        return dy * (self.rng.random(dy.shape) >= self.p_drop) / (1 - self.p_drop)


def test_correct_student_layer_passes():
    layer = StudentLinear(4, 3)
    assert_layer_gradients(layer, inputs((5, 4)))
    errors = check_layer(layer, inputs((5, 4)))
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-8


def test_correct_dropout_with_its_rng_passes():
    class StudentDropout(MaskForgettingDropout):
        def backward(self, dy):
            return dy * self.mask / (1 - self.p_drop)

    assert_layer_gradients(StudentDropout(0.5), inputs((6, 5)))


def test_wrong_sign_fails_naming_dW_its_index_and_both_values():
    layer = WrongSignLinear(4, 3)
    message = failure_message(layer, inputs((5, 4)))
    assert "dW[" in message
    named = [line.split("[")[0].strip() for line in message.splitlines() if line.startswith("  d")]
    assert named == ["dW"]                                  # only the broken gradient is named
    index, analytic, numerical = reported(message)["W"]
    assert analytic == pytest.approx(layer.grads["W"][index])
    assert analytic == pytest.approx(-numerical)


def test_missing_factor_fails_naming_dx_its_index_and_both_values():
    x = inputs((5, 4))
    index, analytic, numerical = reported(failure_message(Square(), x))["x"]
    assert len(index) == 2 and index[0] < 5 and index[1] < 4
    assert numerical == pytest.approx(2 * analytic)


def test_missing_bias_gradient_fails_naming_b():
    with pytest.raises(AssertionError, match="'b'"):
        assert_layer_gradients(MissingBiasGradientLinear(4, 3), inputs((5, 4)))


def test_bias_gradient_of_the_wrong_shape_fails_naming_b_and_both_shapes():
    with pytest.raises(AssertionError) as failure:
        assert_layer_gradients(BiasGradientKeepsDimsLinear(4, 3), inputs((5, 4)))
    message = str(failure.value)
    assert "grads['b']" in message
    assert "(1, 3)" in message and "(3,)" in message


def test_wrong_bias_gradient_fails_naming_db():
    layer = WrongBiasGradientLinear(4, 3)
    index, analytic, numerical = reported(failure_message(layer, inputs((5, 4))))["b"]
    assert analytic == pytest.approx(layer.grads["b"][index])
    assert numerical == pytest.approx(5 * analytic)            # the batch had 5 rows


def test_weight_gradient_from_the_wrong_cache_fails_naming_dW():
    layer = OutputCachingLinear(3, 3)
    index, analytic, numerical = reported(failure_message(layer, inputs((5, 3))))["W"]
    assert analytic == pytest.approx(layer.grads["W"][index])
    assert analytic != pytest.approx(numerical)


def test_sigmoid_derivative_from_its_input_instead_of_its_output_fails():
    index, analytic, numerical = reported(failure_message(SigmoidFromInput(), inputs((4, 3))))["x"]
    assert analytic != pytest.approx(numerical)


@pytest.mark.parametrize("broken", [MaskForgettingDropout, MaskRedrawingDropout])
def test_dropout_backward_that_ignores_its_mask_fails(broken):
    message = failure_message(broken(0.5), inputs((6, 5)))
    index, analytic, numerical = reported(message)["x"]
    assert analytic != pytest.approx(numerical)


class AccumulatingLinear(StudentLinear):
    """Right on its first call; adds to grads ever after (the PyTorch habit, without a zero_grad)."""

    def __init__(self, n_in, n_out, seed=0):
        super().__init__(n_in, n_out, seed)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def backward(self, dy):
        self.grads["W"] += self.x.T @ dy
        self.grads["b"] += dy.sum(axis=0)
        return dy @ self.params["W"].T


class RightOnlyOnceLinear(StudentLinear):
    """Keeps a count between calls: right on the first backward only."""
    calls = 0

    def backward(self, dy):
        self.calls += 1
        return super().backward(dy) * (1 if self.calls == 1 else 2)


class InPlaceTanh:
    """A right tanh that scales the upstream gradient in place (allowed: dy is the layer's own)."""
    params, grads = {}, {}

    def forward(self, x, train=True):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dy):
        dy *= 1 - self.y ** 2  # dx = dy * (1 - y^2)
        return dy


@pytest.mark.parametrize("broken, gradient", [(AccumulatingLinear, "dW"), (RightOnlyOnceLinear, "dx")])
def test_a_backward_that_accumulates_or_keeps_state_between_calls_fails_every_time(broken, gradient):
    for _ in range(2):  # a fresh layer each time: the verdict is the same
        message = failure_message(broken(4, 3), inputs((5, 4)))
        assert "second backward" in message and gradient in message and "+=" in message


def test_a_right_backward_that_scales_dy_in_place_passes_twice():
    for _ in range(2):
        assert_layer_gradients(InPlaceTanh(), inputs((5, 4)))


def test_a_layer_class_passed_instead_of_a_layer_is_named_with_the_fix():
    with pytest.raises(TypeError, match=r"got the class StudentLinear, not a layer.*StudentLinear\(\.\.\.\)"):
        assert_layer_gradients(StudentLinear, inputs((5, 4)))


def test_float32_input_raises_type_error_asking_for_float64():
    with pytest.raises(TypeError, match="float64"):
        assert_layer_gradients(StudentLinear(4, 3), inputs((5, 4)).astype(np.float32))


def test_float32_parameters_raise_type_error_asking_for_float64():
    layer = StudentLinear(4, 3)
    layer.params["W"] = layer.params["W"].astype(np.float32)
    with pytest.raises(TypeError, match="float64"):
        check_layer(layer, inputs((5, 4)))
