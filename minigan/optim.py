"""Stochastic gradient descent, plain and with momentum, and the paper's schedules.

An optimizer updates a model's ``params`` in place from its ``grads`` (any layer or
``Sequential``). Its ``lr`` and ``momentum`` are plain attributes: the training loop
sets them from the schedules before each update, where a reader can see it.
"""


class SGD:
    """SGD with classical momentum, as in the paper's code (pylearn2).

    ``v <- momentum * v - lr * grad``;  ``param <- param + v``.
    With ``momentum = 0`` this is plain SGD, ``param <- param - lr * grad``.
    The velocities ``v`` start at zero and are kept in ``self.velocity``, keyed like ``params``.
    """

    def __init__(self, model, lr, momentum=0.0):
        self.model, self.lr, self.momentum = model, lr, momentum
        self.velocity = {k: 0 * p for k, p in model.params.items()}

    def step(self):
        """Apply one update from the gradients the last ``backward`` stored."""
        params, grads = self.model.params, self.model.grads
        # As Python floats: a NumPy float64 scalar (a schedule computed with NumPy) would make
        # lr * grad a float64 temporary in a float32 update.
        lr, momentum = float(self.lr), float(self.momentum)
        for k, p in params.items():
            v = self.velocity[k]  # every operation below is in place, on v and then on p
            v *= momentum
            v -= lr * grads[k]
            p += v


class ExponentialDecay:
    """Learning rate divided by ``decay`` after every update, never below ``floor``.

    ``value(n) = max(start / decay**n, floor)`` for update ``n = 0, 1, 2, ...``
    (the paper's MNIST run: start 0.1, decay 1.000004, floor 1e-6).
    """

    def __init__(self, start, decay, floor):
        self.start, self.decay, self.floor = start, decay, floor

    def __call__(self, n):
        return max(self.start / self.decay ** n, self.floor)


class LinearRamp:
    """Momentum ramped linearly from ``start`` to ``end`` over epochs ``1 .. saturate``.

    ``value(e) = start + (end - start) * min(e - 1, saturate - 1) / (saturate - 1)`` for the
    1-indexed epoch ``e`` (the paper's MNIST run: 0.5 -> 0.7, saturating at epoch 250).
    """

    def __init__(self, start, end, saturate):
        self.start, self.end, self.saturate = start, end, saturate

    def __call__(self, epoch):
        if self.saturate <= 1:
            return self.end
        t = min(epoch - 1, self.saturate - 1) / (self.saturate - 1)
        return self.start + (self.end - self.start) * t
