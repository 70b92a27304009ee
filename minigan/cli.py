"""What the command lines (``train``, ``sample``, ``evaluate``, ``toy``, ``mixture``) share:
argument types that state their allowed range, and one way to end with a clear message.

A command line never shows a user a traceback for a mistake the user can fix (a wrong number,
a missing or broken file, a folder that cannot be written): :func:`run` turns the library's
errors into one line on stderr and exit status 2. A bug still shows its traceback.
"""
import argparse
import math
import sys
from pathlib import Path


def integer(low, high=None):
    """An argparse ``type``: a whole number in ``[low, high]``, or a message saying so."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(
                f"{value} is out of range: allowed {low} to {high}" if high is not None
                else f"{value} is out of range: must be >= {low}")
        return value
    return parse


def real(low, high=None, low_open=False, high_open=False):
    """An argparse ``type``: a finite number in the interval given, or a message saying so."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        if not math.isfinite(value) or too_low or too_high:
            interval = (("(" if low_open else "[") + f"{low:g}, "
                        + ("inf)" if high is None else f"{high:g}" + (")" if high_open else "]")))
            raise argparse.ArgumentTypeError(f"{text} is out of range: allowed {interval}")
        return value
    return parse


class Failure(Exception):
    """A mistake the user can fix; its message says what to do (exit status 2, as argparse)."""


class Interrupted(Exception):
    """The user stopped the run (Ctrl-C); its message says what was saved (exit status 130)."""


# The folders output_folder created in this command, deepest first: run() removes those still
# empty when the command fails, so that a run stopped before its first checkpoint leaves nothing.
_made = []


def output_folder(path):
    """Create ``path`` (and its parents) and check a file can be written there, before any work
    is done; raises :class:`Failure` naming the folder and why. The folders it creates are taken
    back by :func:`run` if the command then fails while they are still empty."""
    path = Path(path)
    try:
        _made[:0] = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".minigan-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise Failure(f"cannot write to the output folder {path}: {err.strerror or err}. "
                      "Choose another --out.") from None
    return path


def output_file(path, flag="--out"):
    """Check that file ``path`` (given as ``flag``) can be written: its folder exists."""
    path = Path(path)
    if path.is_dir():
        raise Failure(f"{flag} {path} is a folder; give a file name such as {path / 'samples.png'}")
    if not path.parent.is_dir():
        raise Failure(f"{flag} {path}: the folder {path.parent} does not exist; create it first")
    return path


def image_file(path, flag="--out"):
    """:func:`output_file`, and a name whose suffix matplotlib can write (``.png``, ``.pdf``, ...);
    a name without one gets ``.png`` (what matplotlib would write), so the command says the truth."""
    from matplotlib.backend_bases import FigureCanvasBase  # not pyplot: no display is touched

    path = output_file(path, flag)
    path = path if path.suffix else path.with_suffix(".png")
    kinds = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in kinds:
        raise Failure(f"{flag} {path}: matplotlib cannot write a '{path.suffix}' image; "
                      f"end the name in .png, .pdf or .svg (or one of {', '.join(sorted(kinds))})")
    return path


def run(prog, main, argv=None):
    """Call ``main(argv)``. A user's mistake ends with ``prog: error: <message>`` on stderr and
    status 2; a Ctrl-C ends with status 130 and one line: the command's own (what it saved), or,
    where it had set no handler (loading data, downloading), that it was interrupted. A command
    that fails removes the output folders it made that are still empty (nothing saved in them)."""
    from . import backend, checkpoint, data  # the errors this library raises for a user's files
    from .download import remove_if_empty

    _made.clear()
    finished = False
    try:
        result = main(argv)
        finished = True
        return result
    except Interrupted as err:
        print(err, file=sys.stderr)
        raise SystemExit(130) from None
    except KeyboardInterrupt:  # Ctrl-C before a command set its own handler: loading, downloading
        print(f"\n{prog}: interrupted (Ctrl-C)", file=sys.stderr)
        raise SystemExit(130) from None
    except (Failure, checkpoint.CheckpointError, data.DataError, backend.BackendUnavailable,
            OSError) as err:
        # OSError: a disk full, a permission refused, a path that is not a folder;
        # BackendUnavailable: --backend cupy on a machine without CuPy or a GPU
        print(f"{prog}: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        if not finished:
            remove_if_empty(_made)
        _made.clear()
