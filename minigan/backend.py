"""Array backends: the same code on NumPy (CPU) and CuPy (GPU).

Layers, losses and optimizers never import ``numpy`` for array math: they ask
:func:`array_module` for the module their arrays live in, so a model built with
``backend="cupy"`` runs every operation on the GPU and one built with
``backend="numpy"`` runs it on the CPU. CuPy is imported only when asked for.
"""
import numpy as np

INSTALL_HINT = 'pip install "minigan[gpu]"'


def get(name):
    """Return the array module for ``name`` (``"numpy"`` or ``"cupy"``).

    ``"cupy"`` raises :class:`RuntimeError` naming the install command when CuPy
    is missing or no usable GPU is present.
    """
    if name == "numpy":
        return np
    if name == "cupy":
        try:
            import cupy
        except ImportError as err:
            raise RuntimeError(
                f"backend 'cupy' needs CuPy, which is not installed ({err}). "
                f"Install it with: {INSTALL_HINT} (needs an NVIDIA GPU and CUDA driver), "
                "or use backend 'numpy'.") from err
        try:
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device found")
        except Exception as err:  # CUDADriverError, CUDARuntimeError, ...
            raise RuntimeError(
                f"backend 'cupy' found CuPy but no usable GPU ({err}). Run on a machine "
                f"with an NVIDIA GPU (CuPy: {INSTALL_HINT}), or use backend 'numpy'.") from err
        return cupy
    raise ValueError(f"unknown backend {name!r}: choose 'numpy' or 'cupy'")


def array_module(a):
    """The module (``numpy`` or ``cupy``) that array ``a`` belongs to.

    Looks at the array's type, so CuPy is never imported for NumPy arrays.
    """
    if type(a).__module__.startswith("cupy"):
        import cupy
        return cupy
    return np


def to_numpy(a):
    """``a`` as a NumPy array, whichever backend it lives on (copies GPU arrays to the host)."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)


def default_rng(seed, xp=np):
    """A seeded random generator that draws arrays on ``xp``'s device.

    ``seed`` may be an int, a :class:`numpy.random.SeedSequence` or ``None``.
    Only ``random``, ``standard_normal`` and ``integers`` are used anywhere in
    minigan: those are what ``cupy.random.Generator`` offers.
    """
    if xp is np:
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.SeedSequence):
        seed = int(seed.generate_state(1, np.uint64)[0])
    return xp.random.default_rng(seed)
