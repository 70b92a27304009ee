"""How the package is put together: one import gives a student every module, without CuPy or
pyplot, and the command lines are siblings over the library (none imports another)."""
import ast
import subprocess
import sys
from pathlib import Path

import minigan

PACKAGE = Path(minigan.__file__).parent
COMMAND_LINES = {"train", "sample", "evaluate", "toy", "mixture"}


def test_import_minigan_gives_the_modules_a_student_uses_without_cupy_or_pyplot():
    code = ("import sys, minigan as mg\n"
            "names = ['backend', 'layers', 'losses', 'optim', 'gradcheck', 'gan', 'training', 'models',\n"
            "         'rng', 'checkpoint', 'data', 'parzen', 'figures', 'theory', 'toy', 'mixture', 'exercises']\n"
            "missing = [n for n in names if not hasattr(mg, n)]\n"
            "assert not missing, missing\n"
            "assert 'cupy' not in sys.modules, 'import minigan imported CuPy'\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'import minigan imported pyplot'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def imported_modules(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names |= {node.module} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minigan"):
            names |= {node.module.split(".")[-1]} | {a.name for a in node.names}
    return names


def test_no_command_line_imports_another():
    for name in COMMAND_LINES:
        others = imported_modules(PACKAGE / f"{name}.py") & (COMMAND_LINES - {name, "toy", "mixture"})
        assert not others, f"minigan/{name}.py imports the command line(s) {sorted(others)}"
    for name in ("train", "sample", "evaluate"):
        assert not imported_modules(PACKAGE / f"{name}.py") & {"toy", "mixture"}


def test_library_modules_that_are_also_command_lines_run_without_a_warning():
    for name in ("toy", "mixture", "exercises", "train"):
        done = subprocess.run([sys.executable, "-m", f"minigan.{name}", "--help"],
                              capture_output=True, text=True)
        assert done.returncode == 0 and "Warning" not in done.stderr, (name, done.stderr)
