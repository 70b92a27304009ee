"""The CuPy stand-in refuses what CuPy refuses, each against the NumPy-first idiom it mirrors,
and exposes only names and keywords that the real CuPy 14.2 wheel has (minigan/testing/cupy_api.txt)."""
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan.testing import fakecupy as cp

API = Path(cp.__file__).with_name("cupy_api.txt")


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


# --- every name of real CuPy: offered, or said to be the stand-in's gap (issues 26 and 29) ----

LACKS = "the stand-in lacks it"
ELEMENTWISE_DOMAIN = {"arccosh": 1.5, "acosh": 1.5}   # where 0.25 is outside a ufunc's domain


def _names(space):
    return sorted(n.rpartition(".")[2] for n in _real_api() if n.rpartition(".")[0] == space)


@pytest.mark.parametrize("space", ["cupy", "cupy.linalg", "cupy.ndarray", "cupy.random",
                                   "cupy.random.Generator", "cupy.cuda.runtime"])
def test_every_name_of_real_cupy_is_offered_or_said_to_be_the_stand_ins_gap(space):
    owner = {"cupy": cp, "cupy.linalg": cp.linalg, "cupy.ndarray": cp.ones((2, 2)),
             "cupy.random": cp.random, "cupy.random.Generator": cp.random.default_rng(0),
             "cupy.cuda.runtime": cp.cuda.runtime}[space]
    offered, lacking = [], []
    for name in _names(space):
        if name.startswith("__"):
            continue
        for _ in range(2):   # the same answer twice
            try:
                getattr(owner, name)
            except AttributeError as err:
                assert LACKS in str(err) and f"{space}.{name}" in str(err), (name, str(err))
                lacking.append(name)
            else:
                offered.append(name)
    assert offered or space == "cupy.cuda.runtime"
    if space == "cupy":   # lacking only what NumPy cannot stand for: CuPy's own, or a submodule
        from minigan.testing import cupy_names
        stand_ins = [n for n in set(lacking) if hasattr(np, n) and not isinstance(getattr(np, n), type(np))
                     and n not in cupy_names.NOT_IMITATED]
        assert not stand_ins, f"NumPy has these, the stand-in says it lacks them: {sorted(stand_ins)}"
        assert {"arctanh", "median", "Inf", "float_", "trapz", "fix"} <= set(offered)


def test_every_array_function_and_ufunc_numpy_also_has_is_offered():
    from minigan.testing import cupy_names
    api = _real_api()
    missing = []
    for qualified, (kind, _) in api.items():
        space, _, name = qualified.rpartition(".")
        home = {"cupy": np, "cupy.linalg": np.linalg}.get(space)
        if home is None or kind not in ("function", "ufunc") or name in cupy_names.NOT_IMITATED:
            continue
        if hasattr(home, name) and not isinstance(getattr(home, name), type(np)):
            try:
                getattr(cp if space == "cupy" else cp.linalg, name)
            except AttributeError:
                missing.append(qualified)
    assert not missing, f"CuPy and NumPy both have these, the stand-in does not: {missing}"
    assert len([n for n, (k, _) in api.items() if k == "ufunc" and hasattr(cp, n.split(".")[1])]) \
        == len([n for n, (k, _) in api.items() if k == "ufunc"])


def test_a_name_cupy_lacks_too_gets_cupys_own_error_not_the_gap_message():
    for owner, name in ((cp, "errstate"), (cp.random.default_rng(0), "normal"), (cp.ones(2), "nothing"),
                        (cp.linalg, "expm")):
        with pytest.raises(AttributeError) as err:
            getattr(owner, name)
        assert LACKS not in str(err.value)


def _ufunc_inputs(name, types):
    """Inputs for ufunc ``name`` in the first of its loops that is float64, float32, int64 or bool."""
    loops = [t.split("->")[0] for t in types.removeprefix("types=").split(",") if "->" in t]
    for code in "dflq?":
        loop = next((lp for lp in loops if set(lp) == {code}), None)
        if loop is not None:
            break
    else:
        return None
    dtype = np.dtype(code)
    base = {"f": [0.25, 0.5, 0.75], "i": [1, 2, 3], "b": [True, False, True]}[dtype.kind]
    start = ELEMENTWISE_DOMAIN.get(name, 0)
    return [np.asarray([v + start * (dtype.kind == "f") + i for v in base], dtype) for i in range(len(loop))]


def test_every_ufunc_of_cupy_computes_what_numpy_computes_and_refuses_a_numpy_array():
    api = _real_api()
    checked = 0
    for qualified, (kind, sig) in sorted(api.items()):
        if kind != "ufunc" or qualified.count(".") != 1:
            continue
        name = qualified.split(".")[1]
        line = next(line for line in API.read_text().splitlines() if line.startswith(qualified + "\t"))
        inputs = _ufunc_inputs(name, line.split("\t")[3] if line.count("\t") >= 3 else "")
        if inputs is None:
            continue
        mine = getattr(cp, name)(*(cp.asarray(x) for x in inputs))
        numpys = getattr(np, name)(*inputs)
        for m, n in zip(mine if isinstance(mine, tuple) else (mine,), numpys if isinstance(numpys, tuple) else (numpys,)):
            assert isinstance(m, cp.ndarray), name
            np.testing.assert_allclose(m.get(), n, rtol=1e-12, equal_nan=True, err_msg=name)
        with pytest.raises(TypeError, match="Unsupported type"):
            getattr(cp, name)(*inputs)   # a NumPy array, as CuPy refuses it
        checked += 1
    assert checked >= 100


