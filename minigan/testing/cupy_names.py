"""The rest of real CuPy's names for the stand-in, :mod:`minigan.testing.fakecupy`.

The stand-in writes out by hand what minigan uses and every refusal of CuPy it imitates. Every
other name of real CuPy 14.2 (``cupy_api.txt`` beside this file, written from the real wheel by
``tests/data/make_cupy_api.py``) is filled in here, by one rule per kind:

* a **ufunc** NumPy also has: the stand-in's ``ufunc`` over NumPy's (CuPy arrays and scalars only);
* a **function** (or an array method, or a ``cupy.linalg`` function) NumPy also has: NumPy's, run
  on the arrays behind the stand-in's, answering with stand-in arrays (a NumPy scalar becomes a 0-d
  array, as CuPy answers). A NumPy array given to it is refused with CuPy's ``TypeError``, except by
  the functions that copy host data to the device; a keyword CuPy lacks is refused (each function
  carries CuPy's signature);
* a name CuPy keeps from NumPy 1 (``alltrue``, ``product``, ``trapz``, ``Inf``, ``float_``): what
  it stood for;
* anything else (kernels, memory pools, streams, FFT, the legacy random functions, a function that
  calls back into Python with host arrays): ``AttributeError`` saying that the *stand-in* lacks the
  name, not the code that asked for it.

:func:`complete` is called once, at the end of the stand-in; it imports nothing of the stand-in.
"""
import functools
import inspect
from pathlib import Path

import numpy as np

API = Path(__file__).with_name("cupy_api.txt")

# CuPy functions that copy host data to the device: they take NumPy arrays.
HOST_DATA = {"asanyarray", "asarray_chkfinite", "asfortranarray", "require", "copy", "frombuffer",
             "fromfile", "fromiter", "fromstring", "genfromtxt", "load", "loadtxt", "from_dlpack"}
# They read device data out to the host (a file, bytes, text): each is a device-to-host sync.
TO_HOST = {"array2string", "array_repr", "array_str", "save", "savez", "savez_compressed", "savetxt",
           "tobytes", "tofile", "dump", "dumps"}
# NumPy has them, but run on the stand-in they would call back into Python with host arrays
# (CuPy passes device arrays, or compiles a kernel): better missing than wrong.
NOT_IMITATED = {"apply_along_axis", "apply_over_axes", "piecewise", "fromfunction", "vectorize",
                "broadcast", "flatiter", "poly1d", "c_", "r_", "mgrid", "ogrid"}
# Names CuPy keeps from NumPy 1, which NumPy 2 dropped: what each stood for.
NUMPY1 = {"alltrue": np.all, "sometrue": np.any, "product": np.prod, "cumproduct": np.cumprod,
          "round_": np.round, "trapz": getattr(np, "trapezoid", None) or np.trapz,   # NumPy 1: trapz only
          "msort": lambda a: np.sort(a, axis=0),
          "in1d": lambda ar1, ar2, assume_unique=False, invert=False:
              np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert).ravel(),
          "cfloat": np.complex128, "complex_": np.complex128, "float_": np.float64,
          "singlecomplex": np.complex64}
NUMPY1_VALUES = {"Inf": np.inf, "Infinity": np.inf, "infty": np.inf, "PINF": np.inf,
                 "NINF": -np.inf, "NaN": np.nan, "NAN": np.nan, "PZERO": 0.0, "NZERO": -0.0}


def read_api(path=API):
    """``{qualified name: (kind, signature text)}`` of real CuPy, from ``cupy_api.txt``."""
    api = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        name, kind, sig = (line.split("\t") + ["", ""])[:3]
        api[name] = (kind, sig)
    return api


class _Default:
    """A default value as CuPy's signature writes it (shown, never used)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _split(inner):
    """The parameters of a signature's text, split at the commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(inner):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [p.strip() for p in parts if p.strip()]


