"""Exercises that check themselves, for the lessons (``lessons/*.ipynb``).

A lesson's exercise is a function the student writes, between nbgrader's markers::

    def tanh_backward(y, dy):
        ### BEGIN SOLUTION
        return dy * (1 - y * y)
        ### END SOLUTION

and a check cell that compares it with the library::

    with mg.exercises.check("Tanh backward"):
        mg.exercises.expect_shape(tanh_backward(y, dy), y.shape, "tanh_backward(y, dy)")
        mg.gradcheck.assert_layer_gradients(...)

:func:`check` prints ``Tanh backward: correct``; a wrong answer fails the cell with a message
that says what is wrong; an untouched stub (``raise NotImplementedError()``) prints ``Tanh
backward: not attempted yet`` and lets the notebook run on.

The student version of a lesson has every solution replaced by the stub, as nbgrader's
``clear_solutions`` would do::

    python -m minigan.exercises lessons/ --out student/     # every lessons/*.ipynb

We honour nbgrader's markers with a few lines of JSON handling instead of depending on
nbgrader, which brings JupyterLab, a server and a database with it; a notebook written for
this module still works with nbgrader's own tools.
"""
import argparse
import contextlib
import json
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$",
                     re.MULTILINE | re.DOTALL)


class NotAttempted(Exception):
    """Raised by a stub the student has not filled in yet (see :func:`check`)."""


@contextlib.contextmanager
def check(title):
    """Run a check cell's body: print ``title: correct``, or ``title: not attempted yet`` when
    the body hits an untouched stub; a wrong answer raises ``AssertionError`` naming ``title``."""
    try:
        yield
    except (NotImplementedError, NotAttempted):
        print(f"{title}: not attempted yet (replace `raise NotImplementedError()` with your code)")
        return
    except AssertionError as err:
        raise AssertionError(f"{title}: {err}") from None
    print(f"{title}: correct")


def expect_shape(value, shape, what="your answer"):
    """Fail with the expected and actual shapes unless ``value`` has shape ``shape``."""
    actual = getattr(value, "shape", None)
    if actual is None or tuple(actual) != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, "
                             f"got {actual if actual is not None else type(value).__name__}")


def strip_solutions(source):
    """``source`` with every marked solution replaced by the stub, keeping its indentation."""
    def stub(match):
        indent = match.group(1)
        return "\n".join(indent + line for line in STUB.splitlines())
    return _REGION.sub(stub, source)


def student_version(notebook):
    """A notebook dict (nbformat 4 JSON) with solutions stripped from its code cells and its
    outputs cleared."""
    nb = json.loads(json.dumps(notebook))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if BEGIN in text and text.count(BEGIN) != text.count(END):
            raise ValueError(f"unbalanced solution markers in cell:\n{text[:300]}")
        cell["source"] = strip_solutions(text)
        cell["outputs"], cell["execution_count"] = [], None
    return nb


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    from . import cli  # only the command line needs it
    return cli.run("python -m minigan.exercises", _main, argv)


def _main(argv):
    from .cli import Failure
    p = argparse.ArgumentParser(prog="python -m minigan.exercises",
                                description="Write the student version of lessons: solutions "
                                            "replaced by stubs, outputs cleared.")
    p.add_argument("lessons", type=Path, help="a folder of .ipynb files, or one notebook")
    p.add_argument("--out", type=Path, required=True, help="folder for the student versions")
    args = p.parse_args(argv)
    paths = sorted(args.lessons.glob("*.ipynb")) if args.lessons.is_dir() else [args.lessons]
    if not paths or not all(p.is_file() for p in paths):
        raise Failure(f"no notebooks found at {args.lessons}")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = student_version(json.loads(path.read_text()))
        (args.out / path.name).write_text(json.dumps(nb, indent=1) + "\n")
        print(f"wrote {args.out / path.name}")


if __name__ == "__main__":
    main()
