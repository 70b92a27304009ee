"""The CuPy stand-in refuses what CuPy refuses, each against the NumPy-first idiom it mirrors,
and exposes only names and keywords that the real CuPy 14.2 wheel has (tests/data/cupy_api.txt)."""
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan.testing import fakecupy as cp

API = Path(__file__).parent / "data" / "cupy_api.txt"


def _real_api():
    """{qualified name: (kind, parameter names or None)} of the real CuPy wheel."""
    api = {}
    for line in API.read_text().splitlines():
        if line.startswith("#"):
            continue
        name, kind, sig = (line.split("\t") + ["", ""])[:3]
        params = None
        if sig.startswith("("):
            inner = sig[1:sig.rindex(")")]
            params = {p.split("=")[0].split(":")[0].strip().lstrip("*").split()[-1]
                      for p in inner.split(",") if p.strip() and p.strip() not in ("/", "*")}
        api[name] = (kind, params)
    return api


def _public(space, obj, api):
    for n in dir(obj):
        if n.startswith("_") or n in ("install", "installed", "MODULES", "syncs", "sync_count",
                                      "copies_to_device", "ufunc"):
            continue
        value = getattr(obj, n)
        if space == "cupy" and isinstance(value, type(np)):
            continue  # submodules are checked on their own
        yield f"{space}.{n}", value


def test_every_name_of_the_stand_in_is_in_real_cupy_with_its_keywords():
    api = _real_api()
    spaces = {"cupy": cp, "cupy.linalg": cp.linalg, "cupy.random": cp.random,
              "cupy.ndarray": cp.ndarray, "cupy.random.Generator": cp.random.Generator}
    checked = 0
    for space, obj in spaces.items():
        for name, value in _public(space, obj, api):
            if space == "cupy.random" and name.endswith(("Generator", "XORWOW")):
                assert name in api, name
                continue
            assert name in api, f"{name}: the stand-in has a name real CuPy 14.2 lacks"
            params = api[name][1]
            if isinstance(value, cp.ufunc):
                assert api[name][0] == "ufunc", name
            elif callable(value) and not isinstance(value, type) and params is not None:
                mine = {p for p in inspect.signature(value).parameters if p != "self"}
                assert mine <= params | {"self"}, f"{name}: keywords {mine - params} not in CuPy"
            checked += 1
    assert checked > 100


def test_real_cupy_lacks_what_the_stand_in_refuses():
    api = _real_api()
    for missing in ("cupy.errstate", "cupy.random.Generator.normal",
                    "cupy.random.Generator.permutation", "cupy.random.Generator.choice",
                    "cupy.ndarray.__index__", "cupy.ndarray.__contains__"):
        assert missing not in api, missing
    assert "initial" not in api["cupy.ndarray.max"][1]


def test_stand_in_arrays_belong_to_the_stand_in():
    x = cp.asarray(np.ones((2, 3)))
    assert mg.backend.array_module(x) is cp
    assert mg.backend.name(x) == "cupy" and mg.backend.name(np.ones(2)) == "numpy"
    assert not isinstance(x, np.ndarray)
    assert np.array_equal(mg.backend.to_numpy(x), np.ones((2, 3)))


@pytest.mark.parametrize("idiom", [
    lambda x: np.asarray(x), lambda x: np.array(x), lambda x: np.float32(x[0, 0]),
])
def test_implicit_conversion_to_numpy_is_refused(idiom):
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        idiom(cp.ones((2, 3)))


@pytest.mark.parametrize("idiom", [
    lambda x: x + np.ones(3), lambda x: np.ones(3) * x, lambda x: cp.maximum(x, np.zeros(3)),
    lambda x: x - [1.0, 2.0, 3.0], lambda x: cp.concatenate([x, np.ones((1, 3))]),
    lambda x: cp.multiply(x, 2.0, out=np.empty((2, 3))), lambda x: np.add(x, 1.0, out=np.empty((2, 3)))])
def test_numpy_arrays_mixed_into_arithmetic_are_refused(idiom):
    with pytest.raises(TypeError):
        idiom(cp.ones((2, 3)))


def test_what_cupy_accepts_is_accepted():
    x = cp.ones((2, 3), dtype=cp.float32)
    assert (x * np.float32(2)).dtype == np.float32            # NumPy scalars are scalars
    assert bool((x > np.array(0.5)).all())                    # 0-d NumPy array in a comparison
    y = cp.empty((2, 6), dtype=cp.float32)
    cp.multiply(x, 3.0, out=y[:, ::2])                         # a strided out
    assert float(y[0, 0]) == 3.0
    assert isinstance(np.mean(x), cp.ndarray)                  # dispatched to cupy.mean
    assert math.isclose(float(np.linalg.norm(x)), math.sqrt(6), rel_tol=1e-6)
    assert (x + cp.float64(1)).dtype == np.float64             # NumPy 2 promotion, as CuPy 14
    w = cp.zeros(3, dtype=cp.uint8)
    w += cp.ones(3, dtype=cp.bool_)
    assert w.dtype == np.uint8 and int(w.sum()) == 3


