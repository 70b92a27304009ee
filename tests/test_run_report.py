"""A run reports what a classifier sees in its samples, and says in words when it is in trouble (issue 17)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from minigan import evaluate, figures, metrics, train


def epoch(n, d_fake, g_loss, classes=10):
    return {"epoch": n, "d_fake": d_fake, "g_loss": g_loss, "classes_covered": classes, "class_kl": 0.01}


def test_trouble_reads_the_numbers_a_run_already_has():
    healthy = [epoch(1, 0.3, 1.5), epoch(2, 0.25, 2.0), epoch(3, 0.3, 1.9)]
    assert train.trouble(healthy) == []
    won = [epoch(1, 0.2, 2.5), epoch(2, 0.01, 6.0), epoch(3, 0.005, 9.0)]
    assert "D has won" in train.trouble(won)[0] and "from 2.50 (epoch 1) to 9.00" in train.trouble(won)[0]
    recovering = [epoch(1, 0.01, 9.0), epoch(2, 0.01, 7.0)]              # D ahead but G's loss falling
    assert train.trouble(recovering) == []
    assert train.trouble([epoch(1, 0.001, 9.0)]) == []                     # one epoch: nothing to climb from
    few = [epoch(1, 0.3, 1.5), epoch(2, 0.3, 1.5), epoch(3, 0.3, 1.5, classes=3)]
    assert "cover only 3 of 10 classes" in train.trouble(few)[0]
    assert train.trouble(few[:2] + [dict(few[2], epoch=2)]) == []          # blobs at epoch 2 are no verdict
    assert train.trouble([{k: v for k, v in few[2].items() if k != "classes_covered"}]) == []   # CIFAR


def test_a_healthy_first_run_that_is_still_gaining_classes_is_not_told_it_collapsed():
    # The first command, seed 7 at two BLAS threads (2026-11-30): 7, 5, 7, 9, 10 classes in epochs 1-5,
    # and all ten at epoch 10 (class KL 0.065). Epoch 3 is still climbing: no warning.
    climbing = [epoch(1, 0.15, 3.0, classes=7), epoch(2, 0.11, 3.2, classes=5), epoch(3, 0.13, 3.1, classes=7)]
    assert train.trouble(climbing) == []
    stuck = climbing[:2] + [epoch(3, 0.13, 3.1, classes=5)]                 # no better than the epoch before
    assert "cover only 5 of 10 classes" in train.trouble(stuck)[0]
    falling = [epoch(3, 0.2, 2.0, classes=9), epoch(4, 0.2, 2.0, classes=4)]
    assert "cover only 4 of 10 classes" in train.trouble(falling)[0]


def test_the_advice_never_suggests_the_recipe_the_run_already_uses():
    won = [epoch(1, 0.2, 2.5), epoch(2, 0.01, 6.0), epoch(3, 0.005, 9.0, classes=2)]
    first_run = train.make_config(train.parse_args(["--preset", "first-run"]))
    paper = train.make_config(train.parse_args(["--preset", "paper"]))
    for warning in train.trouble(won, first_run):
        assert "--preset first-run" not in warning and "--seed" in warning
    assert all("--preset first-run" in w for w in train.trouble(won, paper))
    assert len(train.trouble(won, first_run)) == len(train.trouble(won, paper)) == 2
    minimax = train.make_config(train.parse_args(["--g-objective", "minimax"]))   # Section 3's fix first
    assert all("ry G's non-saturating loss (--g-objective non-saturating, Section 3), " in w
               for w in train.trouble(won, minimax))
    assert not any("--g-objective" in w for w in train.trouble(won, paper))


@pytest.mark.learning
def test_a_run_where_d_has_won_says_so_and_keeps_training(shared_data_dir, tmp_path, monkeypatch, capsys):
    """Ten D-steps per G-step on 2,000 images: D pulls ahead, and the run says so in words.

    The verdict is forced with a margin, not read off a trajectory's fourth digit: by epoch 3
    D(G(z)) averages 0.01-0.03 here (the exact value depends on the BLAS's summation order; at 0.02,
    train's own threshold, one machine warned and another did not), so this run's threshold is
    raised to 0.1. The threshold itself is tested on fixed records above."""
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    monkeypatch.setattr(train, "D_HAS_WON", 0.1)
    train.main(["--subset", "2000", "--batch-size", "10", "--k", "10", "--epochs", "3", "--valid-every", "0",
                "--out", str(tmp_path / "run")])
    printed = capsys.readouterr().out
    assert "warning: D has won" in printed and "--preset first-run" in printed
    assert "done: mnist to epoch 3" in printed                              # the run was not stopped
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    warned = [r for r in records if any("D has won" in w for w in r["trouble"])]
    assert len(records) == 3 and warned, [(r["epoch"], r["d_fake"], r["trouble"]) for r in records]
    assert all(r["d_fake"] < train.D_HAS_WON for r in warned)   # said only of epochs where D(G(z)) is low

    env = dict(os.environ, MPLBACKEND="Agg")
    report = tmp_path / "r.json"
    shown = subprocess.run([sys.executable, "-m", "minigan.evaluate", str(tmp_path / "run" / "checkpoint.npz"),
                            "--n-samples", "1000", "--json", str(report)], env=env, capture_output=True,
                           text=True, timeout=300)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr[-2000:]
    result = json.loads(report.read_text())
    assert f"the classifier sees {result['classes_covered']} of 10 classes" in shown.stdout
    assert "Parzen log-likelihood" in shown.stdout and result["fid"] > 10   # a G that lost is far from digits


def test_a_data_set_without_a_classifier_trains_and_evaluates_without_metrics(
        shared_data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    monkeypatch.setattr(metrics, "available", lambda dataset: False)      # as for CIFAR-10
    train.main(["--subset", "300", "--batch-size", "10", "--epochs", "1", "--valid-every", "0",
                "--out", str(tmp_path / "run")])
    assert "sample metrics (classes covered, FID) are not available for mnist" in capsys.readouterr().out
    record = json.loads((tmp_path / "run" / "metrics.jsonl").read_text())
    assert "fid" not in record and record["trouble"] == []
    evaluate.main([str(tmp_path / "run" / "checkpoint.npz"), "--n-samples", "200"])
    assert "sample metrics (classes covered, FID) are not available" in capsys.readouterr().out


def test_the_curves_show_the_classifier_panel_only_when_measured():
    records = [{"epoch": e, "d_real": 0.7, "d_fake": 0.3, "d_loss": 1.2, "g_loss": 1.0} for e in (1, 2)]
    assert len(figures.curves(records).axes) == 3
    seen = [dict(r, fid=100.0 / r["epoch"], classes_covered=4 + r["epoch"]) for r in records]
    assert len(figures.curves(seen).axes) == 5                             # 4 panels + the classes' axis


def test_the_first_run_preset_is_the_papers_networks_and_schedules_with_smaller_batches():
    config = train.make_config(train.parse_args(["--preset", "first-run"]))
    assert config == dict(train.DEFAULTS, update="alternating", batch_size=50)
    assert train.make_config(train.parse_args(["--preset", "paper"]))["update"] == "simultaneous"
