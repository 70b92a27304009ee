"""Shared test fixtures: where real data lives (found as the library finds it), and the GPU tests on real CuPy or its stand-in.

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


def _data_dir_holding(name):
    """The data folder the library reads (``$MINIGAN_DATA_DIR``, else the download folder
    ``~/.cache/minigan``) once it holds all of data set ``name``, read and checksummed in full.
    Absent: the test skips, saying where it looked and how to get the data. Present but broken
    (truncated, foreign): the test fails in one line naming the file, as the command lines do."""
    from minigan import data
    named = os.environ.get("MINIGAN_DATA_DIR")
    root = data.resolve_dir()
    where = f"MINIGAN_DATA_DIR={named}" if named else f"{root} (the download folder)"
    if named and not root.is_dir():
        pytest.skip(f"needs {name}: MINIGAN_DATA_DIR={named} is not a folder; point it at the folder "
                    f"holding {name}/, or unset it to use ~/.cache/minigan")
    if name not in _CHECKED:
        try:
            for split in ("train", "test"):
                data.load(name, split, download=False)
            _CHECKED[name] = None
        except data.MissingData:
            _CHECKED[name] = (f"needs {name}, not found in {where}: run `python -m minigan.download "
                              f"{name}` (or set MINIGAN_DATA_DIR to a folder holding {name}/)")
        except data.DataError as err:
            _CHECKED[name] = err
    found = _CHECKED[name]
    if isinstance(found, str):
        pytest.skip(found)
    if found is not None:
        pytest.fail(f"{where} holds a broken {name}: {found}", pytrace=False)
    return root


_CHECKED = {}   # data set -> None (good), a skip reason, or the DataError: each read once a session


@pytest.fixture(scope="session")
def data_dir_holding():
    """``data_dir_holding("fashion-mnist")``: the data folder, checked to hold that data set
    (see :func:`_data_dir_holding`), for tests that need more than MNIST."""
    return _data_dir_holding


@pytest.fixture(scope="session")
def shared_data_dir():
    """The data folder holding real MNIST, found as the library finds it (``$MINIGAN_DATA_DIR``,
    else ``~/.cache/minigan``, where the first command downloads it); tests using it skip with
    the download command when MNIST is absent. CI sets MINIGAN_DATA_DIR; no test knows a path."""
    return _data_dir_holding("mnist")
