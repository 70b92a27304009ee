"""The README's test command on a user's machine: the tests look for MNIST where the library does
(``$MINIGAN_DATA_DIR``, else ``~/.cache/minigan``, where the first command downloads it), skip with
the command that gets it when it is absent, and fail in one line naming the file when it is broken.
Each case runs this project's conftest in a fresh pytest process, as a user's run would."""
import gzip
from pathlib import Path

import pytest

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
NEEDS_MNIST = "def test_needs_mnist(shared_data_dir):\n    assert (shared_data_dir / 'mnist').is_dir()\n"


def run(pytester, monkeypatch, home, data_dir=None):
    """A test that needs MNIST, run in its own pytest process with HOME at ``home`` and
    MINIGAN_DATA_DIR at ``data_dir`` (unset when None); returns pytest's result."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    if data_dir is None:
        monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(data_dir))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user=NEEDS_MNIST)
    return pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")


def test_without_data_the_test_skips_naming_the_download_command(pytester, monkeypatch, tmp_path):
    result = run(pytester, monkeypatch, tmp_path / "home")
    result.assert_outcomes(skipped=1)
    out = result.stdout.str()
    assert "python -m minigan.download mnist" in out and str(tmp_path / "home" / ".cache" / "minigan") in out
    assert not (tmp_path / "home" / ".cache").exists()           # looking creates nothing


def test_a_data_dir_that_does_not_exist_is_named_in_the_skip(pytester, monkeypatch, tmp_path):
    result = run(pytester, monkeypatch, tmp_path / "home", data_dir=tmp_path / "no-such-folder")
    result.assert_outcomes(skipped=1)
    assert f"MINIGAN_DATA_DIR={tmp_path / 'no-such-folder'} is not a folder" in result.stdout.str()


@pytest.mark.parametrize("broken", ["truncated", "foreign"])
def test_a_broken_data_file_fails_in_one_line_naming_it(pytester, monkeypatch, tmp_path, broken):
    mnist = tmp_path / "data" / "mnist"
    mnist.mkdir(parents=True)
    bad = mnist / "train-images-idx3-ubyte.gz"
    if broken == "truncated":
        bad.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + (60000).to_bytes(4, "big"))[:20])
    else:
        bad.write_bytes(b"<html>404 Not Found</html>")   # a web page saved under the file's name
    for stem in ("train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (mnist / f"{stem}.gz").write_bytes(b"")
    result = run(pytester, monkeypatch, tmp_path / "home", data_dir=tmp_path / "data")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert str(bad) in out and "Traceback" not in out and "gzip.py" not in out, out
    said = [line for line in out.splitlines() if str(bad) in line]
    assert said and "holds a broken mnist" in said[0]


def test_mnist_in_the_download_folder_is_found_without_any_variable(pytester, monkeypatch, tmp_path,
                                                                     shared_data_dir):
    """A user who ran the first command has MNIST in ~/.cache/minigan and nothing set."""
    cache = tmp_path / "home" / ".cache" / "minigan" / "mnist"
    cache.mkdir(parents=True)
    for f in (shared_data_dir / "mnist").iterdir():
        (cache / f.name).symlink_to(f)
    result = run(pytester, monkeypatch, tmp_path / "home")
    result.assert_outcomes(passed=1)
