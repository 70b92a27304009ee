"""Graded with nbgrader (docs/GRADING.md): the lessons are nbgrader source notebooks, the student
version made without nbgrader is the one nbgrader releases, and a class's submissions (right,
wrong, untouched, tampered with, endless, kernel-killing, hooked, unreadable) get exactly the
scores an instructor expects from ``nbgrader autograde``, with each check's line in the feedback.

The tests that run nbgrader skip without it (``pip install -e ".[instructor]"``); the rest run
everywhere."""
import concurrent.futures
import copy
import html
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minigan import exercises
from minigan.exercises import course

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
CALL = re.compile(r"^mg\.exercises\.(check_\w+)\((.*)\)\s*$", re.M)


def load(path):
    return json.loads(Path(path).read_text())


def grading(cell):
    return cell["metadata"].get("nbgrader", {})


def run(*args, cwd=ROOT, env=None, timeout=600):
    """A command as a user types it: its exit status and what it printed (stdout + stderr)."""
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


# --- The lessons as nbgrader source notebooks (no nbgrader needed) -----------------------------

@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_exercise_is_a_solution_cell_and_every_check_a_locked_test_cell_with_hidden_tests(path):
    nb = load(path)
    ids = [grading(c)["grade_id"] for c in nb["cells"] if grading(c)]
    assert len(ids) == len(set(ids)), f"{path.name}: grade_ids repeat: {ids}"
    checks = 0
    for cell in nb["cells"]:
        src = course.source_of(cell)
        meta = grading(cell)
        if exercises.BEGIN in src:
            assert meta == {"grade": False, "grade_id": meta.get("grade_id"), "locked": False,
                            "schema_version": 3, "solution": True, "task": False}, (path.name, src[:80])
        call = CALL.search(src)
        if call:
            checks += 1
            name, args = call.groups()
            assert meta.get("grade") is True and meta["locked"] is True and meta["solution"] is False
            assert meta["grade_id"] == name and meta["points"] >= 1 and meta["schema_version"] == 3
            hidden = src.split(exercises.student.HIDDEN_BEGIN, 1)[-1]
            assert f"minigan.exercises.{name}({args}, hidden=True)" in hidden, (
                f"{path.name}: {name}'s cell has no hidden test grading the same answer with hidden=True")
            assert src.rstrip().endswith(exercises.student.HIDDEN_END)
        elif cell["cell_type"] == "code":
            assert not meta.get("grade"), f"{path.name}: a test cell that calls no check: {src[:80]}"
    assert checks >= 1, f"{path.name} has no check cell"


def points_in_docs():
    """``{chapter: {grade_id: points}}`` from the table in docs/GRADING.md."""
    table = {}
    for row in re.findall(r"^\| *(\d\d) [^|]*\| *`(\w+)` *\| *(\d+) *\|", (ROOT / "docs" / "GRADING.md").read_text(), re.M):
        table.setdefault(row[0], {})[row[1]] = int(row[2])
    return table


def test_the_points_of_every_chapter_are_listed_in_docs_grading_as_the_notebooks_give_them():
    notebooks = {path.name[:2]: course.points(load(path)) for path in LESSONS}
    assert points_in_docs() == notebooks