def test_reductions_and_elements_are_zero_d_arrays_not_scalars():
    x = cp.arange(6.0).reshape(2, 3)
    assert isinstance(x.sum(), cp.ndarray) and x.sum().shape == ()
    assert isinstance(x[1, 2], cp.ndarray)


def test_kwargs_and_methods_cupy_lacks_are_refused():
    x = cp.ones((2, 3))
    with pytest.raises(TypeError):
        x.max(initial=0)
    with pytest.raises(TypeError):
        cp.add(x, 1, where=x > 0)
    with pytest.raises(TypeError, match="casting"):
        x.astype(cp.float32, casting="unsafe")
    with pytest.raises(AttributeError):
        cp.errstate
    with pytest.raises(AttributeError):
        cp.random.default_rng(0).normal(size=3)
    with pytest.raises(AttributeError):
        cp.random.default_rng(0).permutation(5)
    with pytest.raises(AttributeError):
        cp.min([1, 2, 3])                                      # as CuPy: it calls a.min


def test_host_values_cannot_be_assigned_but_host_keys_can_index():
    x = cp.zeros((2, 3))
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        x[...] = np.ones((2, 3))
    x[...] = cp.asarray(np.ones((2, 3)))
    x[0, 0] = 5.0
    assert float(x[np.array([0]), 0][0]) == 5.0
    with pytest.raises(TypeError):
        np.arange(5)[cp.asarray(np.array([1, 2]))]


def test_zero_d_arrays_have_no_index_len_or_contains():
    s = cp.asarray(np.array(3))
    with pytest.raises(TypeError):
        range(s)
    with pytest.raises(TypeError):
        len(s)
    with pytest.raises(ValueError):
        2.0 in cp.ones((2, 3))


def test_undefined_float_to_int_casts_are_refused():
    with pytest.raises(ValueError, match="undefined"):
        cp.asarray(np.array([np.nan, 1.0])).astype(cp.int32)
    assert int(cp.asarray(np.array([1.7])).astype(cp.int32)[0]) == 1


def test_seeds_are_cut_to_32_bits_and_streams_differ_from_numpys():
    a = cp.random.default_rng(2**40 + 7).random(5)
    assert np.array_equal(a.get(), cp.random.default_rng(2**40 + 7).random(5).get())
    seq = np.random.SeedSequence(123)
    word = int(seq.generate_state(1, np.uint32)[0])

    class SameWord(np.random.SeedSequence):  # another seed with the same first 32-bit word
        def generate_state(self, n_words, dtype=np.uint32):
            return np.array([word], np.uint32)
    b = cp.random.default_rng(SameWord(999)).random(5)
    assert np.array_equal(cp.random.default_rng(seq).random(5).get(), b.get())
    assert not np.allclose(np.random.default_rng(123).random(5), cp.random.default_rng(123).random(5).get())
    g = cp.random.default_rng(0)
    assert callable(g.bit_generator.state)                     # a method, as on CuPy
    assert g.random((3,), dtype=cp.float32).dtype == np.float32


def test_syncs_are_counted_by_kind(fake_cupy):
    x = fake_cupy.ones((2, 3))
    y = x * 2 + 1                                             # no sync
    assert fake_cupy.sync_count() == 0
    float(y[0, 0]), bool(y.all()), y.get(), fake_cupy.asnumpy(y), y.sum().item(), str(y)
    assert dict(fake_cupy.syncs) == {"float": 1, "bool": 1, "get": 2, "item": 1, "str": 1}


def test_the_fixture_and_the_env_var_put_it_in_place_of_cupy(fake_cupy, monkeypatch):
    import cupy
    assert cupy is fake_cupy and mg.backend.get("cupy") is fake_cupy
    monkeypatch.delitem(__import__("sys").modules, "cupy")
    monkeypatch.setenv("MINIGAN_FAKE_CUPY", "1")
    assert mg.backend.get("cupy") is fake_cupy


def test_the_probe_on_the_stand_in_prints_what_real_cupy_prints():
    """benchmarks/cupy_probe.expected holds real CuPy's answers (from its source; checked on a GPU
    by benchmarks/gpu_check.py); the stand-in must give the same, twice."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    expected = (root / "benchmarks" / "cupy_probe.expected").read_text()
    for _ in range(2):
        done = subprocess.run([sys.executable, str(root / "benchmarks" / "cupy_probe.py"), "--fake"],
                              capture_output=True, text=True, timeout=60, cwd=root)
        assert done.returncode == 0, done.stderr
        assert done.stdout == expected
    assert expected.count(": ok") >= 15 and expected.count(": TypeError") >= 15
