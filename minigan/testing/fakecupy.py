"""A NumPy-backed stand-in for CuPy: the GPU path checked where there is no GPU.

CuPy refuses much that NumPy accepts: a NumPy array mixed into its arithmetic, an implicit
copy to the host, a keyword it lacks. Code written and tested on NumPy alone meets those
refusals only on a GPU machine. This module wraps NumPy arrays in its own :class:`ndarray`
(not a subclass of ``numpy.ndarray``: a subclass cannot refuse ``np.asarray``), computes with
NumPy, and refuses what CuPy 14 refuses, with CuPy's exception types::

    import minigan as mg
    from minigan.testing import fakecupy as cp
    x = cp.asarray(np.ones((2, 3)))         # host -> "device", as cupy.asarray
    x + np.ones(3)                          # TypeError: Unsupported type <class 'numpy.ndarray'>
    np.asarray(x)                           # TypeError: Implicit conversion to a NumPy array ...
    cp.asnumpy(x), x.get(), float(x[0, 0])  # explicit copies: allowed, and counted in cp.syncs
    mg.backend.array_module(x) is cp        # True

Put in place of ``cupy`` (:func:`install`, the ``fake_cupy`` fixture of ``tests/conftest.py``,
or ``MINIGAN_FAKE_CUPY=1`` for a command line), ``backend.get("cupy")`` returns it, so
``--backend cupy`` runs on the CPU. Its names and signatures are the real CuPy 14.2 wheel's
(``cupy_api.txt`` beside this file, checked by ``tests/test_fakecupy.py``): what minigan uses is
written out below; every other array function and ufunc NumPy also has is lifted from NumPy by
:mod:`minigan.testing.cupy_names`; ``benchmarks/cupy_probe.py``
tries NumPy-first idioms on it and must print the same on real CuPy (``benchmarks/cupy_probe.expected``). What it refuses, rule by rule (CuPy's source in brackets):

* implicit conversion to NumPy: ``__array__`` raises; no ``__index__``, ``__contains__``,
  ``__imatmul__``; ``len``/iteration of a 0-d array raise  [core.pyx]
* NumPy arrays, lists and tuples in ufuncs and operators (a 0-d NumPy array is allowed in a
  comparison), a NumPy ``out=``, ``where=``, ``astype(casting=/subok=)``  [_kernel.pyx, _scalar.pyx]
* a non-scalar NumPy array or list assigned into an array  [_routines_indexing.pyx]
* ``np.func(array)`` where CuPy has no ``func`` of that name: NumPy raises "no implementation"
* random: only CuPy's ``Generator`` methods (no ``normal``, ``permutation``, ``choice``);
  ``bit_generator.state`` is a method; a seed is cut to 32 bits
  (``SeedSequence(seed).generate_state(1, uint32)[0]``), and the stream differs from NumPy's
  for the same seed, so no test can rely on CPU and GPU drawing the same numbers
* float-to-int casts of NaN, infinity or out-of-range values (CuPy and NumPy answer differently)

What it CANNOT catch, because it computes with NumPy on the CPU:

* numerics inside kernels: summation order, ``exp``/``log`` ulps, cuBLAS against OpenBLAS, TF32;
  dtype loops CuPy lacks; kernel compile (JIT) failures; races in Elementwise/Raw kernels
* out-of-bounds indices (CuPy wraps them silently, this raises) and duplicate indices in an
  assignment (undefined on CuPy)
* device memory (out of memory, the pool), streams, asynchronous copies, several GPUs,
  CUDA-graph capture, and speed beyond counts of syncs
* cuRAND's actual numbers and their statistical quality
* CuPy 13's value-based type promotion (this models CuPy 14, which follows NumPy 2)
* names CuPy has that have no NumPy twin (kernels, memory pools, FFT, legacy random functions):
  an ``AttributeError`` that says the *stand-in* lacks the name, so a right answer is never blamed
* functions lifted from NumPy follow NumPy's answers, not CuPy's where the two differ; and its own
  mistakes: the probe on a GPU bounds them

Device-to-host syncs (``.get()``, ``asnumpy``, ``.item()``, ``.tolist()``, ``float()``, ``int()``,
``bool()``, ``repr``/``str``/``format``) are counted in :data:`syncs` by kind; host-to-device
copies (``asarray`` of host data) in :data:`copies_to_device`.
"""
import builtins
import collections
import contextlib
import sys
import types