def test_the_student_version_drops_hidden_tests_and_locks_checks_as_nbgrader_does():
    cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "c", "locked": True,
                                                            "points": 1, "solution": False}},
            "source": "check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, hidden=True)\n### END HIDDEN TESTS",
            "outputs": [], "execution_count": None}
    answer = {"cell_type": "code", "metadata": {"nbgrader": {"grade": False, "grade_id": "f", "locked": False,
                                                              "solution": True}},
              "source": "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
              "outputs": [], "execution_count": None}
    nb = {"cells": [answer, cell]}
    for _ in range(2):   # the same verdict twice, and the input left as it was
        out = exercises.student_version(nb)
        assert out["cells"][1]["source"] == "check(f)"
        assert out["cells"][1]["metadata"]["editable"] is False and out["cells"][1]["metadata"]["deletable"] is False
        assert out["cells"][0]["source"] == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()"
        assert out["cells"][0]["metadata"]["deletable"] is False and "editable" not in out["cells"][0]["metadata"]
    assert "editable" not in cell["metadata"] and "HIDDEN" in cell["source"]
    assert exercises.strip_hidden_tests("a\n    ### BEGIN HIDDEN TESTS\n    b\n    ### END HIDDEN TESTS\nc") == "a\nc"
    for broken in ("a\n### BEGIN HIDDEN TESTS\nb", "a\n### END HIDDEN TESTS"):
        with pytest.raises(ValueError, match="unbalanced hidden-test markers"):
            exercises.strip_hidden_tests(broken)


def test_the_student_command_writes_lessons_without_hidden_tests_or_solutions(tmp_path):
    code, printed = run(sys.executable, "-m", "minigan.exercises", "lessons/", "--out", str(tmp_path))
    assert code == 0 and "Traceback" not in printed, printed
    for path in LESSONS:
        text = (tmp_path / path.name).read_text()
        assert "HIDDEN TESTS" not in text and "hidden=True" not in text and "BEGIN SOLUTION" not in text


def test_a_stub_passes_in_the_students_notebook_but_fails_the_hidden_test(capsys):
    def tanh_backward(y, dy):
        raise NotImplementedError()
    for _ in range(2):
        exercises.check_tanh_backward(tanh_backward)
        assert "Tanh backward: not attempted yet" in capsys.readouterr().out
        with pytest.raises(exercises.CheckFailed, match="Tanh backward: not attempted"):
            exercises.check_tanh_backward(tanh_backward, hidden=True)


# --- The instructor's command and the look at each submission (no nbgrader needed) ------------

def test_the_course_command_writes_one_assignment_per_chapter_and_nbgraders_config(tmp_path):
    code, printed = run(sys.executable, "-m", "minigan.exercises", "course", "lessons/",
                        "--out", str(tmp_path / "course"), "--timeout", "45")
    assert code == 0 and "Traceback" not in printed, printed
    for path in LESSONS:
        assert load(tmp_path / "course" / "source" / path.stem / path.name) == load(path)
    config = (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 45" in config and "c.OverwriteCells.add_missing_cells = True" in config
    assert 'pre_convert_hook = "minigan.exercises.course.review_submission"' in config


@pytest.mark.parametrize("args, says", [
    (["nowhere/"], "no notebooks found at nowhere"),
    (["lessons/", "--timeout", "0"], "--timeout must be at least 1 second, got 0"),
    (["{bad}"], "cannot be read: it is not complete JSON"),
    (["{plain}"], "has no nbgrader check cell"),
])
def test_the_course_command_refuses_bad_input_in_one_line(tmp_path, args, says):
    (tmp_path / "bad.ipynb").write_text('{"cells": [')
    (tmp_path / "plain.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                      "cells": [{"cell_type": "code", "source": "1",
                                                                 "metadata": {}, "outputs": []}]}))
    args = [a.format(bad=tmp_path / "bad.ipynb", plain=tmp_path / "plain.ipynb") for a in args]
    code, printed = run(sys.executable, "-m", "minigan.exercises", "course", *args, "--out", str(tmp_path / "c"))
    assert code == 2 and says in printed and "Traceback" not in printed, printed
    assert not (tmp_path / "c" / "nbgrader_config.py").exists()


def test_unreadable_names_why_a_file_is_not_a_notebook(tmp_path):
    cases = {b"\x89PNG\r\n\x1a\n\x00": "not text", b'{"cells": [{"cell_type": "co': "not complete JSON",
             b"[1, 2]": "not a Jupyter notebook", b'{"nbformat": 4}': "not a Jupyter notebook"}
    for raw, says in cases.items():
        (tmp_path / "x.ipynb").write_bytes(raw)
        assert says in course.unreadable(tmp_path / "x.ipynb")
        assert says in course.unreadable(tmp_path / "x.ipynb")
    assert course.unreadable(LESSONS[0]) is None


