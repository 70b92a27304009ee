"""Backends: the same layers on NumPy (CPU) and CuPy (GPU).

The ``gpu`` tests run only where CuPy finds a GPU (``tests/conftest.py`` skips them elsewhere).
"""
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.layers import Dropout, LeakyReLU, Linear, Maxout, ReLU, Sequential, Sigmoid, Tanh


def test_numpy_backend_is_numpy():
    assert backend.get("numpy") is np


def test_cupy_backend_without_cupy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)      # "import cupy" now fails, as without CuPy
    with pytest.raises(RuntimeError) as error:
        backend.get("cupy")
    assert 'pip install "minigan[gpu]"' in str(error.value)


def test_unknown_backend_raises_value_error():
    with pytest.raises(ValueError, match="tensorflow"):
        backend.get("tensorflow")


def test_layers_on_a_missing_cupy_raise_the_same_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(RuntimeError, match="minigan\\[gpu\\]"):
        Linear(3, 2, backend="cupy")


def test_to_numpy_of_a_numpy_array_is_that_array():
    a = np.arange(6.0).reshape(2, 3)
    assert backend.to_numpy(a) is a
    assert backend.array_module(a) is np


def test_default_rng_with_the_same_seed_gives_the_same_numbers():
    assert np.array_equal(backend.default_rng(5).random(10), backend.default_rng(5).random(10))
    assert not np.array_equal(backend.default_rng(5).random(10), backend.default_rng(6).random(10))
    seq = np.random.SeedSequence([5, 1])
    assert np.array_equal(backend.default_rng(seq).standard_normal(4),
                          backend.default_rng(np.random.SeedSequence([5, 1])).standard_normal(4))


# --- on the GPU ----------------------------------------------------------------------------

DETERMINISTIC_LAYERS = {
    "Linear": lambda b: Linear(6, 5, rng=0, backend=b, dtype="float64"),
    "ReLU": lambda b: ReLU(),
    "LeakyReLU": lambda b: LeakyReLU(0.1),
    "Sigmoid": lambda b: Sigmoid(),
    "Tanh": lambda b: Tanh(),
    "Maxout": lambda b: Maxout(6, 4, 3, irange=0.5, rng=1, backend=b, dtype="float64"),
    "Sequential": lambda b: Sequential(
        Maxout(6, 4, 3, irange=0.5, rng=1, backend=b, dtype="float64"),
        Linear(4, 5, irange=0.5, rng=2, backend=b, dtype="float64"), ReLU(),
        Linear(5, 3, rng=3, backend=b, dtype="float64"), Tanh(),
        Linear(3, 6, rng=4, backend=b, dtype="float64"), LeakyReLU(0.1), Sigmoid()),
}


@pytest.mark.gpu
@pytest.mark.parametrize("name", DETERMINISTIC_LAYERS)
def test_layer_on_cupy_matches_numpy(name):
    cp = backend.get("cupy")
    rng = np.random.default_rng(0)
    x = rng.uniform(-40, 40, (7, 6)) if name in ("Sigmoid", "Tanh") else rng.standard_normal((7, 6))
    on_cpu, on_gpu = DETERMINISTIC_LAYERS[name]("numpy"), DETERMINISTIC_LAYERS[name]("cupy")

    y = on_cpu.forward(x)
    y_gpu = on_gpu.forward(cp.asarray(x))
    dy = rng.standard_normal(y.shape)
    dx = on_cpu.backward(dy)
    dx_gpu = on_gpu.backward(cp.asarray(dy))

    assert isinstance(y_gpu, cp.ndarray) and isinstance(dx_gpu, cp.ndarray)
    assert np.allclose(backend.to_numpy(y_gpu), y, rtol=1e-10, atol=1e-10)
    assert np.allclose(backend.to_numpy(dx_gpu), dx, rtol=1e-10, atol=1e-10)
    for k in on_cpu.params:
        assert isinstance(on_gpu.params[k], cp.ndarray) and isinstance(on_gpu.grads[k], cp.ndarray)
        assert np.allclose(backend.to_numpy(on_gpu.params[k]), on_cpu.params[k], rtol=0, atol=0)
        assert np.allclose(backend.to_numpy(on_gpu.grads[k]), on_cpu.grads[k], rtol=1e-10,
                           atol=1e-10), k


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_on_cupy_draws_its_mask_on_the_gpu_and_reuses_it(dtype):
    cp = backend.get("cupy")
    layer = Dropout(0.5, seed=0, backend="cupy")
    x = cp.ones((200, 100), dtype=dtype)
    y = layer.forward(x)
    dx = layer.backward(x)
    assert isinstance(y, cp.ndarray) and y.dtype == dtype
    assert abs(float((y == 0).mean()) - 0.5) < 0.02
    assert bool(cp.all(dx == y))                          # backward reuses forward's mask
    assert bool(cp.all(layer.forward(x, train=False) == x))


@pytest.mark.gpu
def test_gan_step_on_cupy_runs_and_returns_finite_values():
    cp = backend.get("cupy")
    G = Sequential(Linear(4, 16, rng=0, backend="cupy"), ReLU(),
                   Linear(16, 8, rng=1, backend="cupy"), Sigmoid())
    D = Sequential(Dropout(0.2, seed=2, backend="cupy"), Maxout(8, 6, 3, rng=3, backend="cupy"),
                   Linear(6, 1, rng=4, backend="cupy"))
    gan = mg.gan.GAN(G, D, z_dim=4)
    x_real = cp.asarray(np.random.default_rng(5).uniform(0, 1, (16, 8)).astype(np.float32))
    for _ in range(3):
        stats = gan.step(x_real)
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert np.isfinite(float(stats[name])), name
    assert isinstance(gan.sample(5), cp.ndarray)


@pytest.mark.gpu
def test_to_numpy_of_a_cupy_array_copies_it_to_the_host():
    cp = backend.get("cupy")
    a = cp.arange(6.0).reshape(2, 3)
    host = backend.to_numpy(a)
    assert isinstance(host, np.ndarray)
    assert np.array_equal(host, np.arange(6.0).reshape(2, 3))
    assert backend.array_module(a) is cp
