"""Check your own layer's gradient: the coursework pattern, as a file you can copy.

Copy this file next to your layer, replace ``Softplus`` with your own class, and run
``python -m pytest -q test_my_layer.py``. The test fails, naming the gradient, the worst entry,
both values and (when it can tell) why, unless your ``backward`` matches central finite
differences. CI runs this file as it stands.

The layer contract (docs/API.md): ``forward(x, train=True) -> y`` caches what backward needs;
``backward(dy) -> dx`` returns dL/dx shaped like x and stores dL/dparam in ``grads`` under the
parameter's own key. Subclassing ``minigan.layers.Layer`` gives you empty ``params`` and ``grads``.
"""
import numpy as np

import minigan as mg


class Softplus(mg.layers.Layer):
    """``y = log(1 + exp(x))``, a smooth ReLU. No parameters."""

    def forward(self, x, train=True):
        self.x = x
        return np.logaddexp(0, x)

    def backward(self, dy):
        # dx = dy * sigmoid(x)
        return dy * mg.layers.sigmoid(self.x)


class Scale(mg.layers.Layer):
    """``y = x * a``, one learned scale per feature: ``a`` has shape ``(n,)``."""

    def __init__(self, n, dtype="float64"):
        super().__init__()
        self.params = {"a": np.random.default_rng(0).uniform(0.5, 1.5, n).astype(dtype)}

    def forward(self, x, train=True):
        self.x = x
        return x * self.params["a"]

    def backward(self, dy):
        # dx = dy * a;  da = sum_batch dy * x
        self.grads = {"a": (dy * self.x).sum(axis=0)}
        return dy * self.params["a"]


def test_softplus_gradients():
    x = np.random.default_rng(0).standard_normal((5, 4))   # float64: finite differences need the digits
    mg.gradcheck.assert_layer_gradients(Softplus(), x)


def test_scale_gradients():
    layer = Scale(4, dtype="float64")
    x = np.random.default_rng(0).standard_normal((5, 4))
    mg.gradcheck.assert_layer_gradients(layer, x)
    errors = mg.gradcheck.check_layer(layer, x)             # the numbers behind the assertion
    assert set(errors) == {"x", "a"} and max(errors.values()) < 1e-6


def test_my_layers_work_inside_a_network():
    net = mg.layers.Sequential(mg.layers.Linear(4, 3, dtype="float64"), Softplus(), Scale(3))
    x = np.random.default_rng(0).standard_normal((5, 4))
    mg.gradcheck.assert_layer_gradients(net, x)
