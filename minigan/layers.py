"""Layers with hand-derived gradients: the paper's generator (ReLU, sigmoid) and
discriminator (maxout, dropout), plus Tanh and LeakyReLU for experiments; Sequential and Concat
to compose them.

Every layer follows one contract, written down in :mod:`minigan.contract` (and ``docs/API.md``):
``forward(x, train=True) -> y`` caches what ``backward(dy) -> dx`` needs, ``backward`` opens with
the derivative it implements and stores ``dL/dparam`` in ``grads`` under ``params``' keys. A
student's own layer needs nothing more. :class:`Linear` and :class:`Maxout` honour the contract's
two flags and skip the matrix products nobody will use (15-22 % of the paper's update).

Parameters are initialised as in the paper's code, ``W ~ U(-irange, irange)`` and
``b = 0``, drawn on the host from ``rng`` (an int seed or ``numpy.random.Generator``)
so that a seed gives the same network on every backend, then placed on ``backend``
(``"numpy"`` or ``"cupy"``) as ``dtype`` (float32 unless asked otherwise).
"""
import numpy as np

from . import backend as _backend
# The contract; also reachable here (mg.layers.Layer, mg.layers.run_backward), where users look.
from .contract import Layer, check_backward, require_layer, run_backward  # noqa: F401


def _uniform(rng, irange, shape, xp, dtype):
    """W ~ U(-irange, irange), drawn with NumPy so every backend gets the same numbers."""
    w = np.random.default_rng(rng).uniform(-irange, irange, size=shape)
    return xp.asarray(w.astype(dtype))


class Linear(Layer):
    """Affine map ``y = x @ W + b``; ``W`` is (n_in, n_out), ``b`` is (n_out,)."""

    def __init__(self, n_in, n_out, irange=0.05, rng=None, backend="numpy", dtype="float32"):
        super().__init__()
        xp = _backend.get(backend)
        self.n_in, self.n_out = n_in, n_out
        self.params = {"W": _uniform(rng, irange, (n_in, n_out), xp, dtype),
                       "b": xp.zeros(n_out, dtype=dtype)}

    def forward(self, x, train=True):
        self._check(x, self.n_in)
        self.x = x
        y = x @ self.params["W"]
        y += self.params["b"]  # in place: no second (batch, n_out) array
        return y

    def backward(self, dy):
        # dx = dy @ W.T;  dW = x.T @ dy;  db = sum_batch dy
        if self.requires_grad:      # skipped while another player's loss passes through
            self.grads = {"W": self.x.T @ dy, "b": dy.sum(axis=0)}
        if self.needs_input_grad:   # skipped when x is data or noise
            return dy @ self.params["W"].T
        return None

    def __repr__(self):
        return f"{type(self).__name__}({self.n_in}, {self.n_out})"  # a subclass by its own name


class ReLU(Layer):
    """``y = max(x, 0)`` -- the generator's hidden units."""

    def forward(self, x, train=True):
        self.active = x > 0
        return x * self.active

    def backward(self, dy):
        # dx = dy * [x > 0]
        return dy * self.active


class LeakyReLU(Layer):
    """``y = x`` for ``x > 0``, else ``slope * x`` (not in the paper; for experiments)."""

    def __init__(self, slope=0.01):
        super().__init__()
        self.slope = slope

    def forward(self, x, train=True):
        self.x = x
        xp = _backend.array_module(x)
        return xp.where(x > 0, x, self.slope * x)

    def backward(self, dy):
        # dx = dy * (1 if x > 0 else slope)
        xp = _backend.array_module(dy)
        return xp.where(self.x > 0, dy, self.slope * dy)

    def __repr__(self):
        return f"{type(self).__name__}({self.slope})"


def sigmoid(x):
    """``1 / (1 + exp(-x))``, computed as ``exp(min(x, 0)) / (1 + exp(-|x|))``: that is
    ``1 / (1 + e^-x)`` for ``x >= 0`` and ``e^x / (1 + e^x)`` for ``x < 0``. Both exponents are at
    most 0, so nothing overflows (no warnings however large ``|x|`` is), and both tails keep full
    relative precision. Same dtype as ``x``."""
    xp = _backend.array_module(x)
    # Two plain exps: about a ninth of the time of the equivalent exp(-logaddexp(0, -x)).
    return xp.exp(xp.minimum(x, 0)) / (1 + xp.exp(-xp.abs(x)))


class Sigmoid(Layer):
    """``y = sigmoid(x)`` -- the generator's output pixels in (0, 1), without overflow."""

    def forward(self, x, train=True):
        self.y = sigmoid(x)
        return self.y

    def backward(self, dy):
        # dx = dy * y * (1 - y)
        return dy * self.y * (1 - self.y)


