"""How a check judges and speaks: :func:`check` turns a wrong answer into one message
(:class:`CheckFailed`), a crash in the student's code into its error and line, and an untouched
stub into "not attempted yet"; :func:`course_data` gives a chapter its data set or one line
saying how to get it. The checks themselves are in :mod:`minigan.exercises.checks` (lessons 1-4),
:mod:`~minigan.exercises.checks_training` (5-9) and :mod:`~minigan.exercises.checks_section7` (10)."""
import contextlib
import functools
import sys
import traceback
from pathlib import Path

import numpy as np


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


@contextlib.contextmanager
def check(title, hidden=False):
    """Run a check's body: print ``title: correct``, or ``title: not attempted yet`` when the
    body hits an untouched stub; a wrong answer (an AssertionError), or an error raised by the
    student's code, becomes :class:`CheckFailed` with one message starting with ``title``.
    With ``hidden=True`` (a grading run: nbgrader's hidden tests) an untouched stub is a
    failure too, so that it scores 0 points instead of passing as a cell that did not raise.
    NumPy's floating-point warnings are silenced inside: the check judges the values."""
    try:
        with np.errstate(all="ignore"):
            yield
    except (NotImplementedError, NotAttempted):
        if hidden:
            raise CheckFailed(f"{title}: not attempted (0 points: replace "
                              "`raise NotImplementedError()` with your code)") from None
        print(f"{title}: not attempted yet (replace `raise NotImplementedError()` with your code)")
        return
    except AssertionError as err:
        last = traceback.extract_tb(err.__traceback__)[-1:]
        if last and last[0] not in _students_frames(err):   # the check's verdict
            raise CheckFailed(f"{title}: {err}") from None
        raise CheckFailed(f"{title}: an assert of your code failed: {err}{_where(err)}") from None
    except Exception as err:  # the student's code crashed: say where, without the library's frames
        raise CheckFailed(f"{title}: your code raised {type(err).__name__}: {err}"
                          f"{_where(err)}") from None
    print(f"{title}: correct")


def _exercise(title):
    """Make ``body(*answers)`` a check: run inside :func:`check` (``title``), returning None."""
    def wrap(body):
        @functools.wraps(body)
        def run(*answers, hidden=False):
            with check(title, hidden=hidden):
                body(*answers)
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


def _known_mistakes(got, mistakes):
    """Fail with the message of the first ``(value, message)`` in ``mistakes`` that ``got``
    equals: a wrong answer recognised is a wrong answer explained."""
    for value, message in mistakes:
        if _close(got, value):
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
