"""The paper's networks, with the sizes, initialisation and dropout of its public code
(``shared/PAPER_FACTS.md``)."""
import numpy as np

from .backend import get
from .layers import Dropout, Linear, Maxout, ReLU, Sequential, Sigmoid


def _output_bias(mean_image, dtype):
    """``logit(mean pixel)``: G starts out drawing the average training image."""
    p = np.clip(np.asarray(mean_image, dtype=np.float64).ravel(), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p)).astype(dtype)


def paper_mnist(mean_image=None, seed=0, backend="numpy", dtype="float32"):
    """The MNIST generator and discriminator of the paper (Section 5, Table 1).

    Generator: ``z (100) -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid``, ``W ~ U(-0.05, 0.05)``;
    the output bias is ``logit(mean_image)`` when ``mean_image`` (784 pixels in [0, 1]) is given.
    Discriminator: dropout on the input of each layer (drop 0.2, then 0.5, 0.5),
    ``784 -> maxout 240x5 -> maxout 240x5 -> 1 logit``, ``W ~ U(-0.005, 0.005)``.

    Returns:
        ``(generator, discriminator)``: two :class:`Sequential`; 2,503,984 and 1,231,441 parameters.
    """
    s = np.random.SeedSequence(seed).spawn(9)
    G = Sequential(Linear(100, 1200, 0.05, s[0], backend, dtype), ReLU(),
                   Linear(1200, 1200, 0.05, s[1], backend, dtype), ReLU(),
                   Linear(1200, 784, 0.05, s[2], backend, dtype), Sigmoid())
    if mean_image is not None:
        G.layers[4].params["b"][...] = get(backend).asarray(_output_bias(mean_image, dtype))
    D = Sequential(Dropout(0.2, s[3], backend), Maxout(784, 240, 5, 0.005, s[4], backend, dtype),
                   Dropout(0.5, s[5], backend), Maxout(240, 240, 5, 0.005, s[6], backend, dtype),
                   Dropout(0.5, s[7], backend), Linear(240, 1, 0.005, s[8], backend, dtype))
    return G, D
