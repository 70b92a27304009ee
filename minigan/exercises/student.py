"""The student version of a lesson: every solution between nbgrader's markers replaced by the
stub, outputs cleared (``python -m minigan.exercises lessons/ --out student/``)."""
import argparse
import json
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$",
                     re.MULTILINE | re.DOTALL)


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
