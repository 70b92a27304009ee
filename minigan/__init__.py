"""minigan: Generative Adversarial Nets (Goodfellow et al., 2014) from scratch, in NumPy.

    import minigan as mg

Modules, each one concept of the paper (the whole contract is ``docs/API.md``):
``backend`` (NumPy or CuPy), ``contract`` (what a layer is), ``layers`` (hand-derived gradients), ``losses`` (Eq. 1 on
logits), ``optim`` (SGD, momentum, schedules), ``gradcheck`` (finite differences), ``gan``
(Algorithm 1), ``training`` (its outer loop: epochs and schedules), ``models`` (the paper's
networks), ``rng`` (where the randomness lives), ``checkpoint``, ``data``, ``parzen`` (Table 1),
``figures`` (Figures 2 and 3), ``theory`` (Proposition 1, Theorem 1), ``toy`` (Figure 1),
``mixture`` (Section 6), ``metrics`` (a classifier's view of samples), ``exercises`` (the lessons' self-checking exercises);
beside the paper, ``testing`` holds the tools that test minigan itself (the CPU stand-in for CuPy), as ``numpy.testing``. Importing them loads neither CuPy nor matplotlib's pyplot.
The command lines are ``python -m minigan.train``, ``.sample`` and ``.evaluate``.
"""
import importlib

from . import (backend, checkpoint, contract, data, figures, gan, gradcheck, layers, losses, models,
               optim, parzen, rng, theory, training)

# Modules that are also command lines (python -m minigan.toy) load on first use, so that running
# one does not find it already imported by this package.
_ON_FIRST_USE = ("exercises", "metrics", "mixture", "testing", "toy")


def __getattr__(name):
    if name in _ON_FIRST_USE:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minigan' has no attribute {name!r}")

__version__ = "0.1.0"
