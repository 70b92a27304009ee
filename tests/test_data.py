"""The data sets: IDX and CIFAR-10 readers, the paper's splits, and safe, atomic downloads.

Everything runs offline: files are generated here, downloads come from an HTTP server on
127.0.0.1 that the test starts, and every mirror is pointed at a closed local port by default.
"""
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import shlex
import socket
import struct
import tarfile
import threading

import numpy as np
import pytest

from minigan import data, datafiles

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int16): 0x0B, np.dtype(np.int32): 0x0C,
             np.dtype(np.float32): 0x0D}


def idx_bytes(a):
    """``a`` in the IDX format: 00 00 <type> <ndim>, big-endian uint32 sizes, big-endian values."""
    a = np.asarray(a)
    header = bytes([0, 0, IDX_CODES[a.dtype], a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    return header + a.astype(a.dtype.newbyteorder(">")).tobytes()


def closed_port():
    """A port on 127.0.0.1 that nothing listens on: connecting fails at once, like being offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Every mirror points at a closed local port unless a test serves files itself."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")  # a proxy setting must not see these
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in data.MIRRORS:
        monkeypatch.setitem(data.MIRRORS, name, [f"http://127.0.0.1:{closed_port()}/"])


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 (free port) serving ``tmp_path/www``: yields (folder, base URL).
    ``/short`` promises 1000 bytes and sends 10, like a connection that drops."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/short":
                return super().do_GET()
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


# ---------------------------------------------------------------- IDX

@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32])
def test_read_idx_round_trips_raw_and_gzipped_files(tmp_path, gz, dtype):
    a = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype)
    path = tmp_path / "a.idx"  # the name says nothing: gzip is detected by its magic bytes
    path.write_bytes(gzip.compress(idx_bytes(a)) if gz else idx_bytes(a))
    out = data.read_idx(path)
    assert out.dtype == dtype and out.dtype.isnative and out.flags.writeable
    np.testing.assert_array_equal(out, a)


GOOD = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
CORRUPT = {
    "truncated data": (GOOD[:-1], "truncated"),
    "truncated header": (GOOD[:9], "truncated header"),
    "bad magic": (b"\x00\x01" + GOOD[2:], "wrong magic"),
    "unknown type": (b"\x00\x00\x07" + GOOD[3:], "wrong magic"),
    "empty file": (b"", "wrong magic"),
    "not IDX inside gzip": (gzip.compress(b"hello world"), "wrong magic"),
    "trailing bytes": (GOOD + b"\x00", "wrong length"),
    "gzip header, garbage after": (b"\x1f\x8b" + b"garbage" * 5, "corrupt gzip"),
    "truncated gzip": (gzip.compress(GOOD)[:-12], "corrupt gzip"),
}


@pytest.mark.parametrize("case", CORRUPT)
def test_read_idx_names_the_file_and_the_problem(tmp_path, case):
    content, problem = CORRUPT[case]
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(data.DataError, match=problem) as err:
        data.read_idx(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert "delete it" in str(err.value)  # and says what to do about it


def test_read_idx_checks_sha256_of_the_decompressed_bytes(tmp_path):
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(GOOD))
    right = hashlib.sha256(GOOD).hexdigest()
    np.testing.assert_array_equal(data.read_idx(path, sha256=right), np.arange(12).reshape(3, 4))
    wrong = "0" * 64
    with pytest.raises(ValueError, match="checksum mismatch") as err:
        data.read_idx(path, sha256=wrong)
    assert str(path) in str(err.value) and wrong in str(err.value) and right in str(err.value)


def test_a_missing_file_is_a_data_error_and_a_file_not_found_error(tmp_path):
    with pytest.raises(data.MissingData, match="no such file") as err:
        data.read_idx(tmp_path / "t10k-images-idx3-ubyte.gz")
    assert isinstance(err.value, data.DataError) and isinstance(err.value, FileNotFoundError)
    with pytest.raises(data.DataError, match="cannot read"):  # a folder where a file should be
        data.read_cifar_batch(tmp_path)


def test_one_error_class_covers_every_data_problem():
    """The command lines catch ``data.DataError`` alone, and still keep the older contracts."""
    assert issubclass(data.DataError, ValueError)
    assert issubclass(data.MissingData, data.DataError) and issubclass(data.MissingData,
                                                                      FileNotFoundError)
    assert issubclass(data.DownloadError, data.DataError)
    assert issubclass(data.RefusedPickle, data.DataError) and issubclass(data.RefusedPickle,
                                                                        pickle.UnpicklingError)


# ---------------------------------------------------------------- CIFAR-10 python batches

class Py2Pickler(pickle._Pickler):
    """Writes pickles as Python 2's cPickle wrote CIFAR-10: each string a py2 ``str``
    (BINSTRING, read back as bytes) and NumPy's array rebuilder as ``numpy.core.multiarray``."""
    dispatch = pickle._Pickler.dispatch.copy()
    reconstruct = np.zeros(1).__reduce__()[0]

    def save_py2_str(self, obj):
        raw = obj.encode("latin1") if isinstance(obj, str) else obj
        self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw if len(raw) < 256
                   else pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = dispatch[bytes] = save_py2_str

    def save_global(self, obj, name=None):
        if obj is not self.reconstruct:
            return super().save_global(obj, name)
        self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
        self.memoize(obj)


def py2_dump(obj, f):
    Py2Pickler(f, protocol=2).dump(obj)


def write_cifar(folder, n=4, dump=pickle.dump, str_keys=False):
    """Tiny CIFAR-10 python batches (``n`` images each) in ``folder``; returns {batch: (x, y)}."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in data.CIFAR10_BATCHES["train"] + data.CIFAR10_BATCHES["test"]:
        x = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, n).tolist()
        batch = {b"batch_label": name.encode(), b"labels": y, b"data": x,
                 b"filenames": [b"img%d.png" % i for i in range(n)]}
        if str_keys:
            batch = {k.decode(): v for k, v in batch.items()}
        with open(folder / name, "wb") as f:
            dump(batch, f)
        written[name] = (x, y)
    return written


@pytest.fixture
def tiny_cifar_splits(monkeypatch):
    """The paper's CIFAR-10 split shape (train | valid from the 5 train batches) at 20 images."""
    monkeypatch.setitem(data.SPLITS, "cifar10",
                        {"train": ("train", 0, 16), "valid": ("train", 16, 20),
                         "test": ("test", 0, 4)})


@pytest.mark.parametrize("dump, str_keys", [(pickle.dump, False), (py2_dump, False),
                                            (pickle.dump, True)],
                         ids=["bytes keys", "python2 pickle", "str keys"])
def test_cifar_batches_load_in_order_with_the_papers_splits(tmp_path, tiny_cifar_splits,
                                                            dump, str_keys):
    written = write_cifar(tmp_path / "cifar10" / data.CIFAR10_FOLDER, dump=dump, str_keys=str_keys)
    all_x = np.concatenate([written[b][0] for b in data.CIFAR10_BATCHES["train"]])
    all_y = np.concatenate([written[b][1] for b in data.CIFAR10_BATCHES["train"]])
    for split, rows in [("train", slice(0, 16)), ("valid", slice(16, 20))]:
        x, y = data.load("cifar10", split, tmp_path, download=False)
        assert x.dtype == np.float32 and x.shape == (rows.stop - rows.start, 3072)
        assert 0 <= x.min() and x.max() <= 1
        np.testing.assert_array_equal(x, all_x[rows] / np.float32(255))
        np.testing.assert_array_equal(y, all_y[rows])
    x, y = data.load("cifar10", "test", tmp_path, download=False)
    np.testing.assert_array_equal(x * 255, written["test_batch"][0])
    assert y.dtype == np.int64 and list(y) == written["test_batch"][1]


class RunsShell:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class RunsEval:
    def __init__(self, source):
        self.source = source

    def __reduce__(self):
        return (eval, (self.source,))


def evil_batch(kind, marker):
    payload = (RunsShell(f"touch {shlex.quote(str(marker))}") if kind == "os.system"
               else RunsEval(f"open({str(marker)!r}, 'w').close()"))
    return {b"data": payload, b"labels": [0]}


@pytest.mark.parametrize("kind, refused", [("os.system", "system"), ("eval", "builtins.eval")])
def test_a_malicious_cifar_pickle_is_refused_and_never_runs(tmp_path, kind, refused):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(evil_batch(kind, marker)))
    with pytest.raises(data.RefusedPickle, match=f"refused to load global .*{refused}"):
        data.read_cifar_batch(path)
    assert not marker.exists()


def test_the_malicious_pickle_would_run_under_a_plain_pickle_load(tmp_path):
    """Control for the tests above: the payload is real; only the restricted unpickler stops it."""
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(evil_batch("eval", marker)))
    assert marker.exists()


