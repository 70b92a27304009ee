"""What a check guards against, besides a wrong value: an answer that changes the arrays it is
handed, a notebook that rebinds what the check relies on (``np.allclose = ...``,
``mg.figures.nearest_neighbours = mine``), and an answer that calls the library's own answer to
the exercise it is meant to write.

* :func:`sealed` runs a check with NumPy's public names and the library's functions and classes
  as installed, whatever the notebook rebound, and puts the notebook's bindings back afterwards.
  NumPy's originals are found in the modules that define them (``numpy._core.numeric``, ...),
  which a notebook does not rebind; the library's are taken when :mod:`minigan.exercises` is
  imported (a name rebound before that first import is beyond a check running in the same
  kernel, as are attacks on the kernel itself: reading the check's frame, exception hooks).
* :func:`refusing` makes named library functions (``"minigan.layers:Tanh.backward"``) refuse to
  run while a check runs the student's code, under every name they may have been imported as:
  the refusal keys on where the function's code is written, not on a name.
* :func:`unchanged` hands the answer the check's own arrays and verifies afterwards that they hold
  what they held before.
"""
import ast
import contextlib
import importlib.util
import sys
import types

import numpy as np
import numpy.linalg  # noqa: F401 (imported so that its names are sealed too)
import numpy.random  # noqa: F401


class Refused(BaseException):
    """Raised inside a library function the exercise asks the student to write (BaseException, so
    that an answer's ``except Exception`` cannot hide it; the check records the call anyway)."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


# NumPy ---------------------------------------------------------------------------------------

def _numpy_originals(target):
    """``{name: object}`` for ``target``'s public names (numpy, numpy.linalg, numpy.random), each
    taken from the NumPy module that defines or re-exports it rather than from ``target``."""
    public = {n for n in vars(target) if not n.startswith("_")}
    found = {}
    for module_name, module in list(sys.modules.items()):
        if (module is target or not module_name.startswith("numpy")
                or not isinstance(module, types.ModuleType)):
            continue
        for name, value in list(vars(module).items()):
            if name in public:
                found.setdefault(name, []).append(value)
    originals = {}
    for name in public:
        current, candidates = getattr(target, name), found.get(name, [])
        sub = sys.modules.get(f"{target.__name__}.{name}")
        if sub is not None:
            originals[name] = sub
        elif any(c is current for c in candidates):
            originals[name] = current
        elif candidates:       # rebound before this import: the defining module still has it
            named = [c for c in candidates if getattr(c, "__name__", None) == name]
            originals[name] = (named or candidates)[0]
    return originals


_NUMPY = {module: _numpy_originals(module) for module in (np, np.linalg, np.random)}
_LIBRARY = {}   # filled by seal(): {module or class: {name: object}}


def _callable_entries(space):
    return {k: v for k, v in vars(space).items()
            if isinstance(v, (types.FunctionType, types.ModuleType, type, staticmethod,
                              classmethod, property)) or callable(v)}


def seal():
    """Record the library's functions and classes (every loaded ``minigan`` module, and the
    methods of its classes) as :func:`sealed` will restore them. Called once, when
    :mod:`minigan.exercises` is imported."""
    for name, module in list(sys.modules.items()):
        if not (name == "minigan" or name.startswith("minigan.")) or not isinstance(module, types.ModuleType):
            continue
        _LIBRARY[module] = _callable_entries(module)
        for value in list(vars(module).values()):
            if isinstance(value, type) and getattr(value, "__module__", "") == name:
                _LIBRARY[value] = {k: v for k, v in vars(value).items()
                                   if isinstance(v, (types.FunctionType, staticmethod, classmethod, property))}


@contextlib.contextmanager
def sealed():
    """Inside: NumPy and the library as installed (see the module's docstring); afterwards, the
    notebook's own bindings exactly as they were."""
    swapped = []
    for table in (_NUMPY, _LIBRARY):
        for space, originals in list(table.items()):
            current = vars(space)
            for name, value in originals.items():
                now = current.get(name, _MISSING)
                if now is not value:
                    swapped.append((space, name, now))
                    setattr(space, name, value)
    try:
        yield
    finally:
        for space, name, value in reversed(swapped):
            if value is _MISSING:
                delattr(space, name)
            else:
                setattr(space, name, value)


_MISSING = object()


def reseal():
    """Restore what the answer itself rebound while the check ran it (``checks._close = ...``
    inside an answer); the notebook's own bindings from before the check come back at its end."""
    for table in (_NUMPY, _LIBRARY):
        for space, originals in list(table.items()):
            current = vars(space)
            for name, value in originals.items():
                if current.get(name, _MISSING) is not value:
                    setattr(space, name, value)


# The library's own answer --------------------------------------------------------------------

_WHERE = {}   # "minigan.layers:Tanh.backward" -> (file, first line of its code)


def _where(target):
    """The file and first line of the function ``target`` (``"module:Qual.name"``), read from
    the module's source, so that no rebinding of a name can move it."""
    if target not in _WHERE:
        module, qualname = target.split(":")
        path = importlib.util.find_spec(module).origin
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        body, node = tree.body, None
        for part in qualname.split("."):
            node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                         and n.name == part), None)
            if node is None:       # not (or no longer) in the library: nothing to refuse
                _WHERE[target] = None
                return None
            body = node.body
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        _WHERE[target] = (path, first)
    return _WHERE[target]


