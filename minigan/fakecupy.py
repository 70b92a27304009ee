"""Deprecated: the CuPy stand-in lives in :mod:`minigan.testing.fakecupy` since 0.1.0.

``from minigan import fakecupy`` keeps working, with a ``DeprecationWarning``, until 0.2.0; it
gives the very same module, so ``backend.array_module(x) is fakecupy`` still holds.
"""
import sys
import warnings

from .testing import fakecupy as _fakecupy

warnings.warn("minigan.fakecupy moved to minigan.testing.fakecupy: write "
              "`from minigan.testing import fakecupy` (the old path goes in minigan 0.2.0)",
              DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _fakecupy
