"""Section 7, item 4: semi-supervised learning -- "features from the discriminator or inference net
could improve performance of classifiers when limited labeled data is available."

* :func:`features` reads a hidden layer of D (or any :class:`~minigan.layers.Sequential`) in
  evaluation mode;
* :func:`probe` fits a softmax regression (a linear classifier) on a few labelled feature vectors,
  its L2 weight chosen on labelled validation data;
* :func:`few_labels` runs the protocol: balanced labelled sets of ``n`` images (``n / 10`` per class)
  from a pool, several seeds, test accuracy. Always run it on raw pixels and an untrained D too:
  their accuracy is what D's training has to beat (``benchmarks/RESULTS.md``).
"""
import numpy as np
from scipy.optimize import minimize

from .backend import array_module, to_numpy
from .losses import softmax_cross_entropy

L2 = (1e-3, 1e-2, 1e-1, 1.0)  # the probe's L2 weights tried, one chosen on validation
BATCH = 5_000


def features(D, x, layer):
    """The output of ``D.layers[layer]`` (D a :class:`~minigan.layers.Sequential`) for images
    ``x`` ``(n, d)``, evaluation mode (no dropout), as float64 on the host ``(n, width)``. For the
    paper's D, ``layer=1`` is the first maxout layer (240 units), ``layer=3`` the second."""
    if not 0 <= layer < len(D.layers):
        raise ValueError(f"features: layer={layer}, but D has layers 0..{len(D.layers) - 1}: "
                         f"{D!r}")
    xp = array_module(next(iter(D.params.values())))
    out = []
    for i in range(0, len(x), BATCH):
        h = xp.asarray(x[i:i + BATCH], dtype=next(iter(D.params.values())).dtype)
        for l in D.layers[:layer + 1]:
            h = l.forward(h, train=False)
        out.append(to_numpy(h).astype(np.float64))
    return np.concatenate(out)


def balanced(y, n, seed, classes=10):
    """Indices of ``n`` examples, ``n / classes`` of each class, drawn without replacement."""
    if n % classes:
        raise ValueError(f"balanced: n={n} labels cannot be split evenly among {classes} classes")
    rng = np.random.default_rng([seed, n])
    return np.concatenate([rng.choice(np.flatnonzero(y == c), n // classes, replace=False)
                           for c in range(classes)])


def _fit(f, y, l2, classes):
    """Softmax regression ``p(y | f) = softmax(f @ W + b)``: minimise mean cross-entropy
    ``+ l2 / 2 ||W||^2`` with L-BFGS; returns ``(W, b)``."""
    d = f.shape[1]

    def loss(theta):
        W, b = theta[:d * classes].reshape(d, classes), theta[d * classes:]
        ce, dlogits = softmax_cross_entropy(f @ W + b, y)   # the mean CE and d(mean CE)/d logits
        value = float(ce) + 0.5 * l2 * (W * W).sum()
        return value, np.concatenate([(f.T @ dlogits + l2 * W).ravel(), dlogits.sum(axis=0)])
    theta = minimize(loss, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B",
                     options={"maxiter": 500}).x
    return theta[:d * classes].reshape(d, classes), theta[d * classes:]


class Probe:
    """A fitted softmax regression on standardised features: ``predict(f)`` gives labels."""

    def __init__(self, W, b, mean, std, l2):
        self.W, self.b, self.mean, self.std, self.l2 = W, b, mean, std, l2

    def predict(self, f):
        return (((f - self.mean) / self.std) @ self.W + self.b).argmax(axis=1)


def probe(f, y, f_valid, y_valid, mean=None, std=None, l2=L2, classes=10):
    """Fit a softmax regression on labelled features ``f`` ``(n, d)``, ``y`` ``(n,)`` for each L2
    weight in ``l2`` and keep the one most accurate on ``(f_valid, y_valid)``. Features are
    standardised with ``mean`` and ``std`` (default: those of ``f``; pass an unlabelled pool's).
    Returns a :class:`Probe`."""
    mean = f.mean(axis=0) if mean is None else mean
    std = (f.std(axis=0) if std is None else std) + 1e-6
    best = None
    for weight in l2:
        p = Probe(*_fit((f - mean) / std, y, weight, classes), mean, std, weight)
        accuracy = (p.predict(f_valid) == y_valid).mean()
        if best is None or accuracy > best[0]:
            best = (accuracy, p)
    return best[1]


def few_labels(f_pool, y_pool, f_valid, y_valid, f_test, y_test, n_labels=(100, 600, 1000),
               seeds=(0, 1, 2)):
    """Test accuracy of :func:`probe` trained on ``n`` balanced labels from the pool, for each ``n``
    and seed: ``{n: [accuracy per seed]}``. Features are standardised with the whole (unlabelled)
    pool's statistics; the L2 weight is chosen on the labelled validation features."""
    mean, std = f_pool.mean(axis=0), f_pool.std(axis=0)
    out = {}
    for n in n_labels:
        out[n] = []
        for seed in seeds:
            i = balanced(y_pool, n, seed)
            p = probe(f_pool[i], y_pool[i], f_valid, y_valid, mean, std)
            out[n].append(float((p.predict(f_test) == y_test).mean()))
    return out