def test_load_refuses_a_malicious_batch_among_good_ones(tmp_path, tiny_cifar_splits):
    folder = tmp_path / "cifar10" / data.CIFAR10_FOLDER
    write_cifar(folder)
    marker = tmp_path / "pwned"
    (folder / "data_batch_3").write_bytes(pickle.dumps(evil_batch("os.system", marker)))
    with pytest.raises(pickle.UnpicklingError, match="data_batch_3"):
        data.load("cifar10", "train", tmp_path, download=False)
    assert not marker.exists()


def test_a_batch_without_data_is_a_clear_error(tmp_path):
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({b"labels": [1, 2]}))
    with pytest.raises(data.DataError, match="no 'data' and 'labels'"):
        data.read_cifar_batch(path)


def cifar_tarball(path, members):
    """A .tar.gz with ``members`` {name: bytes or TarInfo}."""
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                tar.addfile(content)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return hashlib.md5(path.read_bytes()).hexdigest()


def tiny_cifar_members(tmp_path):
    write_cifar(tmp_path / "src")
    return {f"{data.CIFAR10_FOLDER}/{p.name}": p.read_bytes() for p in (tmp_path / "src").iterdir()}


def test_the_cifar_tarball_is_checked_and_extracted_in_place(tmp_path, tiny_cifar_splits,
                                                             monkeypatch):
    folder = tmp_path / "data" / "cifar10"
    folder.mkdir(parents=True)
    md5 = cifar_tarball(folder / data.CIFAR10_TARBALL, tiny_cifar_members(tmp_path))
    with pytest.raises(ValueError, match="checksum mismatch"):  # the real tarball's MD5
        data.load("cifar10", "test", tmp_path / "data", download=False)
    monkeypatch.setattr(datafiles, "CIFAR10_MD5", md5)
    x, _ = data.load("cifar10", "test", tmp_path / "data", download=False)
    assert x.shape == (4, 3072)
    assert sorted(p.name for p in folder.iterdir()) == [data.CIFAR10_FOLDER, data.CIFAR10_TARBALL]


