"""Shared test fixtures: where real data lives, and skipping GPU tests without a GPU."""
import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]  # runs a student's own test file, to see what they would see


def _cupy_usable():
    try:
        from minigan import backend
        backend.get("cupy")
        return True
    except RuntimeError:
        return False


def pytest_collection_modifyitems(config, items):
    if any("gpu" in item.keywords for item in items) and not _cupy_usable():
        skip = pytest.mark.skip(reason="needs CuPy and an NVIDIA GPU (pip install \"minigan[gpu]\")")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


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
