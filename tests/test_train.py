"""The command line: python -m minigan.train / sample / evaluate on real MNIST.

Needs the real data (``shared_data_dir`` skips without it)."""
import json
import re
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

import minigan as mg
from minigan import checkpoint, data, models, sample, train
from minigan.gan import GAN


def run_cli(module, *args, data_dir):
    env = dict(os.environ, MINIGAN_DATA_DIR=str(data_dir), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", module, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def trained(shared_data_dir, tmp_path_factory):
    """Two epochs on the first 2,000 MNIST training images, through the real command line."""
    out = tmp_path_factory.mktemp("run")
    stdout = run_cli("minigan.train", "--subset", 2000, "--epochs", 2, "--batch-size", 10,
                     "--out", out, data_dir=shared_data_dir)
    return out, stdout


def checkpoint_arrays(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def test_training_writes_checkpoint_metrics_and_a_grid_every_epoch(trained):
    out, stdout = trained
    assert "done: mnist to epoch 2" in stdout
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert metrics[-1]["step"] == 400
    assert all(0 < m["d_real"] < 1 and 0 < m["d_fake"] < 1 for m in metrics)
    for epoch in (1, 2):
        png = out / "samples" / f"epoch_{epoch:04d}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = checkpoint_arrays(out / "checkpoint.npz")
    assert json.loads(str(saved["state"]))["epoch"] == 2
    assert {"G/0.W", "D/1.W", "G_velocity/4.b", "D_velocity/5.W", "config"} <= set(saved)


@pytest.mark.learning
def test_every_epoch_records_what_the_classifier_sees_and_a_healthy_run_is_not_warned(trained):
    out, stdout = trained
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    for m in records:
        assert 1 <= m["classes_covered"] <= 10 and 0 <= m["class_kl"] <= round(np.log(10), 4)
        assert m["fid"] > 0 and 1 <= m["score"] <= 10 and len(m["class_histogram"]) == 10
    assert f"classes (KL {records[-1]['class_kl']:.2f}), FID {records[-1]['fid']:.1f}" in stdout
    assert "D has won" not in stdout and records[-1]["d_fake"] > 0.05   # healthy: D has not won


@pytest.mark.learning
def test_generator_samples_move_toward_the_data(trained, shared_data_dir):
    """G starts out drawing the mean image, a grey blur (its output bias is logit(mean
    pixel)); real digits are nearly black and white. The first thing a GAN learns is to draw
    saturated strokes, so the distance between the pixel-intensity distributions of samples
    and data (1-D Wasserstein) must shrink. It needs no discriminator, and a G that learned
    nothing keeps its starting value exactly."""
    out, _ = trained
    x = data.load("mnist", "train", shared_data_dir)[0][:2000]
    gan, config, _ = checkpoint.load(out / "checkpoint.npz")
    start = models.build(config, mean_image=x.mean(axis=0))
    distance = {name: wasserstein_distance(g.sample(1000, seed=1).ravel(), x[:1000].ravel())
                for name, g in (("start", start), ("trained", gan))}
    # trained / start was 0.90 on NumPy 2.0 and 1.24 (another summation order, another trajectory)
    # and below 0.85 on NumPy 2.4: a G that moved at all is below 1, so 0.95 keeps a margin both ways.
    assert distance["trained"] < 0.95 * distance["start"], distance


def test_sample_cli_draws_the_grid_and_figures_2_and_3(trained, shared_data_dir, tmp_path):
    out, _ = trained
    for figure in ("grid", "2", "3"):
        png = tmp_path / f"{figure}.png"
        run_cli("minigan.sample", out / "checkpoint.npz", "--figure", figure, "--out", png,
                data_dir=shared_data_dir)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_cli_reports_a_parzen_log_likelihood(trained, shared_data_dir, tmp_path):
    out, _ = trained
    report = tmp_path / "r.json"
    stdout = run_cli("minigan.evaluate", out / "checkpoint.npz", "--n-samples", 500,
                     "--json", report, data_dir=shared_data_dir)
    result = json.loads(report.read_text())
    assert "Parzen log-likelihood" in stdout
    assert np.isfinite(result["parzen_ll"]) and result["parzen_se"] > 0
    assert np.isclose(np.logspace(-1, 0, 10), result["sigma"], rtol=1e-12).any()


def small_run(out, *extra):
    train.main(["--subset", "300", "--batch-size", "10", "--out", str(out), *extra])


def stopped(capsys, code, out, *extra):
    """Run ``small_run`` expecting it to stop with exit status ``code``; returns its stderr."""
    with pytest.raises(SystemExit) as stop:
        small_run(out, *extra)
    assert stop.value.code == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_resume_after_an_epoch_is_bit_identical_to_an_uninterrupted_run(shared_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    small_run(tmp_path / "straight", "--epochs", "2")
    small_run(tmp_path / "resumed", "--epochs", "1")
    small_run(tmp_path / "resumed", "--epochs", "2", "--resume")
    a = checkpoint_arrays(tmp_path / "straight" / "checkpoint.npz")
    b = checkpoint_arrays(tmp_path / "resumed" / "checkpoint.npz")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_ctrl_c_saves_a_checkpoint_that_resumes_bit_identically(shared_data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    small_run(tmp_path / "straight", "--epochs", "2")

    step, updates = GAN.step, []
    def step_then_ctrl_c(self, x_real):
        stats = step(self, x_real)
        updates.append(1)
        if len(updates) == 42:  # in the middle of epoch 2 (30 updates an epoch)
            os.kill(os.getpid(), signal.SIGINT)
        return stats
    monkeypatch.setattr(GAN, "step", step_then_ctrl_c)
    err = stopped(capsys, 130, tmp_path / "resumed", "--epochs", "2")
    assert "interrupted in epoch 2 after update 42" in err and "--resume" in err
    monkeypatch.setattr(GAN, "step", step)
    small_run(tmp_path / "resumed", "--epochs", "2", "--resume")
    a = checkpoint_arrays(tmp_path / "straight" / "checkpoint.npz")
    b = checkpoint_arrays(tmp_path / "resumed" / "checkpoint.npz")
    for k in a:
        if k != "state":
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the NaN we plant
def test_a_nan_stops_training_and_keeps_the_last_good_checkpoint(shared_data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    small_run(tmp_path, "--epochs", "1")
    good = (tmp_path / "checkpoint.npz").read_bytes()

    step = GAN.step
    def poisoned_step(self, x_real):
        self.G.params["4.b"][0] = np.nan  # one bad number spreads through both nets
        return step(self, x_real)
    monkeypatch.setattr(GAN, "step", poisoned_step)
    err = stopped(capsys, 2, tmp_path, "--epochs", "3", "--resume", "--log-every", "5")
    assert re.search(r"non-finite loss at epoch 2, update \d+.*\(after update 30\), is kept unchanged", err)
    assert (tmp_path / "checkpoint.npz").read_bytes() == good
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 1


def test_help_names_the_paper_preset_and_its_source():
    done = subprocess.run([sys.executable, "-m", "minigan.train", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "--preset" in done.stdout and "mnist.yaml" in done.stdout and "--backend" in done.stdout


def test_a_second_run_into_the_same_folder_must_say_resume(shared_data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    small_run(tmp_path, "--epochs", "1")
    assert "--resume" in stopped(capsys, 2, tmp_path, "--epochs", "1")


def test_explicit_flags_override_the_preset():
    config = train.make_config(train.parse_args(["--preset", "paper", "--lr", "0.05"]))
    assert config["update"] == "simultaneous" and config["lr"] == 0.05
    assert train.make_config(train.parse_args([]))["update"] == "alternating"


def test_sample_seed_chooses_the_noise_for_every_figure(trained, shared_data_dir, tmp_path, monkeypatch):
    out, _ = trained
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    for figure in ("grid", "3"):
        pngs = []
        for i, seed in enumerate((0, 0, 1)):
            pngs.append(tmp_path / f"{figure}_{i}.png")
            sample.main([str(out / "checkpoint.npz"), "--figure", figure, "--seed", str(seed),
                         "--out", str(pngs[-1])])
        assert pngs[0].read_bytes() == pngs[1].read_bytes(), f"--figure {figure}: same seed, other picture"
        assert pngs[0].read_bytes() != pngs[2].read_bytes(), f"--figure {figure} ignores --seed"


def test_fit_trains_the_same_parameters_as_the_command_line(shared_data_dir, tmp_path, monkeypatch):
    """One loop: a notebook calling minigan.training.fit with the CLI's settings gets the
    CLI's model, bit for bit."""
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    small_run(tmp_path, "--epochs", "2")
    config = json.loads((tmp_path / "config.json").read_text())
    x = data.load("mnist", "train")[0][:300]
    gan = models.build(config, mean_image=x.mean(axis=0))
    history = mg.training.fit(gan, x, epochs=2, batch_size=10, seed=config["seed"])
    assert [h["epoch"] for h in history] == [1, 2] and history[-1]["step"] == 60
    saved = checkpoint_arrays(tmp_path / "checkpoint.npz")
    for tag, net in (("G", gan.G), ("D", gan.D)):
        for k, p in net.params.items():
            np.testing.assert_array_equal(p, saved[f"{tag}/{k}"], err_msg=f"{tag} {k}")


def test_validation_keeps_the_best_checkpoint_and_resume_keeps_the_best_score(
        shared_data_dir, tmp_path, monkeypatch):
    """best.npz changes only when the validation score improves; a resumed run remembers the
    best score; the test split is never read during training; curves.png is drawn."""
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    monkeypatch.setattr(train, "VALID_SAMPLES", 100)  # the score itself is planted below
    scores = iter([10.0, 5.0, 12.0, 11.0, 13.0])
    monkeypatch.setattr(train.parzen, "select_sigma",
                        lambda valid, samples, **_: (0.2, np.array([next(scores), 0.0])))
    splits, load = [], data.load
    monkeypatch.setattr(train.data, "load", lambda name, split, *a, **k: (splits.append(split), load(name, split, *a, **k))[1])

    def best_epoch():
        return checkpoint.read(tmp_path / "best.npz")[1]["epoch"]
    small_run(tmp_path, "--epochs", "2", "--valid-every", "1")
    assert best_epoch() == 1                                   # 10, then 5: no better
    small_run(tmp_path, "--epochs", "4", "--valid-every", "1", "--resume")
    assert best_epoch() == 3                                   # 12 beats 10; 11 does not beat 12
    small_run(tmp_path, "--epochs", "5", "--valid-every", "1", "--resume")
    assert best_epoch() == 5
    metrics = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [m["valid_ll"] for m in metrics] == [10.0, 5.0, 12.0, 11.0, 13.0]
    assert checkpoint.read(tmp_path / "checkpoint.npz")[1]["best_valid"] == 13.0
    assert "test" not in splits and "valid" in splits
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_the_validation_score_is_the_parzen_protocol_on_real_samples(shared_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    monkeypatch.setattr(train, "VALID_SAMPLES", 500)
    small_run(tmp_path, "--epochs", "1", "--valid-every", "1")
    m = json.loads((tmp_path / "metrics.jsonl").read_text())
    assert np.isfinite(m["valid_ll"]) and m["valid_sigma"] in np.logspace(-1, 0, 10)
    gan, config, state = checkpoint.load(tmp_path / "best.npz")
    assert state["best_valid"] == m["valid_ll"]
