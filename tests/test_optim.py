"""SGD with momentum, and the paper's learning-rate and momentum schedules."""
import numpy as np
import pytest

from minigan.optim import SGD, ExponentialDecay, LinearRamp


class Quadratic:
    """0.5 (theta - theta*)^T A (theta - theta*): a model with one parameter and its gradient."""

    def __init__(self, A, theta_star):
        self.A, self.theta_star = A, theta_star
        self.params = {"theta": np.zeros_like(theta_star)}
        self.grads = {}

    def backward(self):
        # d/dtheta = A (theta - theta*)
        self.grads = {"theta": self.A @ (self.params["theta"] - self.theta_star)}


def convex_quadratic(seed=0, n=5):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.linspace(1, 10, n)) @ Q.T        # symmetric, eigenvalues 1 .. 10
    return Quadratic(A, rng.uniform(-3, 3, n))


@pytest.mark.learning
def test_sgd_with_momentum_converges_to_the_minimum_of_a_convex_quadratic():
    model = convex_quadratic()
    optimizer = SGD(model, lr=0.05, momentum=0.9)
    for _ in range(1000):
        model.backward()
        optimizer.step()
    assert np.max(np.abs(model.params["theta"] - model.theta_star)) < 1e-6


def test_plain_sgd_step_is_theta_minus_lr_times_gradient():
    model = convex_quadratic()
    optimizer = SGD(model, lr=0.1)
    theta = model.params["theta"]
    for _ in range(2):                                       # no velocity carried over
        before = theta.copy()
        model.backward()
        g = model.grads["theta"]
        optimizer.step()
        assert np.array_equal(theta, before - 0.1 * g)
    assert model.params["theta"] is theta                   # updated in place


def test_momentum_step_is_v_momentum_v_minus_lr_g_then_theta_plus_v():
    model = convex_quadratic()
    optimizer = SGD(model, lr=0.1, momentum=0.5)
    theta, v = model.params["theta"].copy(), np.zeros(5)
    for _ in range(3):
        model.backward()
        v = 0.5 * v - 0.1 * model.grads["theta"]
        theta = theta + v
        optimizer.step()
        assert np.allclose(model.params["theta"], theta, rtol=1e-15, atol=1e-15)


def test_exponential_decay_of_the_paper_mnist_run():
    lr = ExponentialDecay(0.1, 1.000004, 1e-6)
    assert lr(0) == 0.1
    assert lr(49999) == pytest.approx(0.1 / 1.000004**49999, rel=1e-12)
    assert lr(50000) == pytest.approx(0.08187, abs=1e-5)     # 100 epochs of 500 updates
    assert lr(10**7) == 1e-6                                 # the floor, far out
    assert lr(1) < lr(0)


def test_linear_momentum_ramp_of_the_paper_mnist_run():
    momentum = LinearRamp(0.5, 0.7, 250)
    assert momentum(1) == 0.5
    assert momentum(100) == pytest.approx(0.5 + 0.2 * 99 / 249, rel=1e-12)
    assert momentum(250) == pytest.approx(0.7, rel=1e-12)
    assert momentum(400) == pytest.approx(0.7, rel=1e-12)
