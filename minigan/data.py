"""The data sets: MNIST, Fashion-MNIST and CIFAR-10, split as the paper's code split them.

    x, y = load("mnist", "train")     # x: (50000, 784) float32 in [0, 1]; y: (50000,) int64

Splits (``SPLITS``): "train" = train[0:50000], "valid" = train[50000:60000], "test" = the 10,000
test images; for CIFAR-10 "train" = train[0:40000], "valid" = train[40000:50000], "test" =
``test_batch``. Pixels are uint8 / 255 (not / 256, which would hand the Parzen estimate of
Table 1 about 3 nats for free), not binarised, not centred.

Where the files live, first that applies: the ``data_dir`` argument (the CLI's ``--data-dir``),
``$MINIGAN_DATA_DIR``, ``$XDG_CACHE_HOME/minigan``, ``~/.cache/minigan``; the files inside it
are listed in :mod:`minigan.datafiles`. A folder you name must exist; only the default cache
folder is created. A split needs only the files of its part ("train"/"valid": the training
files, "test": the test files).

Missing files are downloaded (:mod:`minigan.download`), checked, and only then moved into
place. Whatever is read is checked too: IDX headers and lengths, the SHA-256 of MNIST's and Fashion-MNIST's
contents, the MD5 of the CIFAR-10 tarball. CIFAR-10's batches are pickles, and a pickle can run
any code while loading; they go through an unpickler that can only rebuild NumPy arrays.

Every problem with the data (a missing, corrupt or foreign file, a wrong folder, an unknown
split) raises :class:`DataError`, a ValueError whose message names the file, what is wrong,
and what to do; :class:`MissingData` (also a FileNotFoundError), :class:`DownloadError` and
:class:`RefusedPickle` (also a ``pickle.UnpicklingError``) are its kinds.
"""
import gzip
import hashlib
import io
import math
import os
import pickle
import zlib
from pathlib import Path

import numpy as np

from . import download as _download
from .datafiles import (CIFAR10_BATCHES, CIFAR10_FOLDER, CIFAR10_TARBALL, IDX_FILES, NAMES,
                        SHA256, DataError, MissingData)
from .download import MIRRORS, DownloadError, download_file  # noqa: F401  (re-exported)

# name -> (source part, first row, end row), as in the paper's code (docs/PAPER.md).
SPLITS = {
    "mnist": {"train": ("train", 0, 50000), "valid": ("train", 50000, 60000),
              "test": ("test", 0, 10000)},
    "fashion-mnist": {"train": ("train", 0, 50000), "valid": ("train", 50000, 60000),
                      "test": ("test", 0, 10000)},
    "cifar10": {"train": ("train", 0, 40000), "valid": ("train", 40000, 50000),
                "test": ("test", 0, 10000)},
}

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

# What to do about a bad file, the end of each message that names one.
_BAD_IDX = "delete it so minigan downloads it again, or replace it with a good copy"
_BAD_BATCH = f"delete it and extract {CIFAR10_TARBALL} again"


