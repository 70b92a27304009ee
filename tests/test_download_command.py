"""``python -m minigan.download``: the course's data in one step, tested offline against local
mirror folders (no network): it saves checked files where ``mg.data.load`` looks, and a broken
or empty mirror ends with one line and exit status 2, never a traceback."""
import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan import datafiles
from minigan.download import __main__ as download_command

ROOT = Path(__file__).resolve().parents[1]
FILES = [f"{stem}.gz" for part in ("train", "test") for stem in datafiles.IDX_FILES[part]]


def command(*args, env_update=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_update or {})}
    env.pop("MINIGAN_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "minigan.download", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def no_traceback(result):
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr


def test_downloads_mnist_from_a_mirror_into_the_folder_load_reads(shared_data_dir, tmp_path):
    mirror = tmp_path / "mirror"            # the MNIST the tests found, served as a local mirror
    mirror.mkdir()
    for f in FILES:
        shutil.copy(shared_data_dir / "mnist" / f, mirror / f)
    cache = tmp_path / "cache"             # no --data-dir, no MINIGAN_DATA_DIR: the default cache
    result = command("mnist", "--mirror", str(mirror), env_update={"XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert "checksums verified" in result.stdout and "100%" in result.stderr   # the progress bar
    assert sorted(p.name for p in (cache / "minigan" / "mnist").iterdir()) == sorted(FILES)
    x, y = mg.data.load("mnist", "test", data_dir=cache / "minigan", download=False)
    assert x.shape == (10000, 784) and y.shape == (10000,)
    again = command("mnist", env_update={"XDG_CACHE_HOME": str(cache)})   # present: no download
    assert again.returncode == 0 and "ready in" in again.stdout, again.stderr


def idx_gz(path, array):
    """``array`` (uint8) written as a gzipped IDX file: well formed, but not MNIST."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def run_in_process(capsys, *args):
    """``python -m minigan.download args`` in this process (faster than a subprocess): the exit
    status and what reached stderr."""
    with pytest.raises(SystemExit) as exit_info:
        download_command.main(list(args))
    return exit_info.value.code, capsys.readouterr().err


def test_a_broken_mirror_file_fails_its_checksum_in_one_line(tmp_path, capsys):
    mirror, data = tmp_path / "mirror", tmp_path / "data"
    mirror.mkdir(), data.mkdir()
    idx_gz(mirror / "train-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    status, err = run_in_process(capsys, "mnist", "--mirror", mirror.as_uri(), "--data-dir", str(data))
    assert status == 2 and "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "checksum mismatch" in errors[0], err
    assert not (data / "mnist" / "train-images-idx3-ubyte.gz").exists(), "a bad file is never saved"
    assert mg.download.MIRRORS["mnist"][0].startswith("https://"), "--mirror is for this run only"


def test_an_empty_mirror_or_a_wrong_folder_ends_in_one_line(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for args, expected in ((("--mirror", str(empty), "--data-dir", str(empty)), "could not download"),
                           (("--mirror", str(tmp_path / "nowhere")), "no such folder"),
                           (("fashion", "--data-dir", str(empty)), "invalid choice")):
        status, err = run_in_process(capsys, *args)
        assert status == 2 and "Traceback" not in err, err
        assert expected in err, err
