"""minigan: Generative Adversarial Nets (Goodfellow et al., 2014) from scratch, in NumPy.

    import minigan as mg

Modules, each one concept of the paper: ``backend`` (NumPy or CuPy), ``layers``
(hand-derived gradients), ``losses`` (Eq. 1 on logits), ``optim`` (SGD, momentum,
schedules), ``gradcheck`` (finite differences), ``gan`` (Algorithm 1), ``models``
(the paper's networks).
"""
from . import backend, gan, gradcheck, layers, losses, models, optim

__version__ = "0.1.0"
