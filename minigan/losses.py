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


def generator_loss(fake_logits, objective="non-saturating"):
    """G's loss on D's logits for generated samples ``G(z)``, and its gradient (Section 3).

    ``"minimax"``: G descends ``log(1 - D(G(z))) = -BCE(l, 0)`` (Algorithm 1, line 8), which
    saturates -- its gradient vanishes -- when D confidently rejects the samples early in
    learning. ``"non-saturating"``: G descends ``-log D(G(z)) = BCE(l, 1)``, the same fixed point
    with "much stronger gradients early in learning".

    Returns ``(loss, dlogits)`` as :func:`bce_with_logits` does (mean over ``fake_logits``).
    """
    if objective == "non-saturating":
        return bce_with_logits(fake_logits, 1.0)
    if objective == "minimax":
        loss, dlogits = bce_with_logits(fake_logits, 0.0)
        return -loss, -dlogits
    raise ValueError(f"generator_loss objective={objective!r}: choose 'minimax' or 'non-saturating'")


def log_softmax(logits):
    """``log softmax(l)`` along each row of ``logits`` ``(batch, classes)``: ``l - logsumexp(l)``,
    with the largest logit subtracted first, so it is finite for every finite ``l``."""
    xp = array_module(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of ``softmax(logits)`` against integer class ``labels``: the loss of
    the classifier that :mod:`minigan.metrics` uses to read samples (not part of Eq. 1).

    ``CE(l, y) = -log softmax(l)_y = logsumexp(l) - l_y``, with the largest logit subtracted
    first, so it is finite for every finite ``l``.

    Args:
        logits: ``(batch, classes)`` array.
        labels: ``(batch,)`` integers in ``[0, classes)``.

    Returns:
        ``(loss, dlogits)``: the mean over the batch (a 0-d array) and its gradient
        ``dloss/dlogits = (softmax(l) - onehot(y)) / batch``, shaped like ``logits``.
    """
    xp = array_module(logits)
    labels = xp.asarray(labels)
    if logits.ndim != 2 or labels.shape != (len(logits),):
        raise ValueError(f"softmax_cross_entropy: logits {tuple(logits.shape)} and labels "
                         f"{tuple(labels.shape)}: give logits (batch, classes) and one integer label "
                         "per row, shape (batch,)")
    if labels.dtype.kind not in "iu" or (len(labels) and (int(labels.min()) < 0 or
                                                          int(labels.max()) >= logits.shape[1])):
        raise ValueError(f"softmax_cross_entropy: labels must be integers in [0, {logits.shape[1]}); "
                         f"got dtype {labels.dtype}"
                         + (f", range [{labels.min()}, {labels.max()}]" if len(labels) else ""))
    log_p = log_softmax(logits)
    rows = xp.arange(len(logits))
    dlogits = xp.exp(log_p)
    dlogits[rows, labels] -= 1
    return -log_p[rows, labels].mean(), dlogits / len(logits)