def signature(text):
    """An ``inspect.Signature`` from CuPy's signature text, or None when it is unknown (``?``)."""
    if not text.startswith("(") or ")" not in text:
        return None
    P = inspect.Parameter
    params, kind = [], P.POSITIONAL_OR_KEYWORD
    try:
        for token in _split(text[1:text.rindex(")")]):
            if token == "/":
                params = [p.replace(kind=P.POSITIONAL_ONLY) for p in params]
                continue
            if token == "*":
                kind = P.KEYWORD_ONLY
                continue
            name, eq, default = token.partition("=")
            name = name.split(":")[0].split()[-1]  # Cython writes "int axis=-1"
            if name.startswith("**"):
                params.append(P(name[2:], P.VAR_KEYWORD))
            elif name.startswith("*"):
                params.append(P(name[1:], P.VAR_POSITIONAL))
                kind = P.KEYWORD_ONLY
            else:
                params.append(P(name, kind, default=_Default(default.strip()) if eq else P.empty))
        return inspect.Signature(params)
    except ValueError:  # a docstring's signature that is not Python: accept what NumPy accepts
        return None


def complete(cp):
    """Fill stand-in module ``cp`` (and its ``linalg``, ``random``, ``cuda`` and ``ndarray``) with
    the rest of real CuPy's names, by the rules of this module's docstring."""
    api = read_api()
    wrap, device_array = cp._wrap, cp.ndarray

    def to_host(value, name, host_data):
        if isinstance(value, device_array):
            return value._a
        if isinstance(value, np.ndarray) and value.ndim > 0 and not host_data:
            raise TypeError(f"Unsupported type {type(value)}")  # as CuPy: move it with cupy.asarray
        if isinstance(value, (list, tuple)):
            return type(value)(to_host(v, name, host_data) for v in value)
        return value

    def to_device(value):
        if isinstance(value, np.ndarray):
            return wrap(value)
        if isinstance(value, np.generic):  # CuPy answers a 0-d array, never a NumPy scalar
            return wrap(np.asarray(value))
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # svd, unique_all, ...
            return type(value)(*(to_device(v) for v in value))
        if isinstance(value, (list, tuple)):
            return type(value)(to_device(v) for v in value)
        return value

    def lift(name, np_function, qualified, host_data=False):
        sig = signature(api[qualified][1])

        @functools.wraps(np_function, assigned=("__name__", "__doc__"))
        def function(*args, **kwargs):
            if sig is not None:
                try:
                    sig.bind(*args, **kwargs)
                except TypeError as err:  # a keyword CuPy lacks, or too many arguments: as on CuPy
                    raise TypeError(f"{qualified}(): {err}") from None
            if host_data and args and not isinstance(args[0], device_array):
                cp.copies_to_device[name] += 1
            if name in TO_HOST:
                cp._sync(name)
            with np.errstate(all="ignore"):
                return to_device(np_function(*to_host(args, name, host_data),
                                             **{k: to_host(v, name, host_data) for k, v in kwargs.items()}))
        function.__qualname__ = name
        function.__signature__ = sig if sig is not None else inspect.signature(lambda *args, **kwargs: None)
        function.__module__ = cp.__name__
        return function

    def method(name, qualified):
        sig = signature(api[qualified][1])

        def call(self, *args, **kwargs):
            if sig is not None:
                try:
                    sig.bind(*((self,) if "self" in sig.parameters else ()), *args, **kwargs)
                except TypeError as err:
                    raise TypeError(f"{qualified}(): {err}") from None
            if name in TO_HOST:
                cp._sync(name)
            with np.errstate(all="ignore"):
                return to_device(getattr(self._a, name)(*to_host(args, name, False),
                                                        **{k: to_host(v, name, False) for k, v in kwargs.items()}))
        call.__name__ = call.__qualname__ = name
        if sig is not None:
            call.__signature__ = sig
        return call

    class Elementwise(cp.ufunc):
        """CuPy's ufuncs that NumPy writes as plain functions (``fix``, ``i0``, ``sinc``)."""

        def __init__(self, name, np_function):
            self.__name__, self._f, self.nin, self.nout, self.types = name, np_function, 1, 1, []

        def __call__(self, x, out=None, casting="same_kind", dtype=None):
            if out is not None and not isinstance(out, device_array):
                raise TypeError(f"Unsupported type {type(out)}")
            with np.errstate(all="ignore"):
                r = np.asarray(self._f(self._operand(x)), dtype=dtype)
            if out is None:
                return wrap(r)
            out._a[...] = r
            return out

    for qualified, (kind, _) in sorted(api.items()):
        space, _, name = qualified.rpartition(".")
        if space == "cupy" and not hasattr(cp, name):
            value = _cupy_name(name, kind, qualified, lift, Elementwise, cp)
            if value is not None:
                setattr(cp, name, value)
                if isinstance(value, cp.ufunc):
                    cp._UFUNCS.setdefault(value.__name__, value)
        elif space == "cupy.linalg" and not hasattr(cp.linalg, name) and hasattr(np.linalg, name):
            value = getattr(np.linalg, name)
            setattr(cp.linalg, name, value if isinstance(value, type) else lift(name, value, qualified))
        elif (space == "cupy.ndarray" and kind == "function" and not name.startswith("_")
              and not hasattr(device_array, name) and callable(getattr(np.ndarray, name, None))):
            setattr(device_array, name, method(name, qualified))
    for attribute in ("real", "imag", "mT", "base"):  # properties of CuPy's array
        if not hasattr(device_array, attribute):
            setattr(device_array, attribute, property(lambda self, a=attribute: to_device(getattr(self._a, a))))

    for op, name in (("lshift", "left_shift"), ("rshift", "right_shift")):
        setattr(device_array, f"__{op}__", cp._binary(name))
        setattr(device_array, f"__r{op}__", cp._binary(name, reflected=True))
        setattr(device_array, f"__i{op}__", cp._binary(name, inplace=True))
    device_array.__divmod__ = lambda self, other: cp.divmod(self, other)
    device_array.__rdivmod__ = lambda self, other: cp.divmod(other, self)

    for module, space in ((cp, "cupy"), (cp.linalg, "cupy.linalg"), (cp.random, "cupy.random"),
                          (cp.cuda, "cupy.cuda"), (cp.cuda.runtime, "cupy.cuda.runtime")):
        module.__getattr__ = _lacking(space, api)
    device_array.__getattr__ = _lacking("cupy.ndarray", api, instance=True)
    cp.random.Generator.__getattr__ = _lacking("cupy.random.Generator", api, instance=True)


