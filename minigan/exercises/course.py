"""The instructor's side of the lessons: an nbgrader course folder made from ``lessons/``, and the
look at each submission that ``nbgrader autograde`` takes before grading it (``docs/GRADING.md``)::

    python -m minigan.exercises course lessons/ --out course/

writes ``course/source/<chapter>/<chapter>.ipynb`` (one nbgrader assignment per chapter: the lesson
as it is, with its solutions and hidden tests) and ``course/nbgrader_config.py``, which sets

- a time limit for each cell (``c.Execute.timeout``): an answer that never returns is interrupted
  and its check scores 0, and grading goes on;
- ``c.OverwriteCells.add_missing_cells``: a check cell the student deleted is put back from the
  source, so it is graded all the same;
- :class:`minigan.exercises.autograde.Execute` in place of nbgrader's: a cell that ends the kernel
  (``os._exit``, a crash) scores 0 and the notebook's other checks are graded as usual;
- :func:`review_submission` as the autograder's ``pre_convert_hook``. It reads every submitted
  notebook first. One that cannot be read (not a notebook, truncated JSON) is kept beside as
  ``<name>.ipynb.unreadable`` and replaced by the untouched student version with one cell saying
  why, so it scores 0 with that reason in the feedback while the rest of the class is graded.
  Cells that reach into the kernel (see :data:`SUSPICIOUS`) or lost exercise cells are listed,
  for the instructor to read, in ``course/flagged/<chapter>/<student>.txt``: the grade itself is
  not changed, because a static look can be fooled both ways.

nbgrader is needed only to grade (``pip install -e ".[instructor]"``); this module does not import it.
"""
import argparse
import json
import re
import sys
from pathlib import Path

from .student import student_version

CONFIG = '''\
# nbgrader's configuration for the minigan course, written by
# `python -m minigan.exercises course` (docs/GRADING.md says how to use it).
c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = {course_id!r}
# Seconds one cell may run when grading; past it the cell is interrupted and its check scores 0.
c.Execute.timeout = {timeout}
c.Execute.error_on_timeout = {{"ename": "CellTimeoutError", "evalue": "", "traceback": [
    "CellTimeoutError: this cell ran past the time limit ({timeout} s) and was stopped: an answer "
    "that never returns? Its check scores 0."]}}
# A deleted check cell is put back from source/ (nbgrader already restores edited ones).
c.OverwriteCells.add_missing_cells = True
# Before grading a submission: unreadable notebooks get a readable 0, kernel hooks are flagged.
c.Autograde.pre_convert_hook = "minigan.exercises.course.review_submission"
# A cell that ends the kernel (os._exit, a crash) scores 0; the rest is graded as usual.
from minigan.exercises.autograde import preprocessors  # noqa: E402
c.Autograde.autograde_preprocessors = preprocessors()
'''

# What a submission's own lines may not do unseen: each can change a grade without a right answer,
# because the student's cells and the check cells share one kernel. (pattern, what it is)
SUSPICIOUS = [
    (r"set_custom_exc", "an exception hook (set_custom_exc) that can swallow a failed check"),
    (r"excepthook|showtraceback|_render_traceback_",
     "a replaced exception display (sys.excepthook, showtraceback)"),
    (r"input_transformers|input_splitter|ast_transformers|register_transformer",
     "an input transformer, which can rewrite the check cells before they run"),
    (r"\.events\.register|register_magic|post_run_cell|pre_run_cell",
     "an IPython event or magic that runs around every cell"),
    (r"sys\.modules", "an edit of sys.modules, which can replace the library"),
    (r"(?:minigan|mg)\.exercises(?!\.check_\w+\()|from\s+minigan\s+import\s+exercises|"
     r"minigan\.exercises\.\w+\s*=", "a use of minigan.exercises other than calling a check"),
    (r"_getframe|currentframe|inspect\.stack|inspect\.trace|\bf_back\b|\bf_locals\b|"
     r"\bf_globals\b|\btb_frame\b|\bgi_frame\b|settrace|setprofile",
     "frame inspection, which can read the check's expected values"),
    (r"__import__|importlib|\bexec\s*\(|\beval\s*\(|\bcompile\s*\(|\bctypes\b|gc\.get_referrers|"
     r"\bbuiltins\b|__builtins__|__globals__|__code__", "dynamic code that can hide any of the above"),
]
_SUSPICIOUS = [(re.compile(pattern), what) for pattern, what in SUSPICIOUS]


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def points(notebook):
    """``{check cell's grade_id: points}`` of a notebook dict, in the order of its cells."""
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["nbgrader"]["points"]
            for cell in notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")}


def make_course(lessons, out, timeout=600, course_id="minigan"):
    """Write an nbgrader course folder at ``out`` from the lesson notebooks ``lessons`` (paths):
    ``source/<stem>/<stem>.ipynb`` each and ``nbgrader_config.py``. Returns the source paths."""
    out = Path(out)
    written = []
    for path in lessons:
        nb = json.loads(Path(path).read_text())
        if not points(nb):
            raise ValueError(f"{path} has no nbgrader check cell (metadata.nbgrader.grade): it "
                             "cannot be graded; give its check cells nbgrader's test-cell metadata")
        folder = out / "source" / Path(path).stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / Path(path).name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        written.append(folder / Path(path).name)
    (out / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_id, timeout=int(timeout)))
    return written