HOOKS = [  # a line of a submission, and the words of its flag
    ("get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)", "set_custom_exc"),
    ("get_ipython().input_transformers_cleanup.append(lambda lines: lines[:1])", "input transformer"),
    ("get_ipython().events.register('pre_run_cell', lambda info: None)", "IPython event"),
    ("sys.modules['minigan.exercises'] = fake", "sys.modules"),
    ("import minigan.exercises.grading as g; g.check = contextlib.nullcontext", "minigan.exercises"),
    ("mg.exercises.check_tanh_backward = print", "minigan.exercises"),
    ("expected = sys._getframe(1).f_locals['want']", "frame inspection"),
    ("want = inspect.currentframe().f_back.f_locals", "frame inspection"),
    ("getattr(__import__('s' + 'ys'), 'mod' + 'ules')", "dynamic code"),
    ("sys.excepthook = lambda *a: None", "exception display"),
]


@pytest.mark.parametrize("line, says", HOOKS)
def test_a_submission_that_reaches_into_the_kernel_is_flagged(line, says):
    source = load(LESSONS[0])
    submitted = copy.deepcopy(source)
    submitted["cells"].insert(3, {"cell_type": "code", "metadata": {}, "source": f"x = 1\n{line}\n"})
    for _ in range(2):
        found = course.findings(submitted, source)
        assert len(found) == 1 and says in found[0] and "cell 3" in found[0], found


def test_a_plain_submission_is_not_flagged():
    """The lesson's own cells, a student's own answer and the student trying a check in a cell of
    their own are not hooks."""
    for path in LESSONS:
        source = load(path)
        submitted = copy.deepcopy(source)
        submitted["cells"].append({"cell_type": "code", "metadata": {}, "source":
                                   "import numpy as np  # my own try\nmg.exercises.check_tanh_backward(tanh_backward)\n"
                                   "inspect_me = np.where(x > 0, x, 0)\nprint(sys.version)"})
        assert course.findings(submitted, source) == [], path.name
        assert course.findings(exercises.student_version(source), source) == [], path.name


def course_with(tmp_path, chapter, files):
    """A course folder with ``chapter``'s source and ``files``: {student: bytes of the notebook}."""
    course.make_course([ROOT / "lessons" / f"{chapter}.ipynb"], tmp_path)
    for student, raw in files.items():
        folder = tmp_path / "submitted" / student / chapter
        folder.mkdir(parents=True)
        (folder / f"{chapter}.ipynb").write_bytes(raw)
    return [tmp_path / "submitted" / s / chapter / f"{chapter}.ipynb" for s in files]


def test_review_makes_an_unreadable_submission_a_zero_with_its_reason_and_keeps_the_file(tmp_path, capsys):
    chapter = LESSONS[0].stem
    clean = json.dumps(exercises.student_version(load(LESSONS[0]))).encode()
    paths = course_with(tmp_path, chapter, {"ann": b'{"cells": [', "bob": clean})
    (tmp_path / "flagged" / chapter).mkdir(parents=True)
    (tmp_path / "flagged" / chapter / "bob.txt").write_text("from an earlier run")
    for _ in range(2):   # autograde run twice: the same outcome, the file handed in kept once
        course.review_submission(notebooks=[str(p) for p in paths])
        graded = load(paths[0])
        assert "could not be graded as handed in: it is not complete JSON" in course.source_of(graded["cells"][0])
        assert [course.source_of(c) for c in graded["cells"][1:]] == \
            [course.source_of(c) for c in exercises.student_version(load(LESSONS[0]))["cells"]]
        assert paths[0].with_name(paths[0].name + ".unreadable").read_bytes() == b'{"cells": ['
        assert "unreadable, graded 0" in (tmp_path / "flagged" / chapter / "ann.txt").read_text()
        assert not (tmp_path / "flagged" / chapter / "bob.txt").exists()
        assert load(paths[1]) == json.loads(clean)
    assert "ann/01_gradients_by_hand/01_gradients_by_hand.ipynb flagged for review" in capsys.readouterr().err