def symlink(name, target):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


@pytest.mark.parametrize("member", ["../escaped", "absolute", "link"])
def test_unsafe_tarball_members_are_refused(tmp_path, monkeypatch, member):
    folder = tmp_path / "data" / "cifar10"
    folder.mkdir(parents=True)
    members = tiny_cifar_members(tmp_path)
    if member == "absolute":
        member = str(tmp_path / "escaped")
    members[member] = symlink(member, "/etc/passwd") if member == "link" else b"gotcha"
    monkeypatch.setattr(datafiles, "CIFAR10_MD5", cifar_tarball(folder / data.CIFAR10_TARBALL, members))
    with pytest.raises(ValueError, match="refusing to extract"):
        data.fetch("cifar10", tmp_path / "data", download=False)
    assert not (tmp_path / "data" / "escaped").exists() and not (tmp_path / "escaped").exists()
    assert [p.name for p in folder.iterdir()] == [data.CIFAR10_TARBALL]


# ---------------------------------------------------------------- real MNIST and Fashion-MNIST

@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_real_files_match_their_published_checksums(data_dir_holding, name):
    folder = data_dir_holding(name) / name
    for part in data.IDX_FILES.values():
        for stem in part:
            data.read_idx(data._idx_path(folder, stem),
                          sha256=data.SHA256[f"{name}/{stem}"])


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_real_splits_are_the_papers(data_dir_holding, name):
    shared_data_dir = data_dir_holding(name)
    for split, n in [("train", 50000), ("valid", 10000), ("test", 10000)]:
        x, y = data.load(name, split, shared_data_dir, download=False)
        assert x.shape == (n, 784) and x.dtype == np.float32 and y.shape == (n,)
        assert x.min() == 0 and x.max() == 1
        assert set(np.unique(y)) == set(range(10))
        if split == "valid":  # valid is train[50000:60000], pixels / 255 (not / 256)
            first = data.read_idx(data._idx_path(shared_data_dir / name, "train-images-idx3-ubyte"))[50000]
            np.testing.assert_array_equal(x[0], first.ravel() / np.float32(255))


