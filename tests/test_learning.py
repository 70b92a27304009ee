"""The pieces together: layers, ``bce_with_logits`` and SGD with momentum learn a problem no
linear classifier can -- a ring of class 1 between an inner and an outer ring of class 0.

Three rings, not two, so that the hidden layer itself must learn. At initialisation its biases
are zero, so each hidden unit is positively homogeneous (``h(r u) = r h(u)`` for ``r > 0``) and a
logit computed from *frozen* hidden units is linear in the radius along every ray: it can put
the middle ring on one side of a threshold only together with the inner or the outer ring. Such
a network stays near 55% accuracy here; one whose gradients reach the hidden layer gets ~100%.
"""
import numpy as np
import pytest

from minigan.layers import Linear, Maxout, ReLU, Sequential
from minigan.losses import bce_with_logits
from minigan.optim import SGD


def three_rings(n=400, seed=0):
    """Rings of radius 1, 2 and 3 (a little noise); the middle one, half the points, is class 1."""
    rng = np.random.default_rng(seed)
    ring = np.array([0, 1, 2, 1])[np.arange(n) % 4]
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = 1 + ring + rng.normal(0, 0.1, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x.astype(np.float32), (ring == 1).reshape(n, 1).astype(np.float32)


def accuracy(model, x, y):
    return float(((model.forward(x, train=False) > 0) == (y == 1)).mean())


NETWORKS = {
    "relu": lambda: Sequential(Linear(2, 32, irange=0.05, rng=1), ReLU(), Linear(32, 1, rng=2)),
    "maxout": lambda: Sequential(Maxout(2, 16, 3, irange=0.05, rng=1), Linear(16, 1, rng=2)),
}


@pytest.mark.learning
@pytest.mark.parametrize("network", NETWORKS)
def test_small_network_learns_three_rings_with_sgd_momentum_and_bce(network):
    x, y = three_rings()
    model = NETWORKS[network]()
    loss_before, _ = bce_with_logits(model.forward(x), y)
    accuracy_before = accuracy(model, x, y)

    optimizer = SGD(model, lr=0.1, momentum=0.9)
    minibatches = np.random.default_rng(3)
    for _ in range(1500):
        i = minibatches.integers(0, len(x), 64)
        _, dlogits = bce_with_logits(model.forward(x[i]), y[i])
        model.backward(dlogits)
        optimizer.step()

    assert abs(loss_before - np.log(2)) < 0.01       # it started knowing nothing ...
    assert 0.4 < accuracy_before < 0.6
    assert accuracy(model, x, y) >= 0.95              # ... and learnt the rings