def unreadable(path):
    """Why the file at ``path`` is not a notebook nbgrader can grade, in one line; None if it is."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "it is not text (a notebook is JSON); was another file renamed to .ipynb?"
    except json.JSONDecodeError as err:
        return (f"it is not complete JSON ({err.msg} at line {err.lineno}, column {err.colno}): "
                "a truncated or hand-edited file")
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list) \
            or not all(isinstance(c, dict) and "cell_type" in c and "source" in c for c in nb["cells"]):
        return "it is JSON but not a Jupyter notebook (nbformat 4, with a list of cells)"
    return None


def findings(submitted, source):
    """What an instructor should look at in a submitted notebook dict, against its source
    notebook dict: lines the lesson does not have that match :data:`SUSPICIOUS`, and exercise cells
    that are gone. One line each."""
    known = {line.strip() for cell in source["cells"] for line in source_of(cell).splitlines()}
    found = []
    for i, cell in enumerate(submitted["cells"]):
        if cell.get("cell_type") != "code":
            continue
        for line in source_of(cell).splitlines():
            code = line.split("#", 1)[0].strip() if not line.strip().startswith("#") else ""
            if not code or line.strip() in known:
                continue
            for pattern, what in _SUSPICIOUS:
                if pattern.search(code):
                    found.append(f"cell {i}: {what}: {line.strip()[:120]}")
                    break
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in submitted["cells"]}
    for cell in source["cells"]:
        grading = cell["metadata"].get("nbgrader", {})
        if grading.get("solution") and grading["grade_id"] not in ids:
            found.append(f"exercise cell {grading['grade_id']!r} is missing: its check scores 0")
    return found


UNREADABLE = "minigan-unreadable-submission"   # the id of the cell that says why, and its metadata key


def review_submission(assignment=None, student=None, notebooks=()):
    """nbgrader's ``pre_convert_hook`` for autograde (set by the course's ``nbgrader_config.py``):
    for each ``submitted/<student>/<chapter>/<name>.ipynb`` in ``notebooks``, make an unreadable
    one gradable (0 points, the reason in its first cell) and write what needs an instructor's eye
    to ``flagged/<chapter>/<student>.txt`` (removed when there is nothing)."""
    reports = {}   # {report path: [line, ...]}: one per student and chapter, for all its notebooks
    for path in map(Path, notebooks):
        chapter, student_id, root = path.parent.name, path.parent.parent.name, path.parents[3]
        source = json.loads((root / "source" / chapter / path.name).read_text())
        reason, kept = unreadable(path), path.with_name(path.name + ".unreadable")
        if reason:
            path.replace(kept)
            nb = student_version(source)
            nb["cells"].insert(0, {"cell_type": "markdown", "id": UNREADABLE,
                                   "metadata": {UNREADABLE: reason}, "source":
                                   f"**This submission could not be graded as handed in: {reason}.** "
                                   f"It was graded as the untouched exercises (0 points); the file "
                                   f"handed in is kept as `{kept.name}`."})
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        else:
            nb = json.loads(path.read_text(encoding="utf-8"))
            reason = nb["cells"][0].get("metadata", {}).get(UNREADABLE) if nb["cells"] else None
        found = [f"unreadable, graded 0: {reason}"] if reason else findings(nb, source)
        report = reports.setdefault(root / "flagged" / chapter / f"{student_id}.txt", [])
        if found:
            report += [f"{path.name}:\n"] + [f"  {line}\n" for line in found]
            print(f"[minigan] {student_id}/{chapter}/{path.name} flagged for review: "
                  f"{'; '.join(found)} (see flagged/{chapter}/{student_id}.txt)", file=sys.stderr)
    for report, lines in reports.items():
        if lines:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text("".join(lines))
        elif report.exists():
            report.unlink()


def main(argv=None):
    """``python -m minigan.exercises course LESSONS --out COURSE``; a user's mistake ends with one
    message and exit status 2."""
    from .. import cli  # only the command line needs it
    return cli.run("python -m minigan.exercises course", _main, argv)


def _main(argv):
    from ..cli import Failure
    p = argparse.ArgumentParser(
        prog="python -m minigan.exercises course",
        description="Make an nbgrader course folder from the lessons: source/<chapter>/ for each "
                    "notebook and nbgrader_config.py (docs/GRADING.md: then generate_assignment, "
                    "release, collect, autograde, generate_feedback).")
    p.add_argument("lessons", type=Path, help="a folder of .ipynb files, or one notebook")
    p.add_argument("--out", type=Path, required=True, help="the course folder to write")
    p.add_argument("--timeout", type=int, default=600,
                   help="seconds one cell may run when grading (default 600)")
    p.add_argument("--course-id", default="minigan", help="nbgrader's course id (default minigan)")
    args = p.parse_args(argv)
    if args.timeout < 1:
        raise Failure(f"--timeout must be at least 1 second, got {args.timeout}")
    paths = sorted(args.lessons.glob("*.ipynb")) if args.lessons.is_dir() else [args.lessons]
    if not paths or not all(p.is_file() for p in paths):
        raise Failure(f"no notebooks found at {args.lessons}")
    for path in paths:
        if unreadable(path):
            raise Failure(f"{path} cannot be read: {unreadable(path)}")
    try:
        written = make_course(paths, args.out, args.timeout, args.course_id)
    except ValueError as err:
        raise Failure(str(err)) from None
    for path in written:
        print(f"wrote {path}")
    print(f"wrote {args.out / 'nbgrader_config.py'}\nnext: cd {args.out} && "
          f"nbgrader generate_assignment {written[0].parent.name}  (docs/GRADING.md)")
