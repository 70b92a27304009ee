"""The value function of Eq. 1, written as binary cross-entropy on logits.

The discriminator outputs a *logit* ``l``; ``D(x) = sigmoid(l)``. Every term of
``V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]`` is a cross-entropy:
``-log D = BCE(l, 1)`` and ``-log(1 - D) = BCE(l, 0)``. Working in logits keeps the
losses finite when D is confident -- we never take the log of a sigmoid output.
"""
from .backend import array_module
from .layers import sigmoid


def bce_with_logits(logits, targets):
    """Mean binary cross-entropy of ``sigmoid(logits)`` against ``targets`` in [0, 1].

    ``BCE(l, t) = -t log sigmoid(l) - (1 - t) log(1 - sigmoid(l))
                = max(l, 0) - l t + log(1 + exp(-|l|))``, finite for every finite ``l``.

    Args:
        logits: array of any shape.
        targets: array (or scalar) broadcastable to ``logits``.

    Returns:
        ``(loss, dlogits)``: the mean over all elements (a 0-d array) and its gradient
        ``dloss/dlogits = (sigmoid(l) - t) / logits.size``, shaped like ``logits``.
    """
    xp = array_module(logits)
    losses = xp.maximum(logits, 0) - logits * targets + xp.log1p(xp.exp(-xp.abs(logits)))
    return losses.mean(), (sigmoid(logits) - targets) / logits.size