def _cupy_name(name, kind, qualified, lift, elementwise, cp):
    """The stand-in's value for top-level CuPy name ``name``, or None to leave it lacking."""
    if name in NOT_IMITATED:
        return None
    if name in NUMPY1_VALUES:
        return NUMPY1_VALUES[name]
    if name in NUMPY1:
        value = NUMPY1[name]
        return value if isinstance(value, type) else lift(name, value, qualified)
    if name == "fuse":  # CuPy's fused kernel computes what the plain function computes
        return lambda *args, **kwargs: args[0] if args and callable(args[0]) else (lambda f: f)
    if name == "is_available":
        return lambda: True
    for home in (np, np.exceptions):
        value = getattr(home, name, None)
        if value is not None:
            break
    else:
        value = getattr(np.lib.npyio, name, None) if name == "DataSource" else None
    if value is None or isinstance(value, type(np)):
        return None  # CuPy's own (kernels, memory pools) or a submodule (fft, testing): lacking
    if kind == "ufunc":
        return cp.ufunc(name) if isinstance(value, np.ufunc) else elementwise(name, value)
    if kind == "function" and callable(value) and not isinstance(value, type):
        return lift(name, value, qualified, host_data=name in HOST_DATA)
    return value  # a type (float32, finfo, AxisError) or a value (euler_gamma, s_) CuPy shares


def _lacking(space, api, instance=False):
    """A module's (or a class's) ``__getattr__``: a name real CuPy has but the stand-in does not
    raises an AttributeError that says so; any other name, CuPy's own AttributeError."""
    def __getattr__(*args):
        name = args[-1]
        if f"{space}.{name}" in api and not name.startswith("__"):
            raise AttributeError(
                f"{space}.{name} exists in CuPy 14.2, but minigan's CuPy stand-in "
                "(minigan.testing.fakecupy, which runs the GPU path on the CPU) does not imitate it: "
                "the stand-in lacks it, your code is not wrong for using it. It runs on a real GPU; "
                "to check it here, write it with the functions the stand-in has, or add it to "
                "minigan/testing/cupy_names.py.")
        owner = f"'{space.rsplit('.', 1)[-1]}' object" if instance else f"module '{space}'"
        raise AttributeError(f"{owner} has no attribute {name!r}")
    return __getattr__
