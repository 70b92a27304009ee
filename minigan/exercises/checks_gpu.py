"""The check of lesson 9, code that runs on the GPU: an answer written once for NumPy and CuPy,
judged on NumPy, on the CuPy stand-in (:mod:`minigan.testing.fakecupy`) and on CuPy itself where
there is a GPU, and read for NumPy reached any other way (``np.f(p)``, ``xp = np``, ``from numpy
import clip``), from its source, its compiled code's global names, and the NumPy calls NumPy hands
the stand-in's arrays while it runs."""
import ast
import inspect
import textwrap

import numpy as np

from ..backend import array_module, to_numpy
from .grading import _exercise, expect_shape
from .guards import unchanged


# Lesson 9 -------------------------------------------------------------------------------------

def _stand_in():
    """Array modules other than NumPy to run a backend-agnostic answer on: CuPy when there is a
    GPU, and the CuPy stand-in (which refuses NumPy calls as CuPy does) when it exists."""
    modules = []
    try:
        from ..testing import fakecupy
        modules.append(fakecupy)
    except ImportError:
        pass
    try:
        from ..backend import get
        modules.append(get("cupy"))
    except RuntimeError:
        pass
    return modules


def _numpy_in_source(fn, allowed=("eps",)):
    """What in ``fn``'s code reaches NumPy for array work, as written: calls ``np.f(...)`` that
    take one of its arrays (any name but ``allowed``), ``xp = np``, ``import numpy`` inside it,
    and global names that are NumPy's functions (``from numpy import clip``). Read from the
    source where it can be read, and from the compiled code's global names always."""
    found = []
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        tree = None
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")):
            names = {n.id for a in [*node.args, *(k.value for k in node.keywords)]
                     for n in ast.walk(a) if isinstance(n, ast.Name)}
            if names - {"np", "numpy", *allowed}:
                found.append(f"{ast.unparse(node)} calls NumPy on an array")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Name) \
                and node.value.id in ("np", "numpy"):
            found.append(f"`{ast.unparse(node)}` makes every xp call a NumPy call")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (getattr(node, "module", None) or a.name).split(".")[0] == "numpy" for a in node.names):
            found.append(f"`{ast.unparse(node)}` brings NumPy's functions in")
    codes, names = [getattr(fn, "__code__", None)], set()
    while codes:
        code = codes.pop()
        if code is not None:
            names.update(code.co_names)
            codes.extend(c for c in code.co_consts if inspect.iscode(c))
    space = getattr(fn, "__globals__", {})
    for name in sorted(names):
        value = space.get(name)
        if isinstance(value, np.ufunc) or callable(value) and not isinstance(value, type) and \
                not inspect.ismodule(value) and (getattr(value, "__module__", None) or "").split(".")[0] == "numpy":
            found.append(f"`{name}` is NumPy's {getattr(value, '__name__', name)} (from numpy import "
                         f"{name}): take it from xp instead")
    return found


_OPERATORS = {"add", "subtract", "multiply", "true_divide", "divide", "floor_divide", "power",
              "negative", "positive", "remainder", "matmul", "less", "less_equal", "greater",
              "greater_equal", "equal", "not_equal", "absolute", "invert", "bitwise_and",
              "bitwise_or", "bitwise_xor", "logical_not"}


class _NumpyOnDevice:
    """While active, records every NumPy function NumPy hands a stand-in array to (its
    ``__array_function__`` and ``__array_ufunc__``, arithmetic operators aside): what CuPy
    would run too, but what the exercise's rule forbids."""

    def __init__(self, xp):
        # only the stand-in's class can take a patch (NumPy's and CuPy's are built-in types)
        self.kind = getattr(xp, "ndarray", None) if xp.__name__.endswith("fakecupy") else None
        self.calls = []

    def __enter__(self):
        kind = self.kind
        if kind is None or not hasattr(kind, "__array_function__"):
            return self
        self._saved = kind.__array_function__, kind.__array_ufunc__
        function, ufunc = self._saved

        def array_function(a, func, types, args, kwargs):
            self.calls.append(f"np.{func.__name__}")
            return function(a, func, types, args, kwargs)

        def array_ufunc(a, uf, method, *inputs, **kwargs):
            if uf.__name__ not in _OPERATORS:
                self.calls.append(f"np.{uf.__name__}")
            return ufunc(a, uf, method, *inputs, **kwargs)

        kind.__array_function__, kind.__array_ufunc__ = array_function, array_ufunc
        return self

    def __exit__(self, *exc):
        if hasattr(self, "_saved"):
            self.kind.__array_function__, self.kind.__array_ufunc__ = self._saved


