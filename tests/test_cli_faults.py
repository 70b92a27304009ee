"""The command lines under faults and bad input, as a user meets them: every mistake ends with
one clear message and a non-zero exit status, never a traceback and never a silent wrong
run; nothing already saved is lost."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import train
from minigan.gan import GAN


def cli(module, *args, data_dir=None, env=None):
    """Run ``python -m minigan.<module> args``; returns (exit status, stdout, stderr)."""
    full_env = dict(os.environ, MPLBACKEND="Agg", **(env or {}))
    if data_dir is not None:
        full_env["MINIGAN_DATA_DIR"] = str(data_dir)
    done = subprocess.run([sys.executable, "-m", f"minigan.{module}", *map(str, args)],
                          env=full_env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def refused(module, *args, expect, data_dir=None):
    """The command must exit non-zero, without a traceback, with ``expect`` in its message."""
    code, out, err = cli(module, *args, data_dir=data_dir)
    assert code != 0, f"{module} {args} exited 0:\n{out}"
    assert "Traceback" not in err, err
    assert expect in err, err
    return err


@pytest.mark.parametrize("flag, value, expect", [
    ("--batch-size", -5, "must be >= 1"), ("--batch-size", 0, "must be >= 1"),
    ("--k", 0, "must be >= 1"), ("--log-every", 0, "must be >= 1"),
    ("--lr", -1, "allowed (0, inf)"), ("--lr", "nan", "allowed (0, inf)"),
    ("--lr-decay", 0, "allowed [1, inf)"), ("--subset", -100, "must be >= 1"),
    ("--epochs", 0, "must be >= 1"), ("--epochs", -3, "must be >= 1"),
    ("--momentum", 1.5, "allowed [0, 1)"), ("--seed", -1, "must be >= 0"),
    ("--batch-size", "ten", "not a whole number")])
def test_train_refuses_a_bad_number_at_once_naming_the_range(flag, value, expect, tmp_path):
    err = refused("train", flag, value, "--out", tmp_path / "run", expect=expect)
    assert flag in err
    assert not (tmp_path / "run").exists(), "a refused run must not create its folder"


@pytest.mark.parametrize("module, args, expect", [
    ("sample", ["ckpt.npz", "--n", 0], "allowed 1 to 1000"),
    ("sample", ["ckpt.npz", "--n", 100000], "allowed 1 to 1000"),
    ("sample", ["ckpt.npz", "--steps", 1], "allowed 2 to 50"),
    ("evaluate", ["ckpt.npz", "--n-samples", 0], "allowed 1 to 100000"),
    ("toy", ["--out", "x", "--seed", -2], "must be >= 0"),
    ("mixture", ["--out", "x", "--seed", "one"], "not a whole number")])
def test_every_command_line_refuses_bad_numbers(module, args, expect):
    refused(module, *args, expect=expect)


@pytest.fixture(scope="module")
def run_dir(shared_data_dir, tmp_path_factory):
    """One finished epoch on 300 MNIST images, through the real command line."""
    out = tmp_path_factory.mktemp("run")
    code, _, err = cli("train", "--subset", 300, "--batch-size", 10, "--epochs", 1, "--out", out,
                       data_dir=shared_data_dir)
    assert code == 0, err
    return out


@pytest.mark.parametrize("flag, value", [("--dataset", "fashion-mnist"), ("--lr", 0.05),
                                         ("--batch-size", 20), ("--k", 2), ("--seed", 3),
                                         ("--preset", "paper")])
def test_resume_refuses_a_flag_that_conflicts_with_the_checkpoint(run_dir, shared_data_dir, flag, value):
    before = (run_dir / "checkpoint.npz").read_bytes()
    err = refused("train", "--resume", "--out", run_dir, "--epochs", 2, flag, value,
                  expect="conflicts with the checkpoint's", data_dir=shared_data_dir)
    assert flag.lstrip("-").split("-")[0] in err and "only --epochs" in err
    assert (run_dir / "checkpoint.npz").read_bytes() == before


def test_resume_with_a_flag_equal_to_the_checkpoints_is_accepted():
    args = train.parse_args(["--resume", "--batch-size", "10", "--epochs", "5"])
    saved = dict(train.DEFAULTS, batch_size=10, subset=300)
    config = train.resumed_config(args, saved)
    assert config["epochs"] == 5 and config["batch_size"] == 10 and config["subset"] == 300


def test_resume_that_asks_for_no_more_epochs_says_so(run_dir, shared_data_dir):
    refused("train", "--resume", "--out", run_dir, "--epochs", 1,
            expect="already trained 1 epochs", data_dir=shared_data_dir)


def test_an_output_folder_that_cannot_be_created_is_refused_before_any_work(shared_data_dir, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "below", "/proc/minigan-cannot-write-here"):
        refused("train", "--out", out, "--subset", 300, "--batch-size", 10,
                expect="Choose another --out", data_dir=shared_data_dir)


def test_a_data_dir_that_is_a_file_or_a_typo_gives_one_message(tmp_path):
    a_file = tmp_path / "data"
    a_file.write_text("x")
    refused("train", "--out", tmp_path / "r1", "--data-dir", a_file, expect=str(a_file))
    refused("train", "--out", tmp_path / "r2", "--data-dir", tmp_path / "typo", expect="typo")
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("damage", ["truncated", "random", "empty"])
def test_a_broken_checkpoint_is_named_and_never_advice_to_unpickle(run_dir, tmp_path, damage):
    raw = (run_dir / "checkpoint.npz").read_bytes()
    content = {"truncated": raw[:len(raw) // 3], "random": np.random.default_rng(1).bytes(4096),
               "empty": b""}[damage]
    bad = tmp_path / "checkpoint.npz"
    bad.write_bytes(content)
    for module, args in (("sample", [bad, "--out", tmp_path / "s.png"]), ("evaluate", [bad]),
                         ("train", ["--resume", "--out", tmp_path, "--epochs", 3])):
        err = refused(module, *args, expect=str(bad))
        assert "allow_pickle" not in err and "pickle" not in err.lower()


def test_a_checkpoint_with_a_nan_written_into_it_is_refused_by_every_command(run_dir, tmp_path):
    with np.load(run_dir / "checkpoint.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    name = next(k for k in arrays if k.startswith("G/"))
    arrays[name] = arrays[name].copy()
    arrays[name].flat[5] = np.nan
    bad = tmp_path / "checkpoint.npz"
    np.savez(bad, **arrays)
    for module, args in (("sample", [bad, "--out", tmp_path / "s.png"]), ("evaluate", [bad]),
                         ("train", ["--resume", "--out", tmp_path, "--epochs", 3])):
        err = refused(module, *args, expect="NaN or infinity")
        assert str(bad) in err and name.split("/")[1] in err
    with pytest.raises(mg.checkpoint.CheckpointError, match="NaN"):
        mg.checkpoint.load(bad)


def test_a_best_npz_not_written_yet_is_explained_and_the_checkpoint_beside_it_named(run_dir):
    # one epoch, and validation comes every 5: the README's "sample runs/mnist/best.npz" has no file yet
    for module, args in (("sample", [run_dir / "best.npz", "--out", run_dir / "s.png"]),
                         ("evaluate", [run_dir / "best.npz"])):
        err = refused(module, *args, expect="no such file")
        assert "holds checkpoint.npz" in err and "--valid-every" in err


CUPY_MISSING = 'raise ImportError("No module named \'cupy\'")\n'
CUPY_WITHOUT_GPU = ("class _Runtime:\n    @staticmethod\n    def getDeviceCount():\n"
                    "        raise RuntimeError('cudaErrorNoDevice: no CUDA-capable device is detected')\n"
                    "class cuda:\n    runtime = _Runtime\n")


@pytest.mark.parametrize("cupy_source, expect", [(CUPY_MISSING, "not installed"),
                                                 (CUPY_WITHOUT_GPU, "no usable GPU")])
def test_backend_cupy_on_a_machine_without_cupy_or_a_gpu_says_so_in_one_line(run_dir, tmp_path, cupy_source,
                                                                              expect):
    # The README's GPU command, tried on a laptop: a cupy package that fails as the real one would.
    (tmp_path / "cupy").mkdir()
    (tmp_path / "cupy" / "__init__.py").write_text(cupy_source)
    env = {"MINIGAN_FAKE_CUPY": "0", "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    for module, args in (("train", ["--backend", "cupy", "--epochs", 1, "--subset", 100, "--out", tmp_path / "r"]),
                         ("sample", [run_dir / "checkpoint.npz", "--backend", "cupy", "--out", tmp_path / "s.png"]),
                         ("evaluate", [run_dir / "checkpoint.npz", "--backend", "cupy"])):
        code, out, err = cli(module, *args, env=env)
        assert code == 2 and "Traceback" not in err, err
        assert expect in err and "minigan[gpu]" in err and "numpy" in err, err


def test_sample_refuses_an_image_name_matplotlib_cannot_write_and_names_the_file_it_wrote(run_dir, tmp_path):
    err = refused("sample", run_dir / "checkpoint.npz", "--out", tmp_path / "grid.txt", expect="'.txt'")
    assert ".png" in err and not (tmp_path / "grid.txt").exists()
    code, out, err = cli("sample", run_dir / "checkpoint.npz", "--out", tmp_path / "grid")
    assert code == 0 and f"wrote {tmp_path / 'grid.png'}" in out and (tmp_path / "grid.png").is_file()
    code, out, _ = cli("sample", run_dir / "checkpoint.npz", "--out", tmp_path / "grid.PDF")
    assert code == 0 and (tmp_path / "grid.PDF").read_bytes()[:4] == b"%PDF"


def test_exercises_refuses_a_file_that_is_not_a_notebook_in_one_line(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# not a notebook\n")
    refused("exercises", readme, "--out", tmp_path / "student", expect="not a Jupyter notebook")
    broken = tmp_path / "lesson.ipynb"
    broken.write_text('{"cells": [{"cell_type": "code", "source": "### BEGIN SOLUTION\\nx = 1\\n"}]}')
    refused("exercises", broken, "--out", tmp_path / "student", expect="unbalanced solution markers")


def test_evaluate_names_the_json_flag_when_its_folder_is_missing(run_dir, tmp_path):
    refused("evaluate", run_dir / "checkpoint.npz", "--json", tmp_path / "no" / "r.json",
            expect=f"--json {tmp_path / 'no' / 'r.json'}: the folder")


def test_ctrl_c_while_the_data_loads_ends_in_one_line_not_a_traceback(monkeypatch, tmp_path, capsys):
    def interrupted_load(*args, **kwargs):
        raise KeyboardInterrupt   # the user pressed Ctrl-C during the first download
    monkeypatch.setattr(mg.data, "load", interrupted_load)
    code = None
    try:
        train.main(["--epochs", "1", "--out", str(tmp_path / "run")])
    except KeyboardInterrupt:   # caught here, so that a regression fails this test, not the session
        pytest.fail("Ctrl-C while loading reached the user as a KeyboardInterrupt traceback")
    except SystemExit as done:
        code = done.code
    err = capsys.readouterr().err
    assert code == 130 and "Traceback" not in err
    assert err.strip() == "python -m minigan.train: interrupted (Ctrl-C)"
    assert not (tmp_path / "run" / "checkpoint.npz").exists()


def test_sample_writes_a_grid_of_many_samples_in_bounded_memory(run_dir, tmp_path):
    code, out, err = cli("sample", run_dir / "checkpoint.npz", "--n", 1000, "--out", tmp_path / "g.png")
    assert code == 0, err
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_training_into_a_log_file_writes_no_progress_bar_noise(shared_data_dir, tmp_path):
    code, out, err = cli("train", "--subset", 300, "--batch-size", 10, "--epochs", 2,
                         "--out", tmp_path, data_dir=shared_data_dir)
    assert code == 0, err
    assert "\r" not in err and "\r" not in out
    assert "epoch 1/2:" in out + err and "epoch 2/2:" in out + err  # one line per epoch instead


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_ctrl_c_after_an_unchecked_divergence_keeps_the_good_checkpoint(shared_data_dir, tmp_path,
                                                                       monkeypatch, capsys):
    """The worst moment: the run diverges, and Ctrl-C lands before the next NaN check (every
    --log-every updates). Driven deterministically: the same update poisons the parameters and
    sends SIGINT."""
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    base = ["--subset", "300", "--batch-size", "10", "--out", str(tmp_path), "--data-dir",
            str(shared_data_dir)]
    train.main(base + ["--epochs", "1"])
    good = (tmp_path / "checkpoint.npz").read_bytes()

    step, calls = GAN.step, []
    def diverge_then_ctrl_c(self, x_real):
        stats = step(self, x_real)
        calls.append(1)
        if len(calls) == 5:  # update 35, long before the next check at update 1000
            self.G.params["4.b"][...] = np.nan
            os.kill(os.getpid(), signal.SIGINT)
        return stats
    monkeypatch.setattr(GAN, "step", diverge_then_ctrl_c)
    with pytest.raises(SystemExit) as stop:
        train.main(base + ["--epochs", "3", "--resume", "--log-every", "1000"])
    err = capsys.readouterr().err
    assert stop.value.code == 130 and "Traceback" not in err
    assert "diverged" in err and "after update 30), is kept unchanged" in err
    assert (tmp_path / "checkpoint.npz").read_bytes() == good


def test_the_ctrl_c_hint_names_the_data_dir_it_was_given(shared_data_dir, tmp_path, monkeypatch, capsys):
    step, calls = GAN.step, []
    def step_then_ctrl_c(self, x_real):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return step(self, x_real)
    monkeypatch.setattr(GAN, "step", step_then_ctrl_c)
    with pytest.raises(SystemExit):
        train.main(["--subset", "300", "--batch-size", "10", "--epochs", "1", "--out", str(tmp_path),
                    "--data-dir", str(shared_data_dir)])
    err = capsys.readouterr().err
    assert f"--resume --out {tmp_path} --data-dir {shared_data_dir}" in err
    config, state = json.loads((tmp_path / "config.json").read_text()), None
    assert config["subset"] == 300


def test_resuming_a_checkpoint_whose_config_lacks_a_key_says_so(tmp_path):
    """A checkpoint written by something else (or an older minigan) with a partial config."""
    from minigan import checkpoint, layers
    G = layers.Sequential(layers.Linear(2, 3))
    D = layers.Sequential(layers.Linear(3, 1))
    checkpoint.save(tmp_path / "checkpoint.npz", GAN(G, D, z_dim=2), {"dataset": "mnist"},
                    {"epoch": 1, "batch": 0, "step": 10})
    for module, args in (("train", ["--resume", "--out", tmp_path, "--epochs", 3]),
                         ("sample", [tmp_path / "checkpoint.npz", "--out", tmp_path / "s.png"])):
        err = refused(module, *args, expect=str(tmp_path / "checkpoint.npz"))
        assert "lacks" in err or "cannot build" in err
