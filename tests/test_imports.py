"""The package's imports read top-down (issue 29): no circle among minigan's modules, and no library
module imports the command lines' helpers (``minigan.cli``). A command line sits above what it
uses: in a command-line module (``train``, ``sample``, ``evaluate``) or a ``__main__`` module
(``python -m minigan.download``, ``.metrics``, ``.exercises``); ``toy`` and ``mixture``, library
modules that also run as commands, load ``cli`` only inside their ``main``."""
import ast
import subprocess
import sys
from pathlib import Path

import minigan

PACKAGE = Path(minigan.__file__).parent
COMMAND_LINE_MODULES = {"minigan.cli", "minigan.train", "minigan.sample", "minigan.evaluate"}


def modules():
    """{dotted name: (path, is a package's __init__)} for every module of minigan."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imports(name, path, is_package, known):
    """[(imported minigan module, the function it is imported in or None)] for every import
    statement of module ``name``, at any depth (a function's lazy import counts too)."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                found.extend((a.name, function) for a in child.names if a.name.split(".")[0] == "minigan")
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - (child.level - 1)]
                    target = ".".join(base + (child.module.split(".") if child.module else []))
                elif (child.module or "").split(".")[0] == "minigan":
                    target = child.module
                else:
                    continue
                for a in child.names:   # `from . import cli` imports the module minigan.cli
                    found.append((f"{target}.{a.name}" if f"{target}.{a.name}" in known else target,
                                  function))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def graph():
    known = modules()
    edges = {}
    for name, (path, is_package) in known.items():
        # A module's own package is always imported before it: an edge to it adds nothing.
        edges[name] = {(t, f) for t, f in imports(name, path, is_package, known)
                       if t in known and t != name and not name.startswith(t + ".")}
    return edges


def cycle(edges):
    """One circle of imports as a list of module names, or None."""
    state, stack = {}, []

    def walk(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted({t for t, _ in edges.get(node, ())}):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (found := walk(target)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_no_circle_among_minigans_modules():
    circle = cycle(graph())
    assert circle is None, "these modules import each other in a circle: " + " -> ".join(circle)


def test_the_circle_finder_finds_a_circle_it_is_given():
    """The check above can fail: a made-up circle (and a long one) is found, a chain is not."""
    assert cycle({"a": {("b", None)}, "b": {("c", "f")}, "c": {("a", None)}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {("b", None)}, "b": {("c", None)}, "c": set()}) is None
    assert cycle({"minigan.data": {("minigan.download", None)},
                  "minigan.download": {("minigan.cli", "main")},
                  "minigan.cli": {("minigan.data", "run")}}) is not None


def test_no_library_module_imports_the_command_line_helpers():
    for name, targets in sorted(graph().items()):
        if name in COMMAND_LINE_MODULES or name.endswith(".__main__"):
            continue
        for target, function in targets:
            if target == "minigan.cli":
                assert function in ("main", "_main"), (
                    f"{name} imports minigan.cli" + (f" in {function}()" if function else "")
                    + ": a library module must not need the command lines' helpers; move its "
                    "command line into a __main__ module (or, for a module that is also a "
                    "command, into its main())")


# Library modules built on an extra's package, imported only where that extra is installed.
NEEDS_EXTRA = {"minigan.exercises.autograde": "nbgrader"}


def test_importing_the_library_loads_no_command_line():
    import importlib.util
    library = sorted(n for n in modules() if n not in COMMAND_LINE_MODULES
                     and not n.endswith("__main__") and n != "minigan.fakecupy"
                     and (n not in NEEDS_EXTRA or importlib.util.find_spec(NEEDS_EXTRA[n])))
    code = ("import importlib, sys, warnings\n"
            f"for name in {library!r}:\n"
            "    importlib.import_module(name)\n"
            "loaded = sorted(m for m in sys.modules if m == 'minigan.cli' or m.endswith('__main__')"
            " and m.startswith('minigan'))\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_old_import_paths_still_work_with_a_deprecation_warning():
    code = ("import warnings\n"
            "warnings.simplefilter('error', DeprecationWarning)\n"
            "from minigan.testing import fakecupy\n"
            "try:\n"
            "    from minigan import fakecupy as old\n"
            "    raise SystemExit('no DeprecationWarning for minigan.fakecupy')\n"
            "except DeprecationWarning as w:\n"
            "    assert 'minigan.testing.fakecupy' in str(w), w\n"
            "warnings.simplefilter('ignore', DeprecationWarning)\n"
            "import sys\n"
            "sys.modules.pop('minigan.fakecupy', None)\n"
            "from minigan import fakecupy as old\n"
            "import minigan as mg\n"
            "assert old is fakecupy and mg.backend.array_module(old.ones(2)) is fakecupy\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout


def test_the_command_lines_moved_to_main_modules_run_as_before(tmp_path):
    """``python -m minigan.download`` and ``python -m minigan.metrics --train`` keep their
    behaviour: help exits 0; a user's mistake ends in one line and status 2, no traceback."""
    def run(*args):
        return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
    for module in ("minigan.download", "minigan.metrics"):
        done = run(module, "--help")
        assert done.returncode == 0 and f"python -m {module}" in done.stdout, done.stderr
    for args, expected in ((("minigan.metrics", "--train", "cifar10"), "invalid choice"),
                           (("minigan.metrics", "--train", "mnist", "--data-dir", str(tmp_path / "nowhere")),
                            "no such folder"),
                           (("minigan.download", "--mirror", str(tmp_path / "nowhere")), "no such folder")):
        done = run(*args)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        errors = [line for line in done.stderr.splitlines() if f"python -m {args[0]}: error:" in line]
        assert len(errors) == 1 and expected in errors[0], done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "a failed command left a folder behind"
