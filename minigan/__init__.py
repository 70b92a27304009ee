"""minigan: Generative Adversarial Nets (Goodfellow et al., 2014) from scratch, in NumPy.

    import minigan as mg

Modules, each one concept of the paper: ``backend`` (NumPy or CuPy), ``layers``
(hand-derived gradients), ``losses`` (Eq. 1 on logits), ``optim`` (SGD, momentum,
schedules), ``gradcheck`` (finite differences), ``gan`` (Algorithm 1), ``models``
(the paper's networks), ``theory`` (Proposition 1, Theorem 1). The rest are imported by
name: ``toy`` and ``mixture`` (Figure 1, Section 6), ``data``, ``parzen``, ``figures``,
``checkpoint``, and the command lines ``train``, ``sample``, ``evaluate``.
"""
from . import backend, gan, gradcheck, layers, losses, models, optim, theory

__version__ = "0.1.0"
