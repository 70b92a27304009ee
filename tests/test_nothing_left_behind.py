"""A download or a training run that fails before it saves anything leaves no empty folder behind
(issue 29): offline, the first command used to leave ``runs/mnist/samples/`` and
``~/.cache/minigan/mnist/``. Each command is run as a user runs it, in a subprocess whose
downloads go through a proxy that refuses every connection (``127.0.0.1:9``), so no test ever
reaches the network; what it already held is kept, and so is what a run saved."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minigan import download
from minigan.download import __main__ as download_command

ROOT = Path(__file__).resolve().parents[1]
REFUSED = "http://127.0.0.1:9"   # the discard port: nothing listens, every connection is refused


def offline(module, *args, home):
    """``python -m minigan.<module> args`` run in ``home`` as a user with no network, whose data
    folder is the default one (``home/cache/minigan``): the exit status and stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "https_proxy": REFUSED, "http_proxy": REFUSED, "HTTPS_PROXY": REFUSED,
           "HTTP_PROXY": REFUSED, "no_proxy": "", "NO_PROXY": "", "MPLBACKEND": "Agg"}
    env.pop("MINIGAN_DATA_DIR", None)
    done = subprocess.run([sys.executable, "-m", f"minigan.{module}", *map(str, args)], cwd=home,
                          env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stderr


def one_line_error(status, err, module, expected):
    assert status == 2, err
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith(f"python -m minigan.{module}: error:")]
    assert len(errors) == 1 and expected in errors[0], err


def tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_an_offline_download_leaves_no_empty_data_folder(tmp_path):
    for _ in range(2):   # the same verdict twice
        status, err = offline("download", home=tmp_path)
        one_line_error(status, err, "download", "No mirror could be reached")
        assert tree(tmp_path) == [], f"left behind: {tree(tmp_path)}"


@pytest.mark.parametrize("mirror", ["empty-mirror", "missing-folder", REFUSED + "/mnist/"])
def test_a_mirror_that_fails_leaves_no_empty_data_folder(tmp_path, mirror):
    if mirror == "empty-mirror":
        (tmp_path / mirror).mkdir()
    status, err = offline("download", "--mirror", mirror, home=tmp_path)
    expected = "no such folder" if mirror == "missing-folder" else "could not download"
    one_line_error(status, err, "download", expected)
    assert tree(tmp_path) == ([mirror] if mirror == "empty-mirror" else []), tree(tmp_path)


def test_a_failed_download_keeps_the_folders_that_were_there_and_what_they_hold(tmp_path):
    kept = tmp_path / "cache" / "minigan" / "fashion-mnist"
    kept.mkdir(parents=True)
    (kept / "notes.txt").write_text("mine")
    (tmp_path / "cache" / "minigan" / "mnist").mkdir()   # empty, but the user made it: kept
    status, err = offline("download", home=tmp_path)
    one_line_error(status, err, "download", "could not download")
    assert tree(tmp_path) == ["cache", "cache/minigan", "cache/minigan/fashion-mnist",
                              "cache/minigan/fashion-mnist/notes.txt", "cache/minigan/mnist"]


def test_an_offline_first_run_leaves_no_empty_run_or_data_folder(tmp_path):
    for _ in range(2):   # the README's first command, as written there
        status, err = offline("train", "--preset", "first-run", "--epochs", 10, "--out", "runs/mnist",
                              home=tmp_path)
        one_line_error(status, err, "train", "could not download")
        assert tree(tmp_path) == [], f"left behind: {tree(tmp_path)}"


def test_a_failed_run_into_an_existing_folder_keeps_it_and_removes_only_what_it_made(tmp_path):
    out = tmp_path / "runs" / "mine"
    out.mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    status, err = offline("train", "--epochs", 1, "--out", out, home=tmp_path)
    one_line_error(status, err, "train", "could not download")
    assert tree(tmp_path) == ["runs", "runs/mine", "runs/mine/notes.txt"]


def test_a_download_that_succeeds_keeps_its_folder(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "f.bin").write_bytes(b"data")
    dest = tmp_path / "new" / "deeper" / "f.bin"
    download.download_file([mirror.as_uri() + "/f.bin"], dest)
    assert dest.read_bytes() == b"data"


@pytest.mark.parametrize("failure", [KeyboardInterrupt, ValueError])
def test_a_download_stopped_by_ctrl_c_or_a_bad_file_removes_the_folders_it_made(tmp_path, failure):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "f.bin").write_bytes(b"data")

    def verify(path):
        raise failure("stopped")
    expected = KeyboardInterrupt if failure is KeyboardInterrupt else download.DownloadError
    with pytest.raises(expected):
        download.download_file([mirror.as_uri() + "/f.bin"], tmp_path / "new" / "deeper" / "f.bin",
                               verify=verify)
    assert tree(tmp_path) == ["mirror", "mirror/f.bin"]


def test_the_download_command_in_process_also_cleans_up(tmp_path, monkeypatch, capsys):
    """The command's function, called as the old tests and notebooks call it: the same cleanup."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as done:
        download_command.main(["--mirror", str(tmp_path / "empty")])
    assert done.value.code == 2 and "Traceback" not in capsys.readouterr().err
    assert tree(tmp_path) == ["empty"]