def _read_bytes(path):
    """The bytes of data file ``path``; a DataError (MissingData if absent) if it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise MissingData(f"{path}: no such file. Copy it there, or point --data-dir / "
                          "MINIGAN_DATA_DIR at a folder that holds it.") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read it ({err.strerror or err}); check that it is a "
                        "file you may read, or replace it with a good copy.") from None


def read_idx(path, sha256=None):
    """Read an IDX file (MNIST's format), gzipped or raw, into an array.

    Layout: magic ``00 00 <dtype code> <ndim>``, then ``ndim`` big-endian uint32 sizes, then
    the values, big-endian and row-major. Gzip is recognised by its magic bytes ``1f 8b``, not
    by the file name. With ``sha256`` (hex digest) the *decompressed* bytes must match it.

    Returns an array of shape ``(dim_1, ..., dim_ndim)`` in native byte order (uint8 for MNIST).
    Raises DataError (a ValueError) naming the file and what is wrong: corrupt gzip, wrong
    magic, truncated header or data, trailing bytes, checksum mismatch; MissingData (also a
    FileNotFoundError) if there is no such file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    gzipped = raw[:2] == b"\x1f\x8b"
    if gzipped:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise DataError(f"{path}: corrupt gzip ({err}); {_BAD_IDX}") from err
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        found = raw[:4].hex(" ") or "nothing (empty)"
        raise DataError(f"{path}: wrong magic: expected IDX (00 00 <type 08..0e> <ndim>)"
                        f"{' inside the gzip' if gzipped else ' or gzip (1f 8b)'}, found {found}; "
                        f"{_BAD_IDX}")
    ndim, dtype = raw[3], np.dtype(_IDX_DTYPES[raw[2]])
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated header: {ndim} dimensions need {header} bytes, "
                        f"the file holds {len(raw)}; {_BAD_IDX}")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, offset=4))
    size = header + math.prod(dims) * dtype.itemsize
    if len(raw) != size:
        problem = "truncated" if len(raw) < size else "wrong length"
        raise DataError(f"{path}: {problem}: dimensions {dims} of {dtype.itemsize}-byte values "
                        f"need {size} bytes, the file holds {len(raw)}; {_BAD_IDX}")
    actual = hashlib.sha256(raw).hexdigest() if sha256 is not None else None
    if actual is not None and actual != sha256.lower():
        raise _download.mismatch(path, "SHA-256 of the decompressed data", sha256, actual)
    values = np.frombuffer(raw, dtype, offset=header).reshape(dims)
    return values.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


class RefusedPickle(DataError, pickle.UnpicklingError):
    """A pickle that names a global a CIFAR-10 batch never needs: not a genuine batch."""


class _CifarUnpickler(pickle.Unpickler):
    """Rebuilds only what a CIFAR-10 batch holds: dicts, lists, bytes, ints and NumPy arrays.

    Loading a pickle may call any global it names (``os.system``, ``builtins.eval``).
    Containers and strings need no global; a NumPy array needs the three below (its rebuilder,
    under its NumPy 1 and NumPy 2 names, ``ndarray`` and ``dtype``). Everything else is refused.
    """
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def __init__(self, file, path):
        super().__init__(file, encoding="bytes")  # Python 2 pickles: keep their str as bytes
        self.path = path

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise RefusedPickle(
            f"{self.path}: refused to load global '{module}.{name}': a CIFAR-10 batch holds only "
            "NumPy arrays, lists and dicts, so this is not a genuine batch (it may be malicious); "
            f"{_BAD_BATCH}")


def read_cifar_batch(path):
    """One CIFAR-10 python batch (``data_batch_1`` ... ``test_batch``) as ``(x, labels)``.

    ``x`` is ``(n, 3072)`` uint8, each row 1024 red, 1024 green, 1024 blue values of a 32x32
    image in row-major order; ``labels`` is ``(n,)`` int64 in 0..9. Keys may be bytes
    (``b"data"``, ``b"labels"``, as the original Python 2 pickles) or str. Raises
    RefusedPickle (a DataError and a ``pickle.UnpicklingError``) for a pickle that names any
    global other than NumPy's array rebuilders, and DataError for anything else that is not a
    batch.
    """
    path = Path(path)
    raw = _read_bytes(path)
    try:
        batch = _CifarUnpickler(io.BytesIO(raw), path).load()
    except RefusedPickle:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            ImportError, IndexError, KeyError) as err:
        raise DataError(f"{path}: not a readable CIFAR-10 batch ({err}); {_BAD_BATCH}") from err
    if not isinstance(batch, dict):
        raise DataError(f"{path}: a CIFAR-10 batch is a dict, found {type(batch).__name__}; "
                        f"{_BAD_BATCH}")
    found = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in found or "labels" not in found:
        raise DataError(f"{path}: no 'data' and 'labels' entries (keys: {list(found)}); "
                        f"{_BAD_BATCH}")
    x, labels = found["data"], np.asarray(found["labels"])
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3072:
        raise DataError(f"{path}: 'data' must be a uint8 array of shape (n, 3072), found "
                        f"{getattr(x, 'dtype', type(x).__name__)} {getattr(x, 'shape', '')}; "
                        f"{_BAD_BATCH}")
    if (labels.shape != (len(x),) or labels.dtype.kind not in "iu"
            or not np.all((labels >= 0) & (labels < 10))):
        raise DataError(f"{path}: 'labels' must be {len(x)} integers in 0..9, found "
                        f"{labels.dtype} {labels.shape}; {_BAD_BATCH}")
    return x, labels.astype(np.int64)