class Tanh(Layer):
    """``y = tanh(x)`` (not in the paper; for experiments)."""

    def forward(self, x, train=True):
        self.y = _backend.array_module(x).tanh(x)
        return self.y

    def backward(self, dy):
        # dx = dy * (1 - y^2)
        return dy * (1 - self.y * self.y)


class Maxout(Layer):
    """Maxout units (Goodfellow et al., 2013), the discriminator's hidden layers.

    ``z = x @ W + b`` with ``W`` (n_in, units*pieces); unit ``u`` outputs the largest of
    its ``pieces`` contiguous columns: ``y[:, u] = max_p z.reshape(batch, units, pieces)[:, u, p]``.
    Ties go to the first piece, so the gradient is deterministic.
    """

    def __init__(self, n_in, units, pieces, irange=0.005, rng=None, backend="numpy",
                 dtype="float32"):
        super().__init__()
        if not all(isinstance(n, (int, np.integer)) and n >= 1 for n in (n_in, units, pieces)):
            raise ValueError(f"Maxout(n_in={n_in!r}, units={units!r}, pieces={pieces!r}): all three "
                             "must be positive integers (the paper's MNIST D: units=240, pieces=5)")
        xp = _backend.get(backend)
        self.n_in, self.units, self.pieces = n_in, units, pieces
        self.params = {"W": _uniform(rng, irange, (n_in, units * pieces), xp, dtype),
                       "b": xp.zeros(units * pieces, dtype=dtype)}

    def forward(self, x, train=True):
        self._check(x, self.n_in)
        self.x = x
        xp = _backend.array_module(x)
        z = x @ self.params["W"]
        z += self.params["b"]  # in place: no second (batch, units*pieces) array
        z = z.reshape(len(x), self.units, self.pieces)
        # y = max over the pieces, as a running maximum over the pieces' (strided) columns: for
        # pieces = 5, pieces - 1 elementwise maxima are ~15x faster than z.max(axis=2).
        y = z[:, :, 0].copy()
        for p in range(1, self.pieces):
            xp.maximum(y, z[:, :, p], out=y)
        # The winner is the first piece equal to the max (ties go to the first piece): its index
        # is the number of leading pieces below the max (several times faster than argmax).
        below = z[:, :, 0] < y
        self.winner = below.astype(np.min_scalar_type(self.pieces))  # uint8 up to 255 pieces
        for p in range(1, self.pieces - 1):
            below &= z[:, :, p] < y
            self.winner += below
        return y

    def backward(self, dy):
        # dz[:, u, p] = dy[:, u] if p is unit u's winning piece else 0;  then as Linear
        xp = _backend.array_module(dy)
        dz = xp.empty((len(dy), self.units, self.pieces), dtype=dy.dtype)
        for p in range(self.pieces):  # one strided column of dz per piece: no float mask is built
            xp.multiply(dy, self.winner == p, out=dz[:, :, p])
        dz = dz.reshape(len(dy), self.units * self.pieces)
        if self.requires_grad:      # skipped while another player's loss passes through
            self.grads = {"W": self.x.T @ dz, "b": dz.sum(axis=0)}
        if self.needs_input_grad:   # skipped when x is data (D's first layer on real images)
            return dz @ self.params["W"].T
        return None

    def __repr__(self):
        return f"{type(self).__name__}({self.n_in}, units={self.units}, pieces={self.pieces})"


class Dropout(Layer):
    """Inverted dropout (Srivastava et al., 2014), used on the discriminator's inputs.

    Training: ``y = x * mask / (1 - p_drop)`` with a fresh ``mask ~ Bernoulli(1 - p_drop)``
    per element, drawn from ``self.rng`` (seeded by ``seed``, on ``backend``); the mask is
    reused by ``backward``. Evaluation (``train=False``): ``y = x``.
    """

    def __init__(self, p_drop, seed=None, backend="numpy"):
        super().__init__()
        if not 0 <= p_drop < 1:
            raise ValueError(f"Dropout(p_drop={p_drop}): p_drop must be in [0, 1); "
                             "it is the probability of *dropping* a unit (keep = 1 - p_drop).")
        self.p_drop = p_drop
        self.rng = _backend.default_rng(seed, _backend.get(backend))

    def forward(self, x, train=True):
        if not train or self.p_drop == 0:
            self.scale = None
            return x
        xp = _backend.array_module(x)
        # The mask is built in the array of uniform draws itself, in place: 1.0 where u >= p_drop
        # (kept), 0.0 where dropped, then times 1 / (1 - p_drop). No bool or float temporaries.
        self.scale = self.rng.random(x.shape, dtype=x.dtype)
        xp.greater_equal(self.scale, self.p_drop, out=self.scale)
        self.scale *= 1 / (1 - self.p_drop)
        return x * self.scale

    def backward(self, dy):
        # dx = dy * mask / (1 - p_drop)   (dx = dy in evaluation)
        return dy if self.scale is None else dy * self.scale

    def __repr__(self):
        return f"{type(self).__name__}(p_drop={self.p_drop})"