# --- End to end with nbgrader (skipped without the instructor extra) --------------------------

A, B = "01_gradients_by_hand", "04_algorithm1_and_saturation"
WRONG = {
    "tanh_backward": "def tanh_backward(y, dy):\n    return dy * (1 - y)",
    "FixedLinear": "class FixedLinear(BuggyLinear):\n    def backward(self, dy):\n"
                   "        self.grads = {'W': self.x.T @ dy, 'b': dy.sum(axis=0)}\n"
                   "        return dy @ self.params['W']",
    "minimax_loss": "def minimax_loss(logits):\n    return -np.logaddexp(0, logits).mean(), sigmoid(logits) / logits.size",
    "non_saturating_loss": "def non_saturating_loss(logits):\n"
                           "    return np.logaddexp(0, -logits).mean(), (1 - sigmoid(logits)) / logits.size",
}
FOREVER = "def {name}(*args, **kwargs):\n    while True:\n        pass"
KILLS = "def {name}(*args, **kwargs):\n    import os\n    os._exit(1)"
HOOK = "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)"
TIMEOUT = 20   # seconds a cell may run when graded here: far above any cell of chapters 1 and 4


def submissions(release, source, whole_class):
    """{student: notebook (dict) or raw bytes} for one chapter: the five of the issue, and with
    ``whole_class`` the hooked, the lost-exercise and the unreadable ones too."""
    answers = {grading(c)["grade_id"]: course.source_of(c) for c in source["cells"] if grading(c).get("solution")}
    first, second = answers   # the chapter's two exercises, in order
    checks = [grading(c)["grade_id"] for c in source["cells"] if grading(c).get("grade")]

    def handed_in(given, edit=None):
        nb = copy.deepcopy(release)
        for cell in nb["cells"]:
            if grading(cell).get("grade_id") in given:
                cell["source"] = given[grading(cell)["grade_id"]]
        if edit:
            edit(nb)
        return nb

    def tampered(nb):   # the first check made to print success, the second deleted
        for cell in nb["cells"]:
            if grading(cell).get("grade_id") == checks[0]:
                cell["source"] = f'print("{first}: correct")'
        nb["cells"] = [c for c in nb["cells"] if grading(c).get("grade_id") != checks[1]]

    wrong = {k: WRONG[k] for k in answers}
    class_ = {
        "right": handed_in(answers), "wrong": handed_in(wrong), "stubs": handed_in({}),
        "tampered": handed_in(wrong, tampered),
        "endless": handed_in({**answers, second: FOREVER.format(name=second)}),
        "killer": handed_in({**answers, first: KILLS.format(name=first)}),
    }
    if whole_class:
        class_["hooked"] = handed_in(wrong, lambda nb: nb["cells"].insert(
            1, {"cell_type": "code", "id": "hook", "metadata": {}, "outputs": [], "execution_count": None,
                "source": HOOK}))
        class_["lost"] = handed_in(answers, lambda nb: nb["cells"].remove(
            next(c for c in nb["cells"] if grading(c).get("grade_id") == second)))
        right = json.dumps(class_["right"], indent=1).encode()
        class_["truncated"] = right[:len(right) // 2]
        class_["png"] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    return class_


# {chapter: {student: {check: points}}}: what the gradebook must hold
EXPECTED = {
    A: {"right": {"check_tanh_backward": 1, "check_fixed_linear": 2},
        "wrong": {"check_tanh_backward": 0, "check_fixed_linear": 0},
        "stubs": {"check_tanh_backward": 0, "check_fixed_linear": 0},
        "tampered": {"check_tanh_backward": 0, "check_fixed_linear": 0},
        "endless": {"check_tanh_backward": 1, "check_fixed_linear": 0},
        "killer": {"check_tanh_backward": 0, "check_fixed_linear": 2},
        "hooked": {"check_tanh_backward": 0, "check_fixed_linear": 0},
        "lost": {"check_tanh_backward": 1, "check_fixed_linear": 0},
        "truncated": {"check_tanh_backward": 0, "check_fixed_linear": 0},
        "png": {"check_tanh_backward": 0, "check_fixed_linear": 0}},
    B: {"right": {"check_minimax_loss": 1, "check_non_saturating_loss": 1},
        "wrong": {"check_minimax_loss": 0, "check_non_saturating_loss": 0},
        "stubs": {"check_minimax_loss": 0, "check_non_saturating_loss": 0},
        "tampered": {"check_minimax_loss": 0, "check_non_saturating_loss": 0},
        "endless": {"check_minimax_loss": 1, "check_non_saturating_loss": 0},
        "killer": {"check_minimax_loss": 0, "check_non_saturating_loss": 1}},
}


def grade_a_class(root, chapter, env):
    """The instructor's commands in a course folder of their own, for one chapter: course,
    generate_assignment (every chapter for A, so that every release can be compared), the class's
    submissions, autograde, generate_feedback. Returns {step: (exit status, what it printed)}."""
    steps = {}

    def step(name, *args):
        steps[f"{name} {chapter}"] = run(*args, cwd=root, env=env)

    step("course", sys.executable, "-m", "minigan.exercises", "course", str(ROOT / "lessons"),
         "--out", str(root), "--timeout", str(TIMEOUT))
    step("generate_assignment", sys.executable, "-m", "nbgrader", "generate_assignment",
         "*" if chapter == A else chapter)
    release = load(root / "release" / chapter / f"{chapter}.ipynb")
    for student, nb in submissions(release, load(root / "source" / chapter / f"{chapter}.ipynb"),
                                   whole_class=chapter == A).items():
        folder = root / "submitted" / student / chapter
        folder.mkdir(parents=True)
        (folder / f"{chapter}.ipynb").write_bytes(nb if isinstance(nb, bytes) else json.dumps(nb).encode())
    step("autograde", sys.executable, "-m", "nbgrader", "autograde", chapter)
    step("generate_feedback", sys.executable, "-m", "nbgrader", "generate_feedback", chapter)
    return steps


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Chapters A and B graded, each in its own course folder, side by side (two cores). Returns
    ({chapter: course folder}, {step: (exit status, what it printed)})."""
    pytest.importorskip("nbgrader", reason='grading needs nbgrader: pip install -e ".[instructor]"')
    pytest.importorskip("ipykernel", reason='grading runs a kernel: pip install -e ".[dev]"')
    env = {"MINIGAN_FAST": "1", "MINIGAN_DATA_DIR": str(tmp_path_factory.mktemp("no-data")),
           "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    roots = {chapter: tmp_path_factory.mktemp("course") for chapter in (A, B)}
    start, cpu = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        steps = {}
        for done in pool.map(lambda c: grade_a_class(roots[c], c, env), (A, B)):
            steps.update(done)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"grading two chapters: {time.monotonic() - start:.0f} s wall, "
          f"{used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime:.0f} s CPU")
    return roots, steps


def test_each_instructor_command_succeeds_for_the_whole_class(graded):
    roots, steps = graded
    for name, (code, printed) in steps.items():
        assert code == 0, f"{name} ended with status {code}:\n{printed[-3000:]}"
        assert "Traceback" not in printed or name.startswith("autograde"), printed[-3000:]
    assert len(list((roots[A] / "release").iterdir())) == len(LESSONS)


def test_the_student_version_is_the_cells_nbgrader_releases(graded):
    root = graded[0][A]
    for path in LESSONS:   # source/ holds the lessons as they were when the course was made
        ours = exercises.student_version(load(root / "source" / path.stem / path.name))["cells"]
        theirs = load(root / "release" / path.stem / path.name)["cells"]
        assert len(ours) == len(theirs), path.name
        for a, b in zip(ours, theirs):
            assert (a["cell_type"], course.source_of(a)) == (b["cell_type"], course.source_of(b)), path.name
            for lock in ("editable", "deletable"):
                assert a["metadata"].get(lock) == b["metadata"].get(lock), (path.name, course.source_of(a)[:60])


def test_the_gradebook_holds_exactly_the_expected_scores(graded):
    from nbgrader.api import Gradebook
    for chapter, class_ in EXPECTED.items():
        with Gradebook(f"sqlite:///{graded[0][chapter] / 'gradebook.db'}", "minigan") as gb:
            for student, want in class_.items():
                notebook = gb.find_submission_notebook(chapter, chapter, student)
                got = {g.name: g.score for g in notebook.grades}
                assert got == want, f"{chapter}, {student}: {got}, expected {want}"
                assert not any(g.needs_manual_grade for g in notebook.grades), (chapter, student)


def feedback(root, chapter, student):
    page = (root / "feedback" / student / chapter / f"{chapter}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("chapter, student, lines", [
    (A, "right", ["Tanh backward: correct", "The planted bug, fixed: correct"]),
    (A, "wrong", ["Tanh backward: ", "The planted bug, fixed: "]),
    (A, "stubs", ["Tanh backward: not attempted (0 points", "The planted bug, fixed: not attempted (0 points"]),
    (A, "tampered", ["This cell (id:check_fixed_linear) was missing from the submission"]),
    (A, "endless", ["Tanh backward: correct", "CellTimeoutError: this cell ran past the time limit (20 s)"]),
    (B, "endless", ["Minimax G loss on logits: correct", "CellTimeoutError: this cell ran past the time limit"]),
    (A, "killer", ["this cell ended the grading kernel", "The planted bug, fixed: correct"]),
    (A, "truncated", ["could not be graded as handed in: it is not complete JSON",
                      "Tanh backward: not attempted (0 points"]),
    (A, "png", ["could not be graded as handed in: it is not text"]),
    (A, "lost", ["NameError", "FixedLinear"]),
    (B, "right", ["Minimax G loss on logits: correct", "Non-saturating G loss on logits: correct"]),
    (B, "stubs", ["Minimax G loss on logits: not attempted (0 points"]),
    (B, "killer", ["this cell ended the grading kernel", "Non-saturating G loss on logits: correct"]),
])
def test_the_feedback_shows_each_checks_line(graded, chapter, student, lines):
    text = feedback(graded[0][chapter], chapter, student)
    for line in lines:
        assert line in text, f"{chapter}/{student}: {line!r} is not in the feedback"
    if student != "endless":   # an interrupted check shows Python's KeyboardInterrupt traceback
        assert "grading.py" not in text and "checks.py" not in text, "the library's frames reached the feedback"


def test_a_wrong_answer_is_told_what_is_wrong_in_one_line_per_check(graded):
    text = feedback(graded[0][A], A, "wrong")
    said = [line.strip() for line in text.splitlines() if line.strip().startswith(("Tanh backward:", "The planted bug"))]
    assert said and all(not s.endswith(": correct") for s in said), said
    assert all(len(s) < 400 for s in said), said


def test_the_hooked_and_the_unreadable_submissions_are_flagged_for_review_and_no_other(graded):
    roots, steps = graded
    flagged = roots[A] / "flagged" / A
    assert sorted(p.stem for p in flagged.iterdir()) == ["hooked", "lost", "png", "truncated"]
    assert "set_custom_exc" in (flagged / "hooked.txt").read_text()
    assert "exercise cell 'FixedLinear' is missing" in (flagged / "lost.txt").read_text()
    assert not (roots[B] / "flagged").exists()
    assert "hooked/01_gradients_by_hand/01_gradients_by_hand.ipynb flagged for review" in steps[f"autograde {A}"][1]
