"""The student version of a lesson: every solution between nbgrader's markers replaced by the
stub, every hidden test removed, check cells locked, outputs cleared
(``python -m minigan.exercises lessons/ --out student/``): the cells ``nbgrader
generate_assignment`` releases, made without nbgrader."""
import argparse
import json
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$",
                     re.MULTILINE | re.DOTALL)


def strip_solutions(source):
    """``source`` with every marked solution replaced by the stub, keeping its indentation."""
    def stub(match):
        indent = match.group(1)
        return "\n".join(indent + line for line in STUB.splitlines())
    return _REGION.sub(stub, source)


def strip_hidden_tests(source):
    """``source`` without its hidden tests: every line from ``### BEGIN HIDDEN TESTS`` to
    ``### END HIDDEN TESTS``, both included, removed (nbgrader's ClearHiddenTests). They run only
    when an instructor grades (``docs/GRADING.md``)."""
    if source.count(HIDDEN_BEGIN) != source.count(HIDDEN_END):
        raise ValueError(f"unbalanced hidden-test markers in cell:\n{source[:300]}")
    kept, hidden = [], False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line or HIDDEN_END in line:
            hidden = HIDDEN_BEGIN in line
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def _lock(cell):
    """nbgrader's LockCells: an exercise cell cannot be deleted; a check cell cannot be deleted
    or edited (Jupyter honours ``deletable``/``editable``)."""
    grading = cell["metadata"].get("nbgrader", {})
    if grading.get("solution") or grading.get("grade") or grading.get("locked"):
        cell["metadata"]["deletable"] = False
        if not grading.get("solution"):
            cell["metadata"]["editable"] = False


def student_version(notebook):
    """A notebook dict (nbformat 4 JSON) with solutions and hidden tests stripped from its code
    cells, its exercise and check cells locked as nbgrader locks them, and its outputs cleared."""
    nb = json.loads(json.dumps(notebook))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if BEGIN in text and text.count(BEGIN) != text.count(END):
            raise ValueError(f"unbalanced solution markers in cell:\n{text[:300]}")
        cell["source"] = strip_hidden_tests(strip_solutions(text))
        cell["outputs"], cell["execution_count"] = [], None
        _lock(cell)
    return nb


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    from .. import cli  # only the command line needs it
    return cli.run("python -m minigan.exercises", _main, argv)


def _main(argv):
    from ..cli import Failure
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
        try:
            nb = student_version(json.loads(path.read_text()))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
            raise Failure(f"{path} is not a Jupyter notebook (.ipynb, nbformat 4 JSON with 'cells'): "
                          f"{type(err).__name__}: {err}") from None
        except ValueError as err:  # unbalanced solution markers
            raise Failure(f"{path}: {err}") from None
        (args.out / path.name).write_text(json.dumps(nb, indent=1) + "\n")
        print(f"wrote {args.out / path.name}")