def test_mean_training_image_of_mnist(shared_data_dir):
    m = data.mean_image("mnist", shared_data_dir, download=False)
    assert m.shape == (784,) and m.dtype == np.float32
    assert m[0] == 0 and 0.12 < m.mean() < 0.14  # corners are blank; the mean pixel is about 0.13


# ---------------------------------------------------------------- where data comes from

def test_data_dir_argument_then_env_var_then_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.resolve_dir(tmp_path / "arg") == tmp_path / "arg"
    assert data.resolve_dir() == tmp_path / "env"
    monkeypatch.delenv("MINIGAN_DATA_DIR")
    assert data.resolve_dir() == tmp_path / "xdg" / "minigan"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/invalid")
    assert data.resolve_dir() == tmp_path / "home" / ".cache" / "minigan"


def test_missing_files_without_download_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="MINIGAN_DATA_DIR") as err:
        data.load("mnist", "train", tmp_path, download=False)
    assert str(tmp_path / "mnist") in str(err.value)


def test_unknown_names_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown data set 'tfd'"):
        data.load("tfd", "train", tmp_path)
    with pytest.raises(ValueError, match="unknown split 'validation'"):
        data.load("mnist", "validation", tmp_path)


# ---------------------------------------------------------------- each split needs only its part

@pytest.fixture
def tiny_mnist(monkeypatch):
    """The paper's MNIST split shape at 6 training and 3 test images, with their checksums."""
    monkeypatch.setitem(data.SPLITS, "mnist", {"train": ("train", 0, 4), "valid": ("train", 4, 6),
                                               "test": ("test", 0, 3)})

    def write(folder, parts=("train", "test")):
        folder.mkdir(parents=True, exist_ok=True)
        for key, digest in serve_tiny_mnist(folder).items():
            monkeypatch.setitem(data.SHA256, key, digest)
        for part in {"train", "test"} - set(parts):
            for stem in data.IDX_FILES[part]:
                (folder / f"{stem}.gz").unlink()
    return write


def test_train_and_valid_need_only_the_training_files(tmp_path, tiny_mnist):
    tiny_mnist(tmp_path / "mnist", parts=["train"])
    assert data.load("mnist", "train", tmp_path, download=False)[0].shape == (4, 784)
    assert data.load("mnist", "valid", tmp_path, download=False)[0].shape == (2, 784)
    with pytest.raises(data.MissingData, match="t10k-images-idx3-ubyte.gz"):
        data.load("mnist", "test", tmp_path, download=False)


def test_test_needs_only_the_t10k_files(tmp_path, tiny_mnist):
    tiny_mnist(tmp_path / "mnist", parts=["test"])
    assert data.load("mnist", "test", tmp_path, download=False)[0].shape == (3, 784)