SAMPLE_CALLS = [   # (function, arguments as host arrays): each compared with NumPy's answer
    ("median", (np.arange(7.0),)), ("percentile", (np.arange(7.0), 25)), ("argsort", (np.array([3, 1, 2]),)),
    ("cumprod", (np.arange(1, 5),)), ("diff", (np.array([1.0, 4.0, 9.0]),)), ("trace", (np.eye(3),)),
    ("einsum", ("ij,jk->ik", np.eye(2), np.arange(4.0).reshape(2, 2))), ("tril", (np.ones((3, 3)),)),
    ("nanmean", (np.array([1.0, np.nan, 3.0]),)), ("isclose", (np.ones(2), np.array([1.0, 2.0]))),
    ("searchsorted", (np.array([1, 3, 5]), np.array([2, 4]))), ("roll", (np.arange(4), 1)),
    ("take", (np.arange(5) * 2, np.array([0, 3]))), ("pad", (np.ones(2), 1)), ("kron", (np.eye(2), np.ones((1, 2)))),
    ("tensordot", (np.ones((2, 3)), np.ones((3, 2)), 1)), ("vstack", ([np.ones(2), np.zeros(2)],)),
    ("histogram", (np.array([0.1, 0.4, 0.5, 0.9]), 2)), ("meshgrid", (np.arange(2), np.arange(3))),
    ("split", (np.arange(6), 3)), ("average", (np.arange(4.0),)), ("cov", (np.array([[1.0, 2.0, 4.0]]),)),
    ("eye", (3,)), ("identity", (2,)), ("logspace", (0, 2, 3)), ("arctanh", (np.array([0.0, 0.5]),)),
    ("moveaxis", (np.ones((2, 3)), 0, 1)), ("unique_counts", (np.array([1, 1, 2]),)),
]


@pytest.mark.parametrize("name,args", SAMPLE_CALLS, ids=[c[0] for c in SAMPLE_CALLS])
def test_functions_lifted_from_numpy_answer_as_numpy_with_device_arrays(name, args):
    def device(a):
        if isinstance(a, np.ndarray):
            return cp.asarray(a)
        return [device(v) for v in a] if isinstance(a, list) else a

    def host(r):
        if isinstance(r, cp.ndarray):
            return r.get()
        return [host(v) for v in r] if isinstance(r, (list, tuple)) else r
    mine = getattr(cp, name)(*map(device, args))
    expected = getattr(np, name)(*args)
    leaves = mine if isinstance(mine, (list, tuple)) else [mine]
    assert all(isinstance(v, cp.ndarray) for v in leaves), (name, mine)
    for m, e in zip(host(leaves), expected if isinstance(mine, (list, tuple)) else [expected]):
        np.testing.assert_allclose(m, e, equal_nan=True)
    if any(isinstance(a, np.ndarray) for a in args):
        with pytest.raises(TypeError, match="Unsupported type"):
            getattr(cp, name)(*args)   # host arrays refused, as CuPy refuses them


def test_lifted_functions_take_only_cupys_keywords_and_methods_and_linalg_follow():
    x = cp.asarray(np.array([1.0, 2.0, 4.0]))
    with pytest.raises(TypeError, match="cupy.nanmean"):
        cp.nanmean(x, where=x > 0)          # NumPy has where=, CuPy does not
    with pytest.raises(TypeError, match="cupy.median"):
        cp.median(x, nonsense=1)
    assert float(x.cumprod()[-1]) == 8.0 and int(x.argsort()[0]) == 0
    s = cp.linalg.svd(cp.asarray(np.diag([3.0, 2.0])))
    assert isinstance(s.S, cp.ndarray) and np.allclose(s.S.get(), [3.0, 2.0])
    assert np.allclose(cp.linalg.inv(cp.asarray(np.diag([2.0, 4.0]))).get(), np.diag([0.5, 0.25]))
    with pytest.raises(TypeError, match="Unsupported type"):
        cp.linalg.inv(np.eye(2))
    assert np.isclose(float(np.median(x)), 2.0)   # NumPy's function dispatches to the stand-in's


def test_a_right_logit_written_with_arctanh_is_accepted_on_the_stand_in(capsys):
    """Issue 26: the GPU chapter's check refused this right answer, because the stand-in lacked
    ``arctanh``; a wrong one is still refused."""
    from minigan.exercises import CheckFailed, check_logit

    def with_arctanh(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        return 2 * xp.arctanh(2 * xp.clip(p, eps, 1 - eps) - 1)

    def wrong(p, eps=1e-7):
        xp = mg.backend.array_module(p)
        return xp.arctanh(2 * xp.clip(p, eps, 1 - eps) - 1)   # half the logit
    for _ in range(2):
        check_logit(with_arctanh)
        assert "correct" in capsys.readouterr().out
        with pytest.raises(CheckFailed):
            check_logit(wrong)


def test_lifted_functions_count_their_copies_and_syncs(fake_cupy):
    x = fake_cupy.asarray(np.arange(3.0))
    fake_cupy.copies_to_device.clear()
    y = fake_cupy.asfortranarray(np.ones((2, 2)))           # host data to the device: allowed, counted
    assert isinstance(y, fake_cupy.ndarray) and fake_cupy.copies_to_device["asfortranarray"] == 1
    before = fake_cupy.sync_count()
    assert "1." in fake_cupy.array_str(x) and x.tobytes() == np.arange(3.0).tobytes()
    assert fake_cupy.sync_count() == before + 2
    fake_cupy.median(x), fake_cupy.cumprod(x)                 # computed on the "device": no sync
    assert fake_cupy.sync_count() == before + 2