import numpy as np

__version__ = "14.2.0"  # the CuPy whose names and refusals this module mirrors

syncs = collections.Counter()              # device -> host waits, by kind ("get", "float", ...)
copies_to_device = collections.Counter()   # host -> device copies, by function


def sync_count():
    """The number of device-to-host syncs so far (all kinds)."""
    return builtins.sum(syncs.values())


def _sync(kind):
    syncs[kind] += 1


def _unsupported(value):
    return TypeError(f"Unsupported type {type(value)}")


# --- the array ------------------------------------------------------------------------------

class ndarray:
    """A "device" array: a NumPy array behind a wall that only explicit copies cross."""

    __slots__ = ("_a",)
    __hash__ = None

    def __init__(self, shape, dtype=float):
        self._a = np.empty(shape, dtype)

    # conversions CuPy refuses
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    # explicit conversions: each waits for the device
    def get(self, stream=None, order="C", out=None, blocking=True):
        _sync("get")
        host = np.array(self._a, order=order)
        if out is not None:
            out[...] = host
            return out
        return host

    def item(self):
        _sync("item")
        return self._a.item()

    def tolist(self):
        _sync("tolist")
        return self._a.tolist()

    def __float__(self):
        _sync("float")
        return float(self._a)

    def __int__(self):
        _sync("int")
        return int(self._a)

    def __complex__(self):
        _sync("complex")
        return complex(self._a)

    def __bool__(self):
        _sync("bool")
        return builtins.bool(self._a)

    def __repr__(self):
        _sync("repr")
        return repr(self._a)

    def __str__(self):
        _sync("str")
        return str(self._a)

    def __format__(self, spec):
        _sync("format")
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    # attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    itemsize = property(lambda self: self._a.itemsize)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: _wrap(self._a.T))
    flags = property(lambda self: self._a.flags)

    # methods (CuPy's signatures)
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        if casting is not None:
            raise TypeError("casting is not supported yet")
        if subok is not None:
            raise TypeError("subok is not supported yet")
        target = np.dtype(dtype)
        if target.kind in "iub" and self._a.dtype.kind == "f" and self._a.size:
            info = np.iinfo(target) if target.kind != "b" else None
            if info is not None and not (np.isfinite(self._a).all() and self._a.min() >= info.min
                                         and self._a.max() <= info.max):
                raise ValueError(f"fakecupy: casting NaN, infinity or out-of-range floats to {target} "
                                 "is undefined: CuPy and NumPy give different answers")
        return _wrap(self._a.astype(target, order=order, copy=copy))

    def copy(self, order="C"):
        return _wrap(self._a.copy(order=order))

    def reshape(self, *shape, order="C", copy=None):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if copy is None:   # NumPy 2.0's reshape has no copy= (2.1 added it)
            return _wrap(self._a.reshape(shape, order=order))
        return _wrap(self._a.reshape(shape, order=order, copy=copy))

    def ravel(self, order="C"):
        return _wrap(self._a.ravel(order))

    def flatten(self, order="C"):
        return _wrap(self._a.flatten(order))

    def transpose(self, *axes):
        return _wrap(self._a.transpose(*axes))

    def squeeze(self, axis=None):
        return _wrap(self._a.squeeze(axis))

    def swapaxes(self, axis1, axis2):
        return _wrap(self._a.swapaxes(axis1, axis2))

    def fill(self, value):
        self[...] = value

    def view(self, dtype=None, type=None):
        return _wrap(self._a.view() if dtype is None else self._a.view(dtype))

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return _reduce(self._a.sum, out, axis=axis, dtype=dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims=None):
        return _reduce(self._a.prod, out, axis=axis, dtype=dtype, keepdims=builtins.bool(keepdims))

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return _reduce(self._a.mean, out, axis=axis, dtype=dtype, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _reduce(self._a.var, out, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _reduce(self._a.std, out, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims=False):
        return _reduce(self._a.max, out, axis=axis, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims=False):
        return _reduce(self._a.min, out, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, out=None, dtype=None, keepdims=False):
        r = _reduce(self._a.argmax, out, axis=axis, keepdims=keepdims)
        return r if dtype is None else r.astype(dtype)

    def argmin(self, axis=None, out=None, dtype=None, keepdims=False):
        r = _reduce(self._a.argmin, out, axis=axis, keepdims=keepdims)
        return r if dtype is None else r.astype(dtype)

    def all(self, axis=None, out=None, keepdims=False):
        return _reduce(self._a.all, out, axis=axis, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False):
        return _reduce(self._a.any, out, axis=axis, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _reduce(self._a.cumsum, out, axis=axis, dtype=dtype)

    def clip(self, min=None, max=None, out=None):
        return clip(self, min, max, out)

    def dot(self, b, out=None):
        return dot(self, b, out)

    def nonzero(self):
        return tuple(_wrap(i) for i in self._a.nonzero())

    def round(self, decimals=0, out=None):
        return around(self, decimals, out)

    def repeat(self, repeats, axis=None):
        return _wrap(self._a.repeat(repeats, axis))

    # indexing: host keys are allowed (copied to the device), host values are not
    def __getitem__(self, key):
        key = _key(key)
        r = self._a[key]
        if not isinstance(r, np.ndarray):  # an element: CuPy gives a 0-d array, never a scalar
            r = np.asarray(r)
        return _wrap(r)

    def __setitem__(self, key, value):
        if isinstance(value, ndarray):
            value = value._a
        elif isinstance(value, np.ndarray) and value.ndim > 0:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        elif isinstance(value, (list, tuple)):
            raise ValueError(f"Unsupported type {type(value)}: assign a cupy.ndarray "
                             "(cupy.asarray(value)) or a scalar")
        self._a[_key(key)] = value

    # numpy's protocols: ufuncs and functions go to this module's, or are refused
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        mine = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or mine is None:
            return NotImplemented
        out = kwargs.pop("out", None)
        if isinstance(out, tuple):
            out = out[0] if len(out) == 1 else out
        return mine(*inputs, out=out, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        space = {"numpy": sys.modules[__name__], "numpy.linalg": linalg}.get(func.__module__)
        mine = getattr(space, func.__name__, None) if space is not None else None
        if not callable(mine) or isinstance(mine, type):
            return NotImplemented  # NumPy then raises "no implementation found", as with CuPy
        return mine(*args, **kwargs)


def _wrap(a):
    out = ndarray.__new__(ndarray)
    out._a = a if isinstance(a, np.ndarray) else np.asarray(a)
    return out


def _key(key):
    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, tuple):
        return tuple(k._a if isinstance(k, ndarray) else k for k in key)
    return key


def _reduce(method, out, **kwargs):
    if out is not None and not isinstance(out, ndarray):
        raise TypeError("Output argument type must be cupy.ndarray")
    with np.errstate(all="ignore"):
        r = method(out=None if out is None else out._a, **kwargs)
    return out if out is not None else _wrap(r)


# --- ufuncs and operators -------------------------------------------------------------------

_COMPARISONS = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
_SCALARS = (builtins.bool, int, float, complex, np.generic)


class ufunc:
    """A CuPy ufunc: CuPy arrays and scalars only; ``out`` a CuPy array; no ``where``."""

    def __init__(self, name):
        self.__name__ = name
        self._u = getattr(np, name)
        self.nin, self.nout, self.types = self._u.nin, self._u.nout, self._u.types

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    def __call__(self, *args, out=None, casting="same_kind", dtype=None):
        if len(args) == self.nin + 1:
            args, out = args[:-1], args[-1]
        if len(args) != self.nin:
            raise TypeError(f"Wrong number of arguments for {self.__name__}")
        ins = [self._operand(a) for a in args]
        if out is not None and not isinstance(out, ndarray):
            raise TypeError(f"Unsupported type {type(out)}")
        with np.errstate(all="ignore"):
            r = self._u(*ins, **({} if out is None else {"out": out._a}), casting=casting, dtype=dtype)
        if isinstance(r, tuple):  # divmod, frexp, modf: two arrays
            return tuple(_wrap(v) for v in r)
        return out if out is not None else _wrap(r)

    def _operand(self, a):
        if isinstance(a, ndarray):
            return a._a
        if isinstance(a, _SCALARS):
            return a
        if isinstance(a, np.ndarray) and a.ndim == 0 and self.__name__ in _COMPARISONS:
            return a[()]  # CuPy's workaround for numpy#12142
        raise _unsupported(a)


_UFUNC_NAMES = (
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "power",
    "negative", "positive", "absolute", "sign", "reciprocal", "square", "sqrt", "exp", "exp2",
    "expm1", "log", "log2", "log10", "log1p", "logaddexp", "tanh", "sinh", "cosh", "sin", "cos",
    "tan", "arctan", "arctan2", "maximum", "minimum", "fmax", "fmin", "isfinite", "isnan", "isinf",
    "signbit", "floor", "ceil", "rint", "trunc", *_COMPARISONS, "logical_and", "logical_or",
    "logical_not", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "invert")
_UFUNCS = {name: ufunc(name) for name in _UFUNC_NAMES}
globals().update(_UFUNCS)
abs = _UFUNCS["absolute"]  # noqa: A001 (CuPy's name)


def _binary(name, reflected=False, inplace=False):
    u = _UFUNCS[name]
    if inplace:
        return lambda self, other: u(self, other, out=self)
    if reflected:
        return lambda self, other: u(other, self)
    return lambda self, other: u(self, other)


for _op, _name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                   ("truediv", "true_divide"), ("floordiv", "floor_divide"), ("mod", "remainder"),
                   ("pow", "power"), ("and", "bitwise_and"), ("or", "bitwise_or"),
                   ("xor", "bitwise_xor")):
    setattr(ndarray, f"__{_op}__", _binary(_name))
    setattr(ndarray, f"__r{_op}__", _binary(_name, reflected=True))
    setattr(ndarray, f"__i{_op}__", _binary(_name, inplace=True))
for _op, _name in (("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"),
                   ("gt", "greater"), ("ge", "greater_equal")):
    setattr(ndarray, f"__{_op}__", _binary(_name))
ndarray.__neg__ = lambda self: _UFUNCS["negative"](self)
ndarray.__pos__ = lambda self: _UFUNCS["positive"](self)
ndarray.__abs__ = lambda self: _UFUNCS["absolute"](self)
ndarray.__invert__ = lambda self: _UFUNCS["invert"](self)
ndarray.__matmul__ = lambda self, other: matmul(self, other)
ndarray.__rmatmul__ = lambda self, other: matmul(other, self)


def _device(a, what="a"):
    """``a``'s NumPy array; anything but this module's array is refused as CuPy refuses it."""
    if isinstance(a, ndarray):
        return a._a
    raise _unsupported(a)


# --- functions (CuPy's signatures) ----------------------------------------------------------

def _to_device(a, dtype, copy, name):
    if isinstance(a, ndarray):
        return _wrap(a._a.astype(dtype, copy=builtins.bool(copy)) if dtype is not None
                     else (a._a.copy() if copy else a._a))
    copies_to_device[name] += 1
    host = np.array(a, dtype=dtype, copy=True)  # a list holding CuPy arrays raises (cupy#8389)
    return _wrap(host)


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    r = _to_device(obj, dtype, copy, "array")
    return _wrap(r._a.reshape((1,) * (ndmin - r.ndim) + r.shape)) if ndmin > r.ndim else r


def asarray(a, dtype=None, order=None, *, copy=None, blocking=False):
    return _to_device(a, dtype, builtins.bool(copy), "asarray")


def ascontiguousarray(a, dtype=None):
    r = _to_device(a, dtype, False, "ascontiguousarray")
    return _wrap(np.ascontiguousarray(r._a))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    if isinstance(a, ndarray):
        return a.get(stream, order, out, blocking)
    return np.asarray(a, order=order)


def get_array_module(*args):
    return sys.modules[__name__] if builtins.any(isinstance(a, ndarray) for a in args) else np


def zeros(shape, dtype=float, order="C"):
    return _wrap(np.zeros(shape, dtype, order))


def ones(shape, dtype=float, order="C"):
    return _wrap(np.ones(shape, dtype, order))


def empty(shape, dtype=float, order="C"):
    return _wrap(np.empty(shape, dtype, order))


def full(shape, fill_value, dtype=None, order="C"):
    if isinstance(fill_value, ndarray):
        fill_value = fill_value._a
    return _wrap(np.full(shape, fill_value, dtype, order))


def zeros_like(a, dtype=None, order="K", subok=None, shape=None):
    return _wrap(np.zeros_like(_device(a), dtype, order, shape=shape))


def ones_like(a, dtype=None, order="K", subok=None, shape=None):
    return _wrap(np.ones_like(_device(a), dtype, order, shape=shape))


def empty_like(prototype, dtype=None, order="K", subok=None, shape=None):
    return _wrap(np.empty_like(_device(prototype), dtype, order, shape=shape))


def full_like(a, fill_value, dtype=None, order="K", subok=None, shape=None):
    return _wrap(np.full_like(_device(a), fill_value, dtype, order, shape=shape))


def arange(start, stop=None, step=1, dtype=None):
    return _wrap(np.arange(start, stop, step, dtype) if stop is not None
                 else np.arange(start, step=step, dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    r = np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    return (_wrap(r[0]), r[1]) if retstep else _wrap(r)


def _join(np_join, tup, axis, out, dtype, casting):
    if not isinstance(tup, (list, tuple)):
        raise TypeError(f"Unsupported type {type(tup)}")
    arrays = [_device(a) for a in tup]  # CuPy: "Only cupy arrays can be concatenated"
    if out is not None and not isinstance(out, ndarray):
        raise TypeError(f"Unsupported type {type(out)}")
    r = np_join(arrays, axis=axis, out=None if out is None else out._a, dtype=dtype, casting=casting)
    return out if out is not None else _wrap(r)


def concatenate(tup, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return _join(np.concatenate, tup, axis, out, dtype, casting)


def stack(tup, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return _join(np.stack, tup, axis, out, dtype, casting)


def matmul(*args, axes=None, axis=None, keepdims=False, casting="same_kind", dtype=None,
           signature=None, order="K", out=None):
    a, b = (_device(x) for x in args[:2])
    if out is not None and not isinstance(out, ndarray):
        raise TypeError(f"Unsupported type {type(out)}")
    r = np.matmul(a, b, out=None if out is None else out._a, casting=casting, dtype=dtype)
    return out if out is not None else _wrap(r)


def dot(a, b, out=None):
    if out is not None and not isinstance(out, ndarray):
        raise TypeError("Output argument type must be cupy.ndarray")
    r = np.dot(_device(a), _device(b), out=None if out is None else out._a)
    return out if out is not None else _wrap(r)


def outer(a, b, out=None):
    return _wrap(np.outer(_device(a), _device(b)))


def where(condition, x=None, y=None):
    if (x is None) != (y is None):
        raise ValueError("Must provide both 'x' and 'y' or neither.")
    if x is None:
        return condition.nonzero()
    return _WHERE(condition.astype("?", copy=False), x, y)


class _Where(ufunc):
    def __init__(self):
        self.__name__, self.nin, self.nout = "where", 3, 1

    def __call__(self, c, x, y):
        ins = [self._operand(v) for v in (c, x, y)]
        return _wrap(np.where(*ins))


_WHERE = _Where()


def clip(a, a_min, a_max, out=None):
    if not isinstance(a, ndarray):
        raise _unsupported(a)
    with np.errstate(all="ignore"):
        r = np.clip(a._a, *(_WHERE._operand(v) if v is not None else None for v in (a_min, a_max)),
                    out=None if out is None else _device(out))
    return out if out is not None else _wrap(r)


def around(a, decimals=0, out=None):
    r = np.around(_device(a), decimals, out=None if out is None else _device(out))
    return out if out is not None else _wrap(r)


round = around  # noqa: A001 (CuPy's name)


def result_type(*arrays_and_dtypes):
    return np.result_type(*(a.dtype if isinstance(a, ndarray) else a for a in arrays_and_dtypes))


# CuPy's reductions call the array's method ("TODO(okuta): check type"): a list raises
# AttributeError, exactly as there.
def sum(a, axis=None, dtype=None, out=None, keepdims=False):  # noqa: A001
    return a.sum(axis, dtype, out, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    return a.prod(axis, dtype, out, keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    return a.mean(axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return a.var(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return a.std(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)


def amax(a, axis=None, out=None, keepdims=False):
    return a.max(axis=axis, out=out, keepdims=keepdims)


def amin(a, axis=None, out=None, keepdims=False):
    return a.min(axis=axis, out=out, keepdims=keepdims)


max, min = amax, amin  # noqa: A001 (CuPy's names)


def argmax(a, axis=None, dtype=None, out=None, keepdims=False):
    return a.argmax(axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def argmin(a, axis=None, dtype=None, out=None, keepdims=False):
    return a.argmin(axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def all(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _checked(a).all(axis=axis, out=out, keepdims=keepdims)


def any(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _checked(a).any(axis=axis, out=out, keepdims=keepdims)


def _checked(a):
    if not isinstance(a, ndarray):
        raise TypeError(f"Unsupported type {type(a)}")  # CuPy's _util.check_array
    return a


def cumsum(a, axis=None, dtype=None, out=None):
    return a.cumsum(axis, dtype, out)


def reshape(a, newshape, order="C", *, copy=None):
    return a.reshape(newshape, order=order, copy=copy)


def ravel(a, order="C"):
    return a.ravel(order)


def transpose(a, axes=None):
    return a.transpose(axes)


def squeeze(a, axis=None):
    return a.squeeze(axis)


def expand_dims(a, axis):
    return _wrap(np.expand_dims(_device(a), axis))


def broadcast_to(array, shape):
    return _wrap(np.broadcast_to(_device(array), shape))


def atleast_1d(*arys):
    r = [_wrap(np.atleast_1d(_device(a))) for a in arys]
    return r[0] if len(r) == 1 else r


def sort(a, axis=-1, kind=None):
    return _wrap(np.sort(_device(a), axis))


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True):
    r = np.unique(_device(ar), return_index, return_inverse, return_counts, axis)
    return tuple(_wrap(v) for v in r) if isinstance(r, tuple) else _wrap(r)


def count_nonzero(a, axis=None):
    return _wrap(np.count_nonzero(_device(a), axis))


def bincount(x, weights=None, minlength=None):
    _checked(x)  # CuPy refuses a host array here, like every function of its own
    w = None if weights is None else _device(weights, "weights")
    return _wrap(np.bincount(x._a, w, minlength=minlength or 0))


def take_along_axis(a, indices, axis):
    return _wrap(np.take_along_axis(_device(a), _device(indices), axis))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _wrap(np.asarray(np.allclose(_device(a), _device(b), rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False):
    return _wrap(np.asarray(np.array_equal(_device(a1), _device(a2), equal_nan)))


def ndim(a):
    return a.ndim


def shape(a):
    return a.shape


def size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


# dtypes and constants: CuPy uses NumPy's
bool = np.bool_  # noqa: A001 (CuPy 14's name; builtins.bool is used inside this module)
bool_, int8, int16, int32, int64 = np.bool_, np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float16, float32, float64, complex64, complex128 = (np.float16, np.float32, np.float64,
                                                    np.complex64, np.complex128)
dtype, inf, nan, pi, e, newaxis = np.dtype, np.inf, np.nan, np.pi, np.e, np.newaxis


# --- linalg ---------------------------------------------------------------------------------

linalg = types.ModuleType("cupy.linalg", "minigan.testing.fakecupy's cupy.linalg")


def _norm(x, ord=None, axis=None, keepdims=False):
    return _wrap(np.asarray(np.linalg.norm(_device(x), ord, axis, keepdims)))


_norm.__name__ = "norm"
linalg.norm = _norm


# --- random ---------------------------------------------------------------------------------

_STREAM_SALT = 0x66616B6563757079  # b"fakecupy": the stand-in's streams differ from NumPy's


class _XORWOW:
    """CuPy's default bit generator: its 32-bit seed, and ``state`` a *method* (a device pointer)."""

    def __init__(self, seed=None):
        if isinstance(seed, ndarray):
            seed = seed.get()
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._seed_seq = seq
        self._seed = seq.generate_state(1, np.uint32)[0]  # as cupy/random/_bit_generator.pyx
        self._np = np.random.Generator(np.random.PCG64([int(self._seed), _STREAM_SALT]))

    def state(self):
        return id(self)  # CuPy: the device address of the cuRAND states


class _Generator:
    """``cupy.random.Generator``: only the methods CuPy has (no ``normal``, ``permutation``,
    ``shuffle``, ``choice``); every draw is made "on the device"."""

    def __init__(self, bit_generator):
        self.bit_generator = bit_generator

    def _draw(self, method, size, dtype, out, floats=True):
        dtype = np.dtype(dtype)
        if floats and dtype not in (np.float32, np.float64):
            raise TypeError(f"Unsupported dtype {dtype.name} for {method}")
        if out is not None:
            if not isinstance(out, ndarray):
                raise TypeError(f"Unsupported type {type(out)}")
            if not out._a.flags.c_contiguous:
                raise ValueError("out must be C-contiguous")
            size, dtype = out.shape, out.dtype
        r = getattr(self.bit_generator._np, method)(size=size, dtype=dtype)
        if out is not None:
            out._a[...] = r
            return out
        return _wrap(np.asarray(r))

    def random(self, size=None, dtype=np.float64, out=None):
        return self._draw("random", size, dtype, out)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return self._draw("standard_normal", size, dtype, out)

    def standard_exponential(self, size=None, dtype=np.float64, method="inv", out=None):
        return self._draw("standard_exponential", size, dtype, out)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=np.float64):
        u = self._draw("random", size, dtype, None)
        return _wrap((low + (high - low) * u._a).astype(dtype, copy=False))

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return _wrap(np.asarray(self.bit_generator._np.integers(low, high, size, dtype, endpoint)))


def _default_rng(seed=None):
    if isinstance(seed, _Generator):
        return seed
    if isinstance(seed, _XORWOW):
        return _Generator(seed)
    return _Generator(_XORWOW(seed))


random = types.ModuleType("cupy.random", "minigan.testing.fakecupy's cupy.random")
_default_rng.__name__ = "default_rng"
_Generator.__name__ = _Generator.__qualname__ = "Generator"  # minigan.rng looks for this name
_XORWOW.__name__ = _XORWOW.__qualname__ = "XORWOW"
random.default_rng, random.Generator, random.XORWOW = _default_rng, _Generator, _XORWOW


# --- cuda: one "device" ---------------------------------------------------------------------

cuda = types.ModuleType("cupy.cuda", "minigan.testing.fakecupy's cupy.cuda")
cuda.runtime = types.ModuleType("cupy.cuda.runtime")
cuda.runtime.getDeviceCount = lambda: 1
cuda.runtime.deviceSynchronize = lambda: None
cuda.runtime.runtimeGetVersion = lambda: 0
cuda.is_available = lambda: True


class _Device:
    def __init__(self, device=None):
        self.id = 0

    def synchronize(self):
        pass


cuda.Device = _Device


# --- every other name of real CuPy: NumPy's, lifted onto these arrays, or said to be lacking ---

from .cupy_names import complete as _complete  # noqa: E402  (it builds on all of the above)

_complete(sys.modules[__name__])


# --- installing it as "cupy" ----------------------------------------------------------------

MODULES = {"cupy": sys.modules[__name__], "cupy.random": random, "cupy.linalg": linalg,
           "cupy.cuda": cuda, "cupy.cuda.runtime": cuda.runtime}


def install():
    """Put this module in place of ``cupy`` (``import cupy`` then gives it), for good."""
    sys.modules.update(MODULES)


@contextlib.contextmanager
def installed():
    """``with fakecupy.installed(): ...``: this module is ``cupy`` inside, the old one after."""
    old = {k: sys.modules.get(k) for k in MODULES}
    install()
    try:
        yield sys.modules[__name__]
    finally:
        for k, v in old.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v

