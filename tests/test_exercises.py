"""The exercise machinery of the lessons: solutions stripped as nbgrader strips them, and
check cells that say "correct", "not attempted yet", or what is wrong."""
import json

import numpy as np
import pytest

import minigan as mg
from minigan import exercises

SOLVED = '''def tanh_backward(y, dy):
    """dx for y = tanh(x)."""
    ### BEGIN SOLUTION
    return dy * (1 - y * y)
    ### END SOLUTION
'''


def test_a_solution_is_replaced_by_the_stub_at_its_indentation():
    student = exercises.strip_solutions(SOLVED)
    assert "1 - y * y" not in student and "BEGIN SOLUTION" not in student
    assert '    # YOUR CODE HERE\n    raise NotImplementedError()' in student
    namespace = {}
    exec(student, namespace)
    with pytest.raises(NotImplementedError):
        namespace["tanh_backward"](1.0, 1.0)


def test_check_says_correct_not_attempted_or_what_is_wrong(capsys):
    with exercises.check("Tanh backward"):
        pass
    def tanh_backward(y, dy):                  # the untouched stub
        raise NotImplementedError()
    with exercises.check("Tanh backward"):
        tanh_backward(1.0, 1.0)
    out = capsys.readouterr().out
    assert "Tanh backward: correct" in out and "Tanh backward: not attempted yet" in out
    with pytest.raises(AssertionError, match="Tanh backward: .*shape \\(3, 2\\), got \\(2, 3\\)"):
        with exercises.check("Tanh backward"):
            exercises.expect_shape(np.zeros((2, 3)), (3, 2), "tanh_backward(y, dy)")


def test_the_command_writes_student_versions_without_solutions_or_outputs(tmp_path):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["### BEGIN SOLUTION stays in prose"]},
        {"cell_type": "code", "metadata": {}, "execution_count": 3, "outputs": [{"output_type": "stream"}],
         "source": SOLVED.splitlines(keepends=True)}]}
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "01.ipynb").write_text(json.dumps(nb))
    exercises.main([str(tmp_path / "lessons"), "--out", str(tmp_path / "student")])
    out = json.loads((tmp_path / "student" / "01.ipynb").read_text())
    code = out["cells"][1]
    assert "raise NotImplementedError()" in code["source"] and "1 - y * y" not in code["source"]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert out["cells"][0] == nb["cells"][0]


def test_unbalanced_markers_are_refused():
    with pytest.raises(ValueError, match="unbalanced"):
        exercises.student_version({"cells": [{"cell_type": "code", "source": "### BEGIN SOLUTION\nx = 1\n"}]})


def test_generator_loss_is_public_and_is_what_the_gan_uses():
    logits = np.linspace(-5, 5, 12).reshape(6, 2)
    for objective in ("minimax", "non-saturating"):
        loss, grad = mg.losses.generator_loss(logits, objective)
        gan_loss, gan_grad = mg.gan.GAN(mg.layers.Linear(2, 2, dtype="float64"),
                                        mg.layers.Linear(2, 1, dtype="float64"), z_dim=2,
                                        objective=objective)._generator_loss(logits)
        np.testing.assert_array_equal(grad, gan_grad)
    with pytest.raises(ValueError, match="minimax"):
        mg.losses.generator_loss(logits, "wasserstein")