class Sequential(Layer):
    """Layers applied in order; itself a layer with the same contract.

    ``params``/``grads`` are flat views ``{"<index>.<name>": array}`` of the layers' own
    arrays, so an optimizer updating them in place updates the layers. Each layer's
    ``backward`` is checked as it runs (:func:`run_backward`): a student's layer that
    returns a wrongly shaped ``dx`` is named at once, not three layers later.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            require_layer(layer, f"Sequential layer {i}")
        self.layers = list(layers)

    def forward(self, x, train=True):
        self.shapes = []  # each layer's input shape, to check its dx against
        for layer in self.layers:
            self.shapes.append(x.shape)
            x = layer.forward(x, train)
        return x

    def backward(self, dy):
        # dx = dy pushed through each layer's backward, last layer first (the chain rule)
        # Each layer gets this call's requires_grad. When nobody needs dx (needs_input_grad is
        # False), the layers below the lowest one with parameters are skipped -- all they would
        # give is dx -- and that layer is told it need not return it.
        lowest = 0 if self.needs_input_grad else next(
            (i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        for i in reversed(range(lowest, len(self.layers))):
            dy = run_backward(self.layers[i], dy, self.shapes[i], self.requires_grad,
                              needs_input_grad=i > lowest or self.needs_input_grad)
        return dy if self.needs_input_grad else None

    @property
    def params(self):
        return {f"{i}.{k}": v for i, l in enumerate(self.layers) for k, v in l.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, l in enumerate(self.layers) for k, v in l.grads.items()}

    def __repr__(self):
        return "Sequential(\n" + "".join(f"  {i}: {l!r}\n" for i, l in enumerate(self.layers)) + ")"


class Concat(Layer):
    """Branches side by side: the input's columns are split among ``branches`` (``widths[i]``
    columns each, in order), each branch runs on its own part, and their outputs are concatenated.

    This is how Mirza & Osindero (2014) give the condition ``y`` to both nets (``docs/PAPER.md``):
    G's input is ``[z, y]`` and D's ``[x, y]``, one array ``(batch, sum(widths))``; e.g. G's first
    layer ``Concat([Sequential(Linear(100, 200), ReLU()), Sequential(Linear(10, 1000), ReLU())],
    widths=[100, 10])`` maps ``(batch, 110)`` to ``(batch, 200 + 1000)``.
    ``params``/``grads`` are flat views ``{"<branch>.<name>": array}``, as :class:`Sequential`'s.
    """

    def __init__(self, branches, widths):
        branches, widths = list(branches), list(widths)
        if len(branches) != len(widths) or not branches:
            raise ValueError(f"Concat: {len(branches)} branches but {len(widths)} widths: give "
                             "each branch the number of input columns it takes, in order")
        if not all(isinstance(w, (int, np.integer)) and w >= 1 for w in widths):
            raise ValueError(f"Concat widths={widths!r}: each must be a positive integer (the "
                             "input columns of its branch, e.g. [100, 10] for [z, one-hot y])")
        for i, branch in enumerate(branches):
            require_layer(branch, f"Concat branch {i}")
        self.branches, self.widths = branches, widths
        self.starts = np.cumsum([0] + widths)  # branch i reads columns starts[i]:starts[i + 1]

    def forward(self, x, train=True):
        self._check(x, int(self.starts[-1]))
        xp = _backend.array_module(x)
        self.shapes = [(len(x), w) for w in self.widths]
        ys = [b.forward(x[:, a:c], train) for b, a, c in zip(self.branches, self.starts, self.starts[1:])]
        self.out_starts = np.cumsum([0] + [y.shape[1] for y in ys])
        return xp.concatenate(ys, axis=1)

    def backward(self, dy):
        # dx = [dx_1, ..., dx_n], dx_i = branch_i.backward(dy[:, columns of y_i]): dy is split
        dxs = [run_backward(b, dy[:, a:c], shape, self.requires_grad, self.needs_input_grad)
               for b, a, c, shape in zip(self.branches, self.out_starts, self.out_starts[1:], self.shapes)]
        if not self.needs_input_grad:
            return None
        return _backend.array_module(dy).concatenate(dxs, axis=1)

    @property
    def params(self):
        return {f"{i}.{k}": v for i, b in enumerate(self.branches) for k, v in b.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, b in enumerate(self.branches) for k, v in b.grads.items()}

    def __repr__(self):
        inner = (f"  [{w} columns] " + repr(b).replace("\n", "\n  ") for b, w in zip(self.branches, self.widths))
        return "Concat(\n" + "\n".join(inner) + "\n)"
