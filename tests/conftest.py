"""Shared test fixtures: where real data lives, and the GPU tests on real CuPy or its stand-in.

``gpu``-marked tests run on real CuPy where it finds a GPU, else on :mod:`minigan.testing.fakecupy` (a
NumPy-backed CuPy that refuses what CuPy refuses), so CI checks the GPU path on every run.
``MINIGAN_REAL_GPU=1`` (set by ``benchmarks/gpu_check.py``) makes a missing GPU an error instead.
"""
import os
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]  # runs a student's own test file, to see what they would see


def _real_cupy():
    """Real CuPy with a usable GPU, or None."""
    if os.environ.get("MINIGAN_FAKE_CUPY") == "1":
        return None
    try:
        from minigan import backend
        return backend.get("cupy")
    except RuntimeError:
        return None


REAL_CUPY = _real_cupy()


def pytest_report_header(config):
    if REAL_CUPY is not None:
        return f"gpu tests: real CuPy {REAL_CUPY.__version__}"
    return "gpu tests: on minigan.testing.fakecupy, the NumPy-backed CuPy stand-in (no usable GPU here)"


def pytest_collection_modifyitems(config, items):
    if REAL_CUPY is None and os.environ.get("MINIGAN_REAL_GPU") == "1":
        raise pytest.UsageError("MINIGAN_REAL_GPU=1 but CuPy finds no usable GPU: the gpu tests "
                                "would run on the stand-in")


@pytest.fixture
def fake_cupy(monkeypatch):
    """:mod:`minigan.testing.fakecupy` in place of ``cupy`` for one test (``import cupy`` gives it),
    with its sync counters at zero."""
    from minigan.testing import fakecupy
    for name, module in fakecupy.MODULES.items():
        monkeypatch.setitem(sys.modules, name, module)
    fakecupy.syncs.clear()
    fakecupy.copies_to_device.clear()
    return fakecupy


@pytest.fixture(autouse=True)
def _gpu_tests_on_the_stand_in(request):
    """A ``gpu`` test without a GPU runs on the stand-in."""
    if REAL_CUPY is None and request.node.get_closest_marker("gpu"):
        request.getfixturevalue("fake_cupy")


@pytest.fixture(scope="session")
def shared_data_dir():
    """The folder with real MNIST/Fashion-MNIST (``$MINIGAN_DATA_DIR``, else ``../shared/data``);
    tests using it skip with a reason when it is absent."""
    candidates = [os.environ.get("MINIGAN_DATA_DIR"),
                  Path(__file__).resolve().parents[1].parent / "shared" / "data"]
    for c in candidates:
        if c and (Path(c) / "mnist" / "train-images-idx3-ubyte.gz").exists():
            return Path(c)
    pytest.skip("real MNIST not found: set MINIGAN_DATA_DIR to a folder holding "
                "mnist/*-ubyte.gz (CI points it at ../shared/data)")
