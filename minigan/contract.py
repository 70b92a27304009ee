"""The layer contract: what a layer is, and how Sequential, GAN and the gradient checker run one.

Every layer in minigan follows it (``docs/API.md``), and a student's own layer needs nothing more:

* ``forward(x, train=True) -> y``, with ``x`` of shape ``(batch, features)``. It
  caches what ``backward`` needs -- from the *last* call only.
* ``backward(dy) -> dx``, with ``dy = dL/dy``, returning ``dL/dx`` shaped like ``x``. It
  opens with the derivative it implements, and stores ``dL/dparam`` in ``grads``. It never
  changes a parameter: updates are the optimizer's job, so every gradient can be checked.
* ``params`` and ``grads``: dicts with the same keys and shapes (empty without parameters).

Two flags let a caller say what it will not use, as PyTorch's ``requires_grad`` and
``ctx.needs_input_grad`` do: ``requires_grad = False`` (nobody reads ``grads`` after this backward:
D's while G's loss passes through it) and ``needs_input_grad = False`` (nobody uses ``dx``: the input
is data or noise). They are permissions, not orders: a layer may ignore them and compute everything,
as a student's layer does. :func:`run_backward` sets the flags for one call and checks the answer
(:func:`check_backward`), so a broken layer gets the same message wherever it is used.

``minigan.layers`` re-exports these names: ``mg.layers.Layer`` is this :class:`Layer`.
"""


class Layer:
    """The base class a layer may subclass (it need not: any object with the four names works).

    It gives: ``params`` and ``grads`` as empty dicts (call ``super().__init__()`` first, then
    fill ``params``), ``_check(x, n_in)`` for a clear message on a wrongly shaped input, and a
    ``repr`` naming the class in error messages. You write ``forward(x, train=True)``, which
    caches what backward needs, and ``backward(dy)``, which returns ``dx`` and fills ``grads``
    with one array per key of ``params``, of the same shape. The flags ``requires_grad`` and
    ``needs_input_grad`` (both True unless :func:`run_backward` says otherwise) may be ignored.
    """
    requires_grad = True      # False: the caller will not read grads after this backward
    needs_input_grad = True   # False: the caller will not use dx (backward may return None)

    def __init__(self):
        self.params, self.grads = {}, {}

    def _check(self, x, n_in):
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(
                f"{self!r} expected input of shape (batch, {n_in}), got {tuple(x.shape)}. "
                f"Reshape images with x.reshape(len(x), -1), or fix the previous layer's width.")

    def __repr__(self):
        return f"{type(self).__name__}()"


def require_layer(layer, where):
    """Refuse, with one message naming the layer and the fix, an object that lacks part of the
    layer contract (``forward``, ``backward``, a ``params`` dict). ``where`` says who asked."""
    if isinstance(layer, type):  # mg.gradcheck.assert_layer_gradients(MyLayer, x): the class itself
        raise TypeError(f"{where}: got the class {layer.__name__}, not a layer: create one first, "
                        f"e.g. {layer.__name__}(...) with its arguments")
    missing = [n for n in ("forward", "backward") if not callable(getattr(layer, n, None))]
    if missing or not isinstance(getattr(layer, "params", None), dict):
        what = f"no {' or '.join(missing)} method" if missing else "no params dict"
        raise TypeError(
            f"{where}: {layer!r} has {what}. A layer needs forward(x, train=True), "
            "backward(dy) -> dx, and dicts params and grads (empty if it learns nothing): "
            "subclass minigan.layers.Layer and call super().__init__() in your __init__.")


def check_backward(layer, x_shape, dx, requires_grad=True, needs_input_grad=True):
    """After ``dx = layer.backward(dy)`` for an input of shape ``x_shape``: ``dx`` must be shaped
    like ``x``, and ``grads`` must hold one array per parameter, shaped like it. Raises
    ``ValueError`` naming the layer and the fix. With ``needs_input_grad=False`` a ``dx`` of
    None is accepted; with ``requires_grad=False`` ``grads`` is not looked at."""
    if (needs_input_grad or dx is not None) and getattr(dx, "shape", None) != tuple(x_shape):
        raise ValueError(
            f"{layer!r}.backward returned dx of shape {getattr(dx, 'shape', type(dx).__name__)}, "
            f"but its input x had shape {tuple(x_shape)}: backward(dy) must return dL/dx, "
            "shaped like x (did you return a parameter's gradient, or forget a transpose?)")
    if not requires_grad:
        return
    grads = getattr(layer, "grads", None)
    if not isinstance(grads, dict) or set(grads) != set(layer.params):
        found = sorted(grads) if isinstance(grads, dict) else "no grads dict"
        raise ValueError(
            f"{layer!r}.backward stored grads {found}, but params has keys "
            f"{sorted(layer.params)}: store dL/dparam under the parameter's own key, "
            "e.g. self.grads['W'] = ..., once per parameter (no grads for a layer without "
            "parameters: self.grads = {}).")
    for k, p in layer.params.items():
        if getattr(grads[k], "shape", None) != p.shape:
            raise ValueError(f"{layer!r}: grads[{k!r}] has shape {getattr(grads[k], 'shape', None)} "
                             f"but params[{k!r}] has shape {p.shape}: a gradient is shaped like "
                             "its parameter (dW like W)")


def run_backward(layer, dy, x_shape, requires_grad=True, needs_input_grad=True):
    """``dx = layer.backward(dy)``, checked by :func:`check_backward`, with the flags
    ``requires_grad`` and ``needs_input_grad`` set on ``layer`` for this call only (then back to
    True). A layer that is not a :class:`Layer` does not get them and computes everything."""
    if not isinstance(layer, Layer):
        dx = layer.backward(dy)
    else:
        layer.requires_grad, layer.needs_input_grad = requires_grad, needs_input_grad
        try:
            dx = layer.backward(dy)
        finally:
            layer.requires_grad = layer.needs_input_grad = True
    check_backward(layer, x_shape, dx, requires_grad, needs_input_grad)
    return dx
