"""The lessons are chapters that run: every notebook in ``lessons/`` executes top to bottom,
headless, against the library as it is now. A lesson broken by a library change fails here,
naming the notebook, the cell and the error."""
import re
import sys
from pathlib import Path

import pytest

REASON = 'running the lessons needs nbformat, nbclient and ipykernel: pip install -e ".[dev]"'
nbformat = pytest.importorskip("nbformat", reason=REASON)
nbclient = pytest.importorskip("nbclient", reason=REASON)
pytest.importorskip("ipykernel", reason=REASON)

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")   # colours in IPython tracebacks

# Run first in the kernel: the lessons must import *this* minigan, from this interpreter.
SAME_PYTHON = f"""
import sys
assert sys.prefix == {sys.prefix!r}, (
    f"the 'python3' Jupyter kernel runs {{sys.executable}}, not the interpreter running the "
    f"tests ({sys.executable!r}). Find the stale spec with `jupyter kernelspec list`, and "
    f"remove it or reinstall it from this environment: python -m ipykernel install --sys-prefix")
"""


def test_there_are_lessons():
    assert NOTEBOOKS, f"no notebooks found in {LESSONS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} hold outputs or execution counts; "
                       "clear them before committing (Jupyter: Edit > Clear Outputs of All Cells)")


def execute(nb, name):
    """Run notebook ``nb`` headless in this interpreter's kernel; fail naming the cell and error.
    Returns everything the cells printed."""
    nb.cells.insert(0, nbformat.v4.new_code_cell(SAME_PYTHON.strip()))
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(LESSONS)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.output_type == "error" for o in c.outputs)), None)
        where = ("a cell" if failed is None else "the kernel check" if failed == 0
                 else f"cell {failed - 1} (0-based, markdown included)")
        message = ANSI.sub("", str(err))
        pytest.fail(f"{name}: {where} raised\n{message}", pytrace=False)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture(autouse=True)
def fast_lessons(monkeypatch):
    """Lessons read MINIGAN_FAST=1 to train for fewer steps (the claims they assert still hold)."""
    monkeypatch.setenv("MINIGAN_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


# Chapters that need no data set run with an empty data folder, so that they are seen not to need one.
NEEDS_MNIST = ("05_training_on_mnist.ipynb", "06_parzen_evaluation.ipynb", "07_figures_2_and_3.ipynb",
               "10_what_section7_left_for_later.ipynb")


def chapter_data(path, request, monkeypatch, tmp_path):
    """Point the chapter's kernel at its data: MNIST found as the library finds it (the test skips,
    naming the download command, without it), or an empty folder for a chapter that needs none."""
    if path.name in NEEDS_MNIST:
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(request.getfixturevalue("shared_data_dir")))
    else:
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(tmp_path))


@pytest.mark.learning   # a chapter's prose and asserts state what its short runs learn
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_runs_top_to_bottom_with_its_solutions(path, request, monkeypatch, tmp_path):
    chapter_data(path, request, monkeypatch, tmp_path)
    nb = nbformat.read(path, as_version=4)
    printed = execute(nb, path.name)
    assert "not attempted yet" not in printed, f"{path.name}: a solution is missing"
    import prose_claims   # a number beside a measure in the prose: printed by this run, or its source named
    problems = prose_claims.uncited_prose(nb.cells[1:], printed)   # [0] is the kernel check
    assert not problems, prose_claims.report(path.name, problems, "prose states an outcome this run did not print")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_student_version_runs_with_every_exercise_not_attempted(path, request, monkeypatch, tmp_path):
    from minigan import exercises
    chapter_data(path, request, monkeypatch, tmp_path)
    solved = nbformat.read(path, as_version=4)
    student = nbformat.from_dict(exercises.student_version(solved))   # hidden tests removed
    checks = sum(len(re.findall(r"exercises\.check_\w+\(", c.source)) for c in student.cells
                 if c.cell_type == "code")
    printed = execute(student, f"{path.name} (student version)")
    assert printed.count("not attempted yet") == checks, (
        f"{path.name}: {checks} check cells, but {printed.count('not attempted yet')} said "
        "'not attempted yet' in the student version")