def resolve_dir(data_dir=None):
    """The data folder: ``data_dir``, else ``$MINIGAN_DATA_DIR``, else ``$XDG_CACHE_HOME/minigan``,
    else ``~/.cache/minigan``. Nothing is created here."""
    if data_dir:
        return Path(data_dir).expanduser()
    if os.environ.get("MINIGAN_DATA_DIR"):
        return Path(os.environ["MINIGAN_DATA_DIR"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says a relative $XDG_CACHE_HOME is invalid and must be ignored.
    return (Path(cache) if os.path.isabs(cache) else Path.home() / ".cache") / "minigan"


def _idx_path(folder, stem):
    """``folder/stem.gz``, else the unzipped ``folder/stem``, else None."""
    return next((p for p in (folder / f"{stem}.gz", folder / stem) if p.is_file()), None)


def _data_folder(name, data_dir):
    """``resolve_dir(data_dir) / name``, after checking the folders on the way: a folder the user
    named (``data_dir`` or ``$MINIGAN_DATA_DIR``) must exist, since a typo would otherwise
    grow a new folder tree; only the default cache folder is created (by a download)."""
    root = resolve_dir(data_dir)
    for path in (root, root / name):
        if path.exists() and not path.is_dir():
            raise DataError(f"{path} is not a folder but a file: point --data-dir / "
                            f"MINIGAN_DATA_DIR at the folder that holds {name}/, or move that "
                            "file out of the way.")
    if (data_dir or os.environ.get("MINIGAN_DATA_DIR")) and not root.is_dir():
        raise MissingData(f"no such folder {root}: check --data-dir / MINIGAN_DATA_DIR (a typo?), "
                          f"or create that folder first if {name} should be downloaded into it.")
    return root / name


def _still_missing(err, folder, files):
    """``err`` (a DownloadError for one file) plus every file of the part that is not there."""
    return DownloadError(f"{err} Still missing from {folder}: {', '.join(files)}.")


def fetch(name, data_dir=None, download=True, part=None):
    """Make sure the files of ``part`` ("train" or "test"; None: both) of data set ``name`` are
    in ``resolve_dir(data_dir) / name``, downloading what is missing unless ``download=False``;
    returns that folder (a ``Path``).

    Raises MissingData naming every missing file of the part (and where to put them), or,
    when a download fails, DownloadError naming every file still missing. A ``data_dir`` that
    does not exist is an error, never created.
    """
    if name not in NAMES:
        raise DataError(f"unknown data set {name!r}: choose one of {', '.join(NAMES)}")
    if part not in (None, "train", "test"):
        raise DataError(f"unknown part {part!r}: choose 'train', 'test' or None (both)")
    parts = ["train", "test"] if part is None else [part]
    folder = _data_folder(name, data_dir)
    cure = (f"point --data-dir / MINIGAN_DATA_DIR at a folder whose {name}/ holds them, or allow "
            "downloading (download=True)")
    if name == "cifar10":
        batches = folder / CIFAR10_FOLDER
        needed = [b for p in parts for b in CIFAR10_BATCHES[p]]
        if batches.is_dir():
            absent = [b for b in needed if not (batches / b).is_file()]
            if absent:
                raise MissingData(f"{batches} lacks {', '.join(absent)}: remove that folder so "
                                  f"minigan extracts {CIFAR10_TARBALL} again.")
            return folder
        tarball = folder / CIFAR10_TARBALL
        if tarball.is_file():
            _download.check_cifar_tarball(tarball)
        elif not download:
            raise MissingData(f"{folder} lacks {CIFAR10_FOLDER}/ with {', '.join(needed)}, and "
                              f"{CIFAR10_TARBALL} to extract them from: copy the tarball into "
                              f"{folder}, or {cure}.")
        else:
            try:
                download_file([base + CIFAR10_TARBALL for base in MIRRORS[name]], tarball,
                              verify=_download.check_cifar_tarball)
            except DownloadError as err:
                raise _still_missing(err, folder, [CIFAR10_TARBALL] + [
                    f"{CIFAR10_FOLDER}/{b}" for b in needed]) from None
        _download.extract_cifar(tarball, folder)
        return folder
    missing = [f"{stem}.gz" for p in parts for stem in IDX_FILES[p]
               if _idx_path(folder, stem) is None]
    if missing and not download:
        raise MissingData(f"{folder} lacks {', '.join(missing)}: copy them into {folder}, or "
                          f"{cure}.")
    for i, file in enumerate(missing):
        key = f"{name}/{file.removesuffix('.gz')}"
        try:
            download_file([base + file for base in MIRRORS[name]], folder / file,
                          verify=lambda tmp, key=key: read_idx(tmp, SHA256.get(key)))
        except DownloadError as err:
            raise _still_missing(err, folder, missing[i:]) from None
    return folder


def _read_part(name, folder, part):
    """All images ``(n, d)`` uint8 and labels ``(n,)`` int64 of ``part``: "train" or "test"."""
    if name == "cifar10":
        pairs = [read_cifar_batch(folder / CIFAR10_FOLDER / b) for b in CIFAR10_BATCHES[part]]
        return np.concatenate([x for x, _ in pairs]), np.concatenate([y for _, y in pairs])
    images, labels = (read_idx(_idx_path(folder, stem), SHA256.get(f"{name}/{stem}"))
                      for stem in IDX_FILES[part])
    if images.dtype != np.uint8 or images.ndim != 3 or labels.shape != (len(images),):
        raise DataError(f"{folder}: {part} images {images.dtype} {images.shape} and labels "
                        f"{labels.shape} do not form an MNIST-style data set; {_BAD_IDX}")
    return images.reshape(len(images), -1), labels.astype(np.int64)


def load(name, split, data_dir=None, download=True):
    """Split ``split`` ("train", "valid" or "test") of data set ``name`` ("mnist",
    "fashion-mnist" or "cifar10"), as the paper's code used it (``SPLITS``).

    Returns ``x`` ``(n, d)`` float32 in [0, 1] (uint8 / 255; d = 784, or 3072 for CIFAR-10 with
    each row 1024 red, 1024 green, 1024 blue values) and ``y`` ``(n,)`` int64 labels in 0..9.
    Only the files of the split's part are needed ("train" and "valid" the training files,
    "test" the test files); they come from ``resolve_dir(data_dir) / name``, and missing ones
    are downloaded unless ``download=False`` (see :func:`fetch`).
    """
    if name not in SPLITS:
        raise DataError(f"unknown data set {name!r}: choose one of {', '.join(SPLITS)}")
    if split not in SPLITS[name]:
        raise DataError(f"unknown split {split!r}: choose one of {', '.join(SPLITS[name])}")
    part, start, stop = SPLITS[name][split]
    folder = fetch(name, data_dir, download, part)
    images, labels = _read_part(name, folder, part)
    if len(images) < stop:
        raise DataError(f"{name} in {folder}: the {part} data holds {len(images)} images, but "
                        f"split {split!r} is rows {start}:{stop}; the files are incomplete")
    x = images[start:stop].astype(np.float32)
    x /= 255
    return x, labels[start:stop]


def mean_image(name, data_dir=None, download=True):
    """The mean "train" image of ``name``, ``(d,)`` float32 in [0, 1]: G's output bias is its
    logit, so G starts out drawing the average training image (docs/PAPER.md, generator)."""
    x, _ = load(name, "train", data_dir, download)
    return x.mean(axis=0, dtype=np.float64).astype(np.float32)
