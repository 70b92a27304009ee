"""How a check judges and speaks: :func:`check` turns a wrong answer into one message
(:class:`CheckFailed`), a crash in the student's code into its error and line, and an untouched
stub into "not attempted yet"; :func:`course_data` gives a chapter its data set or one line
saying how to get it. The checks themselves are in :mod:`minigan.exercises.checks` (lessons 1, 2, 4),
:mod:`~minigan.exercises.checks_training` (5-8) and its siblings (``checks_theory``: 3, ``checks_gpu``: 9,
``checks_section7``: 10)."""
import contextlib
import dis
import functools
import inspect
import sys
import traceback
from pathlib import Path

import numpy as np

from . import guards


class NotAttempted(Exception):
    """Raised by a stub the student has not filled in yet (see :func:`check`)."""


class CheckFailed(AssertionError):
    """A wrong answer. Its message says what is wrong and where to look; in Jupyter that message
    is all that is shown (``_render_traceback_``), and the cell still fails, stopping "Run all"."""

    def _render_traceback_(self):
        return [f"\x1b[0;31m{line}\x1b[0m" for line in str(self).splitlines()]


_LIBRARY = str(Path(__file__).resolve().parents[1])  # the minigan package
_PYTHON = tuple({str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _students_frames(err):
    """The frames of ``err``'s traceback in the student's code: neither this library nor Python's
    own (the standard library, NumPy and the rest of site-packages)."""
    return [f for f in traceback.extract_tb(err.__traceback__)
            if not str(Path(f.filename).resolve()).startswith((_LIBRARY, *_PYTHON))]


def _where(err):
    """`` (at line 3 of your code: return dy @ W)``: the last line of the student's code that
    ``err`` went through; empty if there is none."""
    frames = _students_frames(err)
    if not frames:
        return ""
    f = frames[-1]
    return f" (at line {f.lineno} of your code: {f.line.strip()})" if f.line else f" (at line {f.lineno})"


def _untouched_stub(err):
    """Whether ``err`` is the untouched stub's: a bare ``NotImplementedError()`` raised by a
    function of the student's whose whole body is ``raise NotImplementedError()`` (a docstring and
    comments aside). Read from the function's compiled code, so it holds for a function typed at
    a prompt too; a partial answer, or one that raises ``NotImplementedError("TODO")``, is not."""
    if not isinstance(err, NotImplementedError) or err.args:
        return False
    tb = err.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if str(Path(code.co_filename).resolve()).startswith((_LIBRARY, *_PYTHON)):
        return False
    arguments = (code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS)
                 + bool(code.co_flags & inspect.CO_VARKEYWORDS))
    if code.co_names != ("NotImplementedError",) or code.co_varnames[arguments:]:
        return False
    return {i.opname for i in dis.get_instructions(code)} <= _STUB_OPS


_STUB_OPS = {"RESUME", "NOP", "CACHE", "LOAD_GLOBAL", "LOAD_NAME", "PUSH_NULL", "PRECALL", "CALL",
             "CALL_FUNCTION", "RAISE_VARARGS", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST",
             "COPY_FREE_VARS", "MAKE_CELL", "GEN_START"}


@contextlib.contextmanager
def check(title, hidden=False, refuse=()):
    """Run a check's body: print ``title: correct``, or ``title: not attempted yet`` when the
    body hits the untouched stub (only that: any other ``NotImplementedError`` is "not finished",
    a failure); a wrong answer (an AssertionError), or an error raised by the student's code,
    becomes :class:`CheckFailed` with one message starting with ``title``.

    With ``hidden=True`` (a grading run: nbgrader's hidden tests) an untouched stub is a failure
    too, so that it scores 0 points instead of passing as a cell that did not raise. Inside, NumPy
    and the library are as installed whatever the notebook rebound (:func:`.guards.sealed`), the
    library functions named in ``refuse`` refuse to run (:class:`.guards.refusing`, which the
    context manager yields), and NumPy's floating-point warnings are silenced: the check judges
    the values. What the student's code prints is shown as printed; the verdict is the check's
    own last line, or its exception, never anything the student's code printed."""
    guard = guards.refusing(refuse)
    try:
        with guards.sealed(), np.errstate(all="ignore"), guard:
            yield guard
    except guards.Refused:
        pass                      # reported below, from guard.called
    except (NotImplementedError, NotAttempted) as err:
        if not guard.called:
            if isinstance(err, NotAttempted) or _untouched_stub(err):
                if hidden:
                    raise CheckFailed(f"{title}: not attempted (0 points: replace "
                                      "`raise NotImplementedError()` with your code)") from None
                print(f"{title}: not attempted yet (replace `raise NotImplementedError()` with your code)")
                return
            said = f"({err.args[0]!r})" if len(err.args) == 1 else repr(err.args) if err.args else "()"
            raise CheckFailed(f"{title}: not finished: your code raised NotImplementedError{said}"
                              f"{_where(err)}; only the untouched stub (a body that is just `raise "
                              "NotImplementedError()`) counts as not attempted: finish the answer, or "
                              "put the stub back to skip it for now") from None
    except AssertionError as err:
        if not guard.called:
            last = traceback.extract_tb(err.__traceback__)[-1:]
            if last and last[0] not in _students_frames(err):   # the check's verdict
                raise CheckFailed(f"{title}: {err}") from None
            raise CheckFailed(f"{title}: an assert of your code failed: {err}{_where(err)}") from None
    except Exception as err:  # the student's code crashed: say where, without the library's frames
        if not guard.called:
            case = f"; the input: {guard.case}" if guard.case else ""
            raise CheckFailed(f"{title}: your code raised {type(err).__name__}: {err}"
                              f"{_where(err)}{case}") from None
    if guard.called:
        raise CheckFailed(f"{title}: your answer calls {guards.shown(guard.called[0])}, the "
                          "library's own answer to this exercise; the exercise asks you to write "
                          "it (the check refuses that function while it runs your code; every "
                          "other library function is yours to use)")
    print(f"{title}: correct")


def _exercise(title, refuse=()):
    """Make ``body(*answers, hidden=..., guard=...)`` a check: run inside :func:`check`
    (``title``; the library functions ``refuse``, ``"module:Qual.name"``, refuse to run),
    returning None. The check takes a keyword-only ``hidden=False``: ``True`` (a grader's hidden
    test) judges a larger family of inputs and fails on an untouched stub. Its ``refuses``
    attribute lists those functions as a student writes them."""
    def wrap(body):
        @functools.wraps(body)
        def run(*answers, hidden=False, **options):
            with check(title, hidden=hidden, refuse=refuse) as guard:
                body(*answers, hidden=bool(hidden), guard=guard, **options)
        run.refuses = tuple(guards.shown(t) for t in refuse)
        return run
    return wrap


FORGOT_RETURN = "None: did you forget the return?"  # what an answer without a return gives back


def expect_shape(value, shape, what="your answer"):
    """Fail with the expected and actual shapes unless ``value`` has shape ``shape``."""
    actual = getattr(value, "shape", None)
    if actual is None or tuple(actual) != tuple(shape):
        got = FORGOT_RETURN if value is None else (actual if actual is not None else type(value).__name__)
        raise AssertionError(f"{what} should have shape {tuple(shape)}, got {got}")


def expect_pair(value, what):
    """``value`` as a pair, or a failure saying what came back (a forgotten ``return`` gives None)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = FORGOT_RETURN if value is None else f"{type(value).__name__} {value!r:.60}"
        raise AssertionError(f"{what}, got {got}")
    return value


def _close(a, b, rtol=1e-7, atol=1e-10):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _known_mistakes(got, mistakes, want=None):
    """Fail with the message of the first ``(value, message)`` in ``mistakes`` that ``got``
    equals: a wrong answer recognised is a wrong answer explained. A mistake whose value equals
    the right one, ``want``, on this input (the sum of a batch of 1 is its mean) is no evidence and
    is skipped."""
    for value, message in mistakes:
        if _close(got, value) and (want is None or not _close(value, want)):
            raise AssertionError(message)


class MissingCourseData(Exception):
    """A chapter needs a data set that is not on disk. Shown in Jupyter as its one line (the
    command that downloads it), no traceback; like a failed check, it stops "Run all"."""

    def _render_traceback_(self):
        return [str(self)]


_DISPLAY = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}


def course_data(name, *splits, labels=False):
    """The images ``x`` of each split of data set ``name``, as ``mg.data.load`` gives them, for a
    chapter: one array for one split, a tuple for several; with ``labels=True``, an ``(x, y)``
    pair for each split instead of ``x``. Nothing is downloaded here; when the
    files are absent (or broken) the chapter ends with one line, :class:`MissingCourseData`,
    naming ``python -m minigan.download <name>``, which saves them where this looks."""
    from .. import data

    try:
        xs = tuple(data.load(name, split, download=False)[slice(None) if labels else 0]
                   for split in splits)
    except data.MissingData:
        raise MissingCourseData(
            f"This chapter needs {_DISPLAY.get(name, name)}, which is not in "
            f"{data.resolve_dir() / name}: run `python -m minigan.download {name}` in a terminal, "
            "then run this cell again (if you use MINIGAN_DATA_DIR, set it before starting "
            "Jupyter).") from None
    except data.DataError as err:
        raise MissingCourseData(f"This chapter cannot read {_DISPLAY.get(name, name)}: {err}") from None
    return xs[0] if len(xs) == 1 else xs