def run_until_error(nb):
    """Execute ``nb`` as "Run all" does, stopping at the first error; returns the error outputs and
    the index of the first code cell that never ran (None if all ran)."""
    nb.cells.insert(0, nbformat.v4.new_code_cell(SAME_PYTHON.strip()))
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(LESSONS)}})
    with pytest.raises(nbclient.exceptions.CellExecutionError):
        client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    never = next((i for i, c in enumerate(code) if c.execution_count is None), None)
    return errors, never


@pytest.mark.parametrize("name", NEEDS_MNIST)
def test_a_chapter_without_mnist_ends_in_one_line_naming_the_download_command(name, monkeypatch, tmp_path):
    """A student without the data set gets one line naming the command that downloads it, and
    where minigan looked; no traceback from deep inside the library."""
    empty = tmp_path / "data"
    empty.mkdir()
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(empty))
    errors, _ = run_until_error(nbformat.read(LESSONS / name, as_version=4))
    assert len(errors) == 1 and errors[0].ename == "MissingCourseData", errors
    shown = [ANSI.sub("", line) for line in errors[0].traceback]
    assert len(shown) == 1 and "\n" not in shown[0].strip(), shown
    assert "python -m minigan.download mnist" in shown[0] and str(empty) in shown[0]


def test_a_failed_check_shows_its_message_alone_and_stops_run_all():
    """In Jupyter a wrong answer shows one short message, with no traceback through the library,
    and the cells after it do not run."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import minigan as mg"),
        nbformat.v4.new_code_cell("def tanh_backward(y, dy):\n    return dy * (1 - y)"),
        nbformat.v4.new_code_cell("mg.exercises.check_tanh_backward(tanh_backward)"),
        nbformat.v4.new_code_cell("print('after the check')")])
    errors, never = run_until_error(nb)
    assert len(errors) == 1 and errors[0].ename == "CheckFailed", errors
    shown = [ANSI.sub("", line) for line in errors[0].traceback]
    assert shown == ["Tanh backward: dy * (1 - y): the derivative is 1 - y**2, y squared"], shown
    assert never == 4, "Run all should stop at the failed check"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_shows_its_figures_under_any_backend(path):
    """MPLBACKEND=Agg (as in CI) would hide every figure of a chapter that does not ask for inline."""
    first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert first.source.startswith("%matplotlib inline"), f"{path.name}: start with %matplotlib inline"


# The library code that is an exercise's answer, by the check that grades it.
ANSWERS = {"check_tanh_backward": ["Tanh."], "check_maxout_backward": ["Maxout."],
           "check_dropout_backward": ["Dropout."], "check_D_star_and_C_of_G": ["D_star", "C_of_G"],
           "check_minimax_loss": ["generator_loss"], "check_non_saturating_loss": ["generator_loss"],
           "check_train_epoch": ["training.steps"], "check_parzen_log_likelihood": ["log_likelihood"],
           "check_nearest": ["nearest_neighbours"], "check_lerp": ["interpolate"],
           "check_modes_hit": ["coverage"], "check_logit": ["models.paper_mnist"],
           "check_concat_backward": ["Concat."], "check_encoder_loss": ["fit_encoder"],
           "check_probe_loss": ["semisupervised._fit"]}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_is_printed_before_its_exercise(path):
    cells = nbformat.read(path, as_version=4).cells
    checked_at = {name: i for i, c in enumerate(cells) for name in ANSWERS if f"{name}(" in c.source}
    for i, c in enumerate(cells):
        for shown in re.findall(r"getsource\(([\w.]+)\)", c.source if c.cell_type == "code" else ""):
            early = [name for name, at in checked_at.items() if at > i
                     and any(answer in shown for answer in ANSWERS[name])]
            assert not early, f"{path.name}: cell {i} prints {shown}, the answer of {early[0]}, before it"