def shown(target):
    """``"minigan.layers:Tanh.backward"`` as a student writes it: ``mg.layers.Tanh.backward``."""
    module, qualname = target.split(":")
    return f"mg.{module.removeprefix('minigan.')}.{qualname}"


_ACTIVE = None   # the refusing() of the check now running


class refusing:
    """While active, each function of ``targets`` raises :class:`Refused` when called (from any
    name), and ``self.called`` lists those that were. :meth:`paused` lets the check run the
    library itself (its reference computation)."""

    def __init__(self, targets):
        self.targets = {_where(t): t for t in targets if _where(t) is not None}
        self.called = []
        self.case = None      # the input the check is on, named in a crash's message

    def _hook(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            target = self.targets.get((code.co_filename, code.co_firstlineno))
            if target is not None:
                self.called.append(target)
                raise Refused(target)

    def __enter__(self):
        global _ACTIVE
        self._previous, self._outer = sys.getprofile(), _ACTIVE
        _ACTIVE = self
        if self.targets:
            sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc):
        global _ACTIVE
        _ACTIVE = self._outer
        sys.setprofile(self._previous)

    def watching(self):
        """Whether the watch is still on (an answer may have called ``sys.setprofile``)."""
        return not self.targets or sys.getprofile() == self._hook

    @contextlib.contextmanager
    def paused(self):
        sys.setprofile(self._previous)
        try:
            yield
        finally:
            if self.targets:
                sys.setprofile(self._hook)


# Inputs --------------------------------------------------------------------------------------

def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    inner = getattr(value, "_a", None)      # the CuPy stand-in keeps its NumPy array in ._a
    if isinstance(inner, np.ndarray):
        return inner.copy()
    return None


def _changed(value, before):
    now = value if isinstance(value, np.ndarray) else getattr(value, "_a", None)
    if now is None or now.shape != before.shape or now.dtype != before.dtype:
        return "its shape or dtype"
    same = (now == before) | ((now != now) & (before != before))
    if bool(same.all()):
        return None
    i = tuple(int(k) for k in np.argwhere(~same)[0])
    return f"entry {list(i)} was {before[i]!r:.12}, is now {now[i]!r:.12}"


def unchanged(answer, args, names):
    """``answer(*args)``, then a failure naming the first argument the answer changed in place."""
    before = [_snapshot(a) for a in args]
    out = answer(*args)
    reseal()
    if _ACTIVE is not None and not _ACTIVE.watching():
        raise AssertionError("your answer turned off the check's watch over the library's own answer "
                             "(sys.setprofile): the exercise is to write it, not to hide the call")
    for name, value, old in zip(names, args, before):
        if old is not None:
            what = _changed(value, old)
            if what:
                raise AssertionError(
                    f"your answer changed its argument `{name}` in place ({what}): the caller's "
                    "array must stay as it was; compute on new arrays (or a copy), never write "
                    "into the inputs (no +=, out=, in-place shuffle or clip on them)")
    return out