def test_cifar_train_needs_only_the_five_training_batches(tmp_path, tiny_cifar_splits):
    folder = tmp_path / "cifar10" / data.CIFAR10_FOLDER
    write_cifar(folder)
    (folder / "test_batch").unlink()
    assert data.load("cifar10", "valid", tmp_path, download=False)[0].shape == (4, 3072)
    with pytest.raises(data.MissingData, match="test_batch"):
        data.load("cifar10", "test", tmp_path, download=False)


def test_a_split_downloads_only_the_files_of_its_part(tmp_path, server, tiny_mnist, monkeypatch):
    root, url = server
    tiny_mnist(root)
    monkeypatch.setitem(data.MIRRORS, "mnist", [url])
    (tmp_path / "data").mkdir()
    data.load("mnist", "valid", tmp_path / "data")
    assert sorted(p.name for p in (tmp_path / "data" / "mnist").iterdir()) == sorted(
        f"{stem}.gz" for stem in data.IDX_FILES["train"])


# ---------------------------------------------------------------- a data folder that is wrong

@pytest.mark.parametrize("how", ["argument", "MINIGAN_DATA_DIR"])
@pytest.mark.parametrize("download", [True, False])
def test_a_data_dir_that_does_not_exist_is_named_and_never_created(tmp_path, monkeypatch, how,
                                                                   download):
    typo = tmp_path / "shraed" / "data"
    if how == "MINIGAN_DATA_DIR":
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(typo))
    with pytest.raises(data.DataError, match="no such folder") as err:
        data.load("mnist", "train", typo if how == "argument" else None, download=download)
    assert str(typo) in str(err.value) and "--data-dir" in str(err.value)
    assert "MINIGAN_DATA_DIR" in str(err.value)
    assert list(tmp_path.iterdir()) == []  # no folder made on the way to failing


@pytest.mark.parametrize("which", ["data dir", "data set folder"])
def test_a_file_where_the_data_folder_should_be_is_a_data_error(tmp_path, which):
    path = tmp_path / "data" if which == "data dir" else tmp_path / "mnist"
    path.write_text("not a folder")
    data_dir = tmp_path / "data" if which == "data dir" else tmp_path
    with pytest.raises(data.DataError, match="not a folder") as err:
        data.load("mnist", "train", data_dir, download=True)
    assert str(path) in str(err.value)


def test_the_default_cache_folder_is_created_for_a_download(tmp_path, monkeypatch, server,
                                                            tiny_mnist):
    root, url = server
    tiny_mnist(root)
    monkeypatch.setitem(data.MIRRORS, "mnist", [url])
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data.load("mnist", "test")[0].shape == (3, 784)
    assert (tmp_path / "cache" / "minigan" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()


# ---------------------------------------------------------------- missing files: all of them named

def test_without_download_every_missing_file_of_the_part_is_named(tmp_path, tiny_mnist):
    with pytest.raises(data.MissingData) as err:
        data.load("mnist", "valid", tmp_path, download=False)
    message = str(err.value)
    assert all(f"{stem}.gz" in message for stem in data.IDX_FILES["train"])
    assert "t10k" not in message  # the test part is not needed for "valid"
    tiny_mnist(tmp_path / "mnist", parts=["test"])
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.MissingData) as err:
        data.load("mnist", "test", tmp_path, download=False)
    assert "t10k-labels-idx1-ubyte.gz" in str(err.value)
    assert "t10k-images-idx3-ubyte.gz" not in str(err.value)  # that one is there


