"""The command lines with Mirza & Osindero's conditional GAN (--preset mirza): training with
labels, validation, checkpoints, an exact --resume, a sample grid with one row per class, and
mistakes refused with one message. Needs the real MNIST (skips without it)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from minigan import train

RUN = ("--preset", "mirza", "--subset", 400, "--batch-size", 20)


def cli(module, *args, data_dir):
    env = dict(os.environ, MINIGAN_DATA_DIR=str(data_dir), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", f"minigan.{module}", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.returncode, done.stdout, done.stderr


def arrays(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files if k not in ("state", "config")}


@pytest.fixture(scope="module")
def runs(shared_data_dir, tmp_path_factory):
    """Two epochs straight, and one epoch then --resume to two."""
    straight, resumed = tmp_path_factory.mktemp("straight"), tmp_path_factory.mktemp("resumed")
    outs = [cli("train", *RUN, "--epochs", 2, "--valid-every", 1, "--out", straight,
                data_dir=shared_data_dir),  # validation draws its own noise: no effect on training
            cli("train", *RUN, "--epochs", 1, "--valid-every", 0, "--out", resumed, data_dir=shared_data_dir),
            cli("train", "--resume", "--epochs", 2, "--valid-every", 0, "--out", resumed,
                data_dir=shared_data_dir)]
    assert [code for code, _, _ in outs] == [0, 0, 0], [err[-2000:] for _, _, err in outs]
    return straight, resumed


def test_preset_mirza_trains_a_conditional_gan_with_their_schedule_and_validates(runs):
    straight, _ = runs
    config = json.loads((straight / "config.json").read_text())
    assert config["conditional"] is True and config["lr_decay"] == 1.00004
    assert (config["lr"], config["lr_floor"], config["momentum"], config["final_momentum"],
            config["batch_size"]) == (0.1, 1e-6, 0.5, 0.7, 20)
    metrics = [json.loads(line) for line in (straight / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert all(np.isfinite(m["valid_ll"]) for m in metrics)
    assert metrics[-1]["lr"] == pytest.approx(0.1 / 1.00004 ** 39)  # 40 updates: 20 per epoch
    assert (straight / "best.npz").is_file()


def test_resume_continues_a_conditional_run_exactly(runs):
    straight, resumed = runs
    a, b = arrays(straight / "checkpoint.npz"), arrays(resumed / "checkpoint.npz")
    assert a.keys() == b.keys() and "G/0.1.0.W" in a  # G's label branch is saved
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_sample_draws_one_row_per_class(runs, shared_data_dir, tmp_path):
    straight, _ = runs
    png = tmp_path / "classes.png"
    code, out, _ = cli("sample", straight / "checkpoint.npz", "--n", 30, "--out", png,
                       data_dir=shared_data_dir)
    assert code == 0 and str(png) in out
    with Image.open(png) as im:
        width, height = im.size
    assert height > 2.5 * width  # 10 rows of 3: a tall picture
    code, _, _ = cli("sample", straight / "checkpoint.npz", "--figure", "3", "--rows", 2,
                     "--out", tmp_path / "f3.png", data_dir=shared_data_dir)
    assert code == 0  # Figure 3's lines in z take the classes in turn


def test_a_conditional_cifar10_run_is_refused_before_any_work(shared_data_dir, tmp_path):
    code, _, err = cli("train", "--conditional", "--dataset", "cifar10", "--out", tmp_path / "c",
                       data_dir=shared_data_dir)
    assert code == 2 and "--dataset mnist or fashion-mnist" in err


def test_resume_refuses_switching_a_run_to_conditional():
    args = train.parse_args(["--resume", "--conditional", "--epochs", "9"])
    with pytest.raises(train.cli.Failure, match="--conditional True conflicts with the checkpoint's False"):
        train.resumed_config(args, dict(train.DEFAULTS))


def test_checkpoints_from_before_conditional_gans_still_resume():
    args = train.parse_args(["--resume", "--epochs", "9"])
    old = {k: v for k, v in train.DEFAULTS.items() if k != "conditional"}
    assert train.resumed_config(args, old)["conditional"] is False
