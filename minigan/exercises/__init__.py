"""Exercises that check themselves, for the lessons (``lessons/*.ipynb``).

A lesson's exercise is a function the student writes, between nbgrader's markers::

    def tanh_backward(y, dy):
        ### BEGIN SOLUTION
        return dy * (1 - y * y)
        ### END SOLUTION

and a check cell of one line that hands it to this module::

    mg.exercises.check_tanh_backward(tanh_backward)

Each ``check_*`` function builds all its own test data inside (fixed seeds, nothing from earlier
cells), so re-running any cell, in any order, never changes its verdict; the tests call every
check with wrong answers of the kinds students write, and twice in a row. Each runs the answer over
a family of inputs in which every argument varies, hands it arrays it must not change, compares
with a formula of its own, and makes the library's own answer refuse to run meanwhile (the rules,
and their limits, are in :mod:`.guards` and ``docs/API.md``); ``check_*(answer, hidden=True)``,
for a grader's hidden tests, judges a larger family and fails on an untouched stub. A check prints
``Tanh backward: correct``; an untouched stub (``raise NotImplementedError()``) prints ``Tanh
backward: not attempted yet`` and lets the notebook run on; a wrong answer raises
:class:`CheckFailed`, whose message says what is wrong and where to look. If the student's own
code raises, the message names the error and the line of their code.

**What a student sees, and why "Run all" stops there.** In Jupyter a failed check shows its
message and nothing else: no traceback through the library (IPython's ``_render_traceback_``
hook). It is still an error, so "Run all" stops at that cell: the cells after an exercise use
its answer (a curve, a trained network), and a wrong answer there would fail later with a
message pointing the wrong way. Fix the answer, re-run the check cell, then "Run all below".

The student version of a lesson has every solution replaced by the stub, as nbgrader's
``clear_solutions`` would do::

    python -m minigan.exercises lessons/ --out student/     # every lessons/*.ipynb

We honour nbgrader's markers with a few lines of JSON handling instead of depending on
nbgrader, which brings JupyterLab, a server and a database with it; a notebook written for
this module still works with nbgrader's own tools.

Four rooms: ``grading`` (how a check judges and speaks); ``guards`` (what no answer may do:
change its inputs, rebind what the check relies on, call the library's answer); the checks, one per exercise
(``checks``: lessons 1, 2, 4; ``checks_theory``: 3; ``checks_training``: 5-8; ``checks_gpu``: 9;
``checks_section7``: 10); ``student`` (the
student version and its command line).
"""
from .checks import (  # one per exercise, in the order of the lessons: 1, 2, 4
    check_tanh_backward, check_fixed_linear, check_maxout_backward, check_dropout_backward,
    check_minimax_loss, check_non_saturating_loss)
from .checks_theory import check_best_y, check_D_star_and_C_of_G, check_step_p_g  # lesson 3
from .checks_training import (  # lessons 5-8
    check_train_epoch, check_parzen_log_likelihood, check_nearest, check_lerp, check_modes_hit,
    check_prediction)
from .checks_gpu import check_logit  # lesson 9
from .checks_section7 import check_concat_backward, check_encoder_loss, check_probe_loss  # lesson 10
from .grading import CheckFailed, MissingCourseData, NotAttempted, check, course_data, expect_shape
from .student import BEGIN, END, STUB, main, strip_hidden_tests, strip_solutions, student_version
from . import guards as _guards

_guards.seal()   # the library's functions as installed, restored while a check runs