@_exercise("Backend-agnostic logit")
def check_logit(logit, *, hidden, guard):
    """Lesson 9: ``logit(p, eps)`` reaches NumPy for no array work (read from its code, and
    watched while it runs on the CuPy stand-in), and on NumPy and every other array module
    available (:func:`_stand_in`: the stand-in, and CuPy on a GPU) returns an array of ``p``'s
    backend and dtype (float32 and float64), finite at 0 and 1, with ``sigmoid(logit(p))`` giving
    back ``p`` clipped to ``[eps, 1 - eps]``, for the default eps and others, and p of several
    shapes."""
    found = _numpy_in_source(logit)
    assert not found, (
        f"{found[0]}: take xp = mg.backend.array_module(p) and use xp's functions (xp.clip, "
        "xp.log), so that the code runs wherever p lives")
    rng = np.random.default_rng([11, hidden])
    base = np.concatenate([[0.0, 1.0, 0.5, 1e-9, 1 - 1e-9], rng.random(50)])
    cases = [(base.astype(np.float32), None), (base.astype(np.float64), 1e-3),
             (np.array([0.25], dtype=np.float32), 1e-5),
             (rng.random((3, 4)).astype(np.float64), None)]
    cases += [(rng.random(7).astype(np.float32), 0.1), (np.array([0.0, 1.0]), 1e-12)] if hidden else []
    gaps = set()
    for p, eps in cases:
        guard.case = f"p {p.dtype} of shape {p.shape}, eps={eps}"
        args, e = ((p,), 1e-7) if eps is None else ((p, eps), eps)
        for xp in [np] + _stand_in():
            where = f" on {xp.__name__}" if xp is not np else ""
            where += f" (p {p.dtype} of shape {p.shape}" + (f", eps={eps:g})" if eps else ")")
            with _NumpyOnDevice(xp) as seen:
                try:
                    l = unchanged(logit, (xp.asarray(args[0].copy()), *args[1:]), ("p", "eps"))
                except AttributeError as err:
                    name = getattr(err, "name", None)
                    if xp is np or getattr(err, "obj", None) is not xp or not hasattr(np, name or "_"):
                        raise
                    gaps.add(f"xp.{name}")
                    continue
            assert not seen.calls, (
                f"{seen.calls[0]} ran on p's device array{where}: NumPy handed it on, as it would "
                "to CuPy, but the exercise's rule is every function from xp = "
                "mg.backend.array_module(p) (is xp = np, or a function imported from numpy?)")
            expect_shape(l, p.shape, f"logit(p){where}")
            assert array_module(l) is xp, (
                f"logit of a {xp.__name__} array should be a {xp.__name__} array, got "
                f"{type(l).__module__}.{type(l).__name__}: take xp = mg.backend.array_module(p) and use "
                "xp.clip, xp.log, never np.")
            assert l.dtype == p.dtype, f"keep p's dtype{where}: expected {p.dtype}, got {l.dtype}"
            l = to_numpy(l).astype(np.float64)
            assert np.all(np.isfinite(l)), (f"logit(0) and logit(1) must be finite{where}: clip p to "
                                            "[eps, 1 - eps] first")
            q = np.clip(p.astype(np.float64), e, 1 - e)
            tol = (1e-5, 1e-7) if p.dtype == np.float32 else (1e-9, 1e-13)
            back = 1 / (1 + np.exp(-l))
            assert np.allclose(back, q, rtol=tol[0], atol=tol[1]), (
                f"sigmoid(logit(p)) should give back p clipped to [eps, 1 - eps]{where}: "
                f"logit(p) = log(p) - log(1 - p); for p = {p.ravel()[:4]} it gives {back.ravel()[:4]}")
    if gaps:
        print(f"(the CuPy stand-in lacks {', '.join(sorted(gaps))}, which NumPy has: the stand-in's "
              "gap, not a mistake of yours; your answer was judged without the stand-in)")
