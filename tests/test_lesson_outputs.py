"""A chapter never states one run's outcome as a fact: a number beside a measure is printed by the
chapter's own run, or names where it was measured (``tests/prose_claims.py``). The executed check
runs in ``tests/test_lessons.py`` (each chapter is executed once, there); here the rule itself is
tested on the sentences that broke it, and every chapter's code is read for hard-coded anchors."""
from pathlib import Path

import nbformat
import pytest

import prose_claims as pc

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))


def md(text):
    return {"cell_type": "markdown", "source": text}


def code(text):
    return {"cell_type": "code", "source": text}


# Sentences the chapters once held, each stating another run's outcome as a fact.
ONE_RUN = [
    "What we measured (2026-11-30, our 2-core test machine): the alternating update drew 9 of 10 classes "
    "(class KL 0.23) with two BLAS threads.",
    "The simultaneous update drew 9 classes (KL 0.27) with two threads, but only 7 (KL 0.81) with one.",
    "The classifier's FID compares the samples' features with the test set's (real digits score about "
    "2.2–2.6 against it at this size; the unconditional pretrained G about 7.7).",
]


@pytest.mark.parametrize("sentence", ONE_RUN)
def test_a_sentence_stating_another_runs_outcome_is_refused_twice(sentence):
    first = pc.uncited_prose([md(sentence)], printed="alternating: 10 classes, class KL 0.42, FID 18.8")
    assert first, sentence
    assert pc.uncited_prose([md(sentence)], printed="alternating: 10 classes, class KL 0.42, FID 18.8") == first


def test_the_same_sentence_naming_its_benchmark_is_accepted():
    cited = ("Over 20 runs the first command drew all ten classes with class KL 0.042–0.096 "
             "(`benchmarks/RESULTS.md`, \"The first command\").")
    assert pc.uncited_prose([md(cited)]) == []
    assert pc.uncited_prose([md(cited.replace("`benchmarks/RESULTS.md`, ", ""))])


def test_a_number_the_run_printed_agrees_at_the_precision_written():
    sentence = "On the test digits the classifier's accuracy is 98.3 %."
    assert pc.uncited_prose([md(sentence)], printed="test accuracy 98.34 %\n") == []
    assert pc.uncited_prose([md(sentence)], printed="test accuracy 97.91 %\n")   # another value: refused
    assert pc.uncited_prose([md(sentence)], printed=None)                          # not run: refused


def test_targets_mathematics_and_code_are_not_outcomes():
    cells = [md("A right one puts about 99 % there; the test asks for at least 90 % should hold."),
             md("The score is $\\log 10 = 2.30$ nats at most for one class."),
             md("We use `x_valid[:1000]` labelled images for the accuracy.")]
    assert pc.uncited_prose(cells) == []


def test_an_anchor_typed_into_a_print_is_refused_unless_it_names_its_source():
    bad = code('print(f"||x - G(E(x))|| = {r[\'EGr\']:.2f}   (anchor 5.36 vs 10.16)")')
    assert [n for _, n, _ in pc.uncited_literals([bad])] == ["5.36"]
    assert pc.uncited_literals([bad]) == pc.uncited_literals([bad])
    cited = code('print(f"{r[\'EGr\']:.2f}   (anchor 5.54-5.60, benchmarks/RESULTS.md)")')
    computed = code('print(f"FID {q[\'fid\']:.1f} on {n} samples; label accuracy {acc:.1%} (target >= 95 %)")')
    assert pc.uncited_literals([cited, computed]) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_chapter_prints_a_hard_coded_anchor(path):
    problems = pc.uncited_literals(nbformat.read(path, as_version=4).cells)
    assert not problems, pc.report(path.name, problems, "a print shows a measured number typed into the code "
                                   "(compute it in the cell, or name the benchmark it comes from)")