def test_a_failed_download_names_every_file_still_missing(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(data.DownloadError, match="offline") as err:
        data.load("mnist", "train", tmp_path / "data")
    assert all(f"{stem}.gz" in str(err.value) for stem in data.IDX_FILES["train"])
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------- downloads (local server only)

def serve_tiny_mnist(root):
    """Four small MNIST-format files in ``root``: 6 training and 3 test images."""
    rng = np.random.default_rng(1)
    digests = {}
    for part, n in [("train", 6), ("test", 3)]:
        images, labels = data.IDX_FILES[part]
        for stem, a in [(images, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
                        (labels, rng.integers(0, 10, n, dtype=np.uint8))]:
            (root / f"{stem}.gz").write_bytes(gzip.compress(idx_bytes(a)))
            digests[f"mnist/{stem}"] = hashlib.sha256(idx_bytes(a)).hexdigest()
    return digests


def test_missing_files_are_downloaded_checked_and_land_atomically(tmp_path, server, monkeypatch):
    root, url = server
    for key, digest in serve_tiny_mnist(root).items():
        monkeypatch.setitem(data.SHA256, key, digest)
    monkeypatch.setitem(data.MIRRORS, "mnist", [f"http://127.0.0.1:{closed_port()}/", url])
    monkeypatch.setitem(data.SPLITS, "mnist", {"train": ("train", 0, 4), "valid": ("train", 4, 6),
                                               "test": ("test", 0, 3)})
    (tmp_path / "data").mkdir()  # a data dir the user names must exist; only mnist/ is created
    x, y = data.load("mnist", "valid", tmp_path / "data")  # first mirror down: the second serves
    served = data.read_idx(root / "train-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(x, served[4:6].reshape(2, 784) / np.float32(255))
    folder = tmp_path / "data" / "mnist"  # "valid" needs only the training files
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{stem}.gz" for stem in data.IDX_FILES["train"])
    for p in folder.iterdir():
        assert p.read_bytes() == (root / p.name).read_bytes()


def test_a_download_with_a_bad_checksum_leaves_no_file_behind(tmp_path, server, monkeypatch):
    root, url = server
    serve_tiny_mnist(root)  # not the real MNIST: its SHA-256 differs from the published one
    monkeypatch.setitem(data.MIRRORS, "mnist", [url])
    (tmp_path / "data").mkdir()
    with pytest.raises(data.DownloadError, match="checksum mismatch") as err:
        data.fetch("mnist", tmp_path / "data")
    assert data.SHA256["mnist/train-images-idx3-ubyte"] in str(err.value)
    assert not (tmp_path / "data" / "mnist").exists()  # neither the file, a temp file, nor the folder it made


def test_an_unreachable_mirror_says_offline_and_what_to_do(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(data.DownloadError, match="offline") as err:
        data.fetch("mnist", tmp_path / "data")
    assert "MINIGAN_DATA_DIR" in str(err.value) and "127.0.0.1" in str(err.value)
    assert "\n" not in str(err.value)  # a command line prints it as one line
    assert list((tmp_path / "data").iterdir()) == []       # the folder it made for mnist is gone too


@pytest.mark.parametrize("path, problem", [("missing.gz", "HTTP 404"),
                                           ("short", "closed after 10 of 1000 bytes")])
def test_http_errors_and_dropped_connections_leave_no_file(tmp_path, server, path, problem):
    _, url = server
    dest = tmp_path / "out" / "file.gz"
    with pytest.raises(data.DownloadError, match=problem):
        data.download_file([url + path], dest)
    assert not dest.parent.exists()     # no file, no temp file, and not the folder it made


def test_cifar10_is_downloaded_verified_and_extracted(tmp_path, server, monkeypatch,
                                                      tiny_cifar_splits):
    root, url = server
    md5 = cifar_tarball(root / data.CIFAR10_TARBALL, tiny_cifar_members(tmp_path))
    monkeypatch.setattr(datafiles, "CIFAR10_MD5", md5)
    monkeypatch.setitem(data.MIRRORS, "cifar10", [url])
    (tmp_path / "data").mkdir()
    x, y = data.load("cifar10", "valid", tmp_path / "data")
    assert x.shape == (4, 3072) and y.shape == (4,)
    folder = tmp_path / "data" / "cifar10"
    assert sorted(p.name for p in folder.iterdir()) == [data.CIFAR10_FOLDER, data.CIFAR10_TARBALL]
