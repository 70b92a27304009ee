"""Array backends: the same code on NumPy (CPU) and CuPy (GPU).

Layers, losses and optimizers never import ``numpy`` for array math: they ask
:func:`array_module` for the module their arrays live in, so a model built with
``backend="cupy"`` runs every operation on the GPU and one built with
``backend="numpy"`` runs it on the CPU. CuPy is imported only when asked for.

Without a GPU, ``MINIGAN_FAKE_CUPY=1`` makes ``"cupy"`` the NumPy-backed stand-in
:mod:`minigan.testing.fakecupy`, which refuses what CuPy refuses: the GPU path runs on the CPU.
"""
import os

import numpy as np

INSTALL_HINT = 'pip install "minigan[gpu]" (CUDA 12; "minigan[gpu-cuda13]" for CUDA 13)'


class BackendUnavailable(RuntimeError):
    """``"cupy"`` was asked for on a machine without CuPy or without a usable GPU; the message
    names the install command. The command lines end with it in one line (exit status 2)."""


def get(name):
    """Return the array module for ``name`` (``"numpy"`` or ``"cupy"``).

    ``"cupy"`` raises :class:`BackendUnavailable` (a ``RuntimeError``) naming the install
    command when CuPy is missing or no usable GPU is present.
    """
    if name == "numpy":
        return np
    if name == "cupy":
        if os.environ.get("MINIGAN_FAKE_CUPY") == "1":
            from .testing import fakecupy
            fakecupy.install()
            return fakecupy
        try:
            import cupy
        except ImportError as err:
            raise BackendUnavailable(
                f"backend 'cupy' needs CuPy, which is not installed ({err}). "
                f"Install it with: {INSTALL_HINT} (needs an NVIDIA GPU and CUDA driver), "
                "or use backend 'numpy'.") from err
        try:
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device found")
        except Exception as err:  # CUDADriverError, CUDARuntimeError, ...
            raise BackendUnavailable(
                f"backend 'cupy' found CuPy but no usable GPU ({err}). Run on a machine "
                f"with an NVIDIA GPU (CuPy: {INSTALL_HINT}), or use backend 'numpy'.") from err
        return cupy
    raise ValueError(f"unknown backend {name!r}: choose 'numpy' or 'cupy'")


def _module_of(kind):
    """The device module that defines ``kind`` (CuPy or the stand-in), else None."""
    if kind.__module__.startswith("cupy"):
        import cupy
        return cupy
    if kind.__module__ == "minigan.testing.fakecupy":
        from .testing import fakecupy
        return fakecupy
    return None


def array_module(a):
    """The module (``numpy`` or ``cupy``) that array ``a`` belongs to.

    Looks at the array's type, so CuPy is never imported for NumPy arrays.
    """
    return _module_of(type(a)) or np


def name(a):
    """``"cupy"`` for an array on the GPU (or on :mod:`minigan.testing.fakecupy`), else ``"numpy"``:
    the word error messages use."""
    return "numpy" if _module_of(type(a)) is None else "cupy"


def to_numpy(a):
    """``a`` as a NumPy array, whichever backend it lives on (copies GPU arrays to the host)."""
    if _module_of(type(a)) is not None:
        return a.get()
    return np.asarray(a)


def default_rng(seed, xp=np):
    """A seeded random generator that draws arrays on ``xp``'s device.

    ``seed`` may be an int, a :class:`numpy.random.SeedSequence` or ``None``.
    Only ``random``, ``standard_normal`` and ``integers`` are used anywhere in
    minigan: those are what ``cupy.random.Generator`` offers. CuPy seeds cuRAND with 32 bits
    of ``seed``: ``SeedSequence(seed).generate_state(1, uint32)[0]``
    (``cupy/random/_bit_generator.pyx``); :func:`minigan.rng.reseed` chooses those bits.
    """
    if xp is np:
        return np.random.default_rng(seed)
    return xp.random.default_rng(seed)
