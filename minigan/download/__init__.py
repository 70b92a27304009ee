"""Getting the data files: mirrors, checked atomic downloads, and the CIFAR-10 tarball.

A download never leaves a half-written file where a reader would find it: each try writes a
hidden temporary file beside its destination, checks it, and only then renames it into place.

The course's data in one step, into the folder ``mg.data.load`` reads (``--data-dir``, else
``$MINIGAN_DATA_DIR``, else ``$XDG_CACHE_HOME/minigan`` or ``~/.cache/minigan``)::

    python -m minigan.download                  # MNIST (the lessons need nothing else)
    python -m minigan.download fashion-mnist    # or cifar10, or all
    python -m minigan.download --mirror /media/usb/mnist   # a folder (or URL) holding the files

Each file shows a progress bar and is checked against its published checksum before it is
saved; files already there are checked too. A failure ends with one line and exit status 2.
"""
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from .. import datafiles
from ..datafiles import CIFAR10_FOLDER, DataError

# Base URLs tried in order; change them (or point tests at a local server) by editing this dict.
MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    "cifar10": ["https://www.cs.toronto.edu/~kriz/"],
}


class DownloadError(DataError):
    """No mirror delivered a file that passed its check (offline, mirror down, or bad file)."""


def mismatch(path, algorithm, expected, actual):
    """The error for a file whose checksum is not the published one."""
    return DataError(
        f"{path}: checksum mismatch ({algorithm}): expected {expected}, got {actual}. The file is "
        "corrupt or not the canonical data set: delete it so minigan downloads it again, or "
        "replace it with a good copy.")


def _reason(err):
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"unreachable ({err.reason})"
    return f"{type(err).__name__}: {err}"


def _length(response):
    """The response's size in bytes, or None when its server (or file) does not say."""
    length = getattr(response, "length", None)  # http; file:// responses carry only the header
    if length is None and response.headers.get("Content-Length", "").isdigit():
        length = int(response.headers["Content-Length"])
    return length


def _copy_url(url, f, label, timeout):
    request = urllib.request.Request(url, headers={"User-Agent": "minigan"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total, got = _length(response), 0
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label) as bar:
            while chunk := response.read(1 << 20):
                f.write(chunk)
                got += len(chunk)
                bar.update(len(chunk))
    if total is not None and got != total:
        raise ConnectionError(f"connection closed after {got} of {total} bytes")


def download_file(urls, dest, verify=None, timeout=60):
    """Download the first of ``urls`` that works to ``dest``, atomically; returns ``dest``.

    Each try writes a hidden temporary file in ``dest``'s folder, runs ``verify(temp_path)``
    (which raises ValueError on a bad file), and only then renames it onto ``dest`` with
    ``os.replace`` (atomic within one folder). A failed or interrupted try removes its temporary
    file, so ``dest`` is either absent or complete and checked. Raises DownloadError listing
    every URL tried, why it failed, and what to do instead; a failure (or Ctrl-C) also removes the
    folders this call created for ``dest`` while they are still empty, so that an offline first
    run leaves no empty ``~/.cache/minigan/mnist/`` behind.
    """
    dest = Path(dest)
    made = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]  # deepest first
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _download_file(urls, dest, verify, timeout)
    except BaseException:
        remove_if_empty(made)
        raise


def remove_if_empty(folders):
    """Remove each of ``folders`` (deepest first) that is empty; stop at the first that is not,
    since the folders above it then hold it. Used to take back the folders a failed step made."""
    for folder in folders:
        try:
            Path(folder).rmdir()
        except OSError:  # not empty, already gone, or not ours to remove: keep it and its parents
            return


def _download_file(urls, dest, verify, timeout):
    failures, bad_file = [], False
    for url in urls:
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                _copy_url(url, f, dest.name, timeout)
            if verify is not None:
                verify(tmp)
            os.replace(tmp, dest)
            return dest
        except ValueError as err:
            bad_file = True
            failures.append(f"{url}: downloaded, but the file failed its check: {err}")
        except (OSError, http.client.HTTPException) as err:  # URLError, timeouts, resets
            failures.append(f"{url}: {_reason(err)}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    what = ("A mirror served a file that failed its checksum (corrupt, or changed upstream); "
            "nothing was saved." if bad_file else
            "No mirror could be reached: are you offline, or behind a proxy or firewall?")
    raise DownloadError(
        f"could not download {dest.name} (" + "; ".join(failures or ["no mirrors given"])
        + f"). {what} Retry when online, or get {dest.name} another way and copy it to {dest} "
        f"(or point --data-dir / MINIGAN_DATA_DIR at a folder holding "
        f"{dest.parent.name}/{dest.name}). Mirrors are listed in minigan.download.MIRRORS.")


def _md5(path):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def check_cifar_tarball(path):
    """Raise DataError unless ``path`` has the published MD5 of ``cifar-10-python.tar.gz``."""
    actual = _md5(path)
    if actual != datafiles.CIFAR10_MD5:
        raise mismatch(path, "MD5", datafiles.CIFAR10_MD5, actual)


def extract_cifar(tarball, folder):
    """Unpack ``cifar-10-batches-py/`` into ``folder``, refusing links and paths that escape it."""
    folder = Path(folder)
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            members = tar.getmembers()
            for m in members:
                if (PurePosixPath(m.name).is_absolute() or ".." in PurePosixPath(m.name).parts
                        or not (m.isfile() or m.isdir())):
                    raise DataError(f"{tarball}: refusing to extract {m.name!r} (absolute path, "
                                    "'..' or a link): not a genuine CIFAR-10 tarball")
            tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".extract-"))
            try:  # extract beside the target, then rename: never a half-extracted folder
                safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(tmp, members=members, **safe)
                if not (tmp / CIFAR10_FOLDER).is_dir():
                    raise DataError(f"{tarball} holds no {CIFAR10_FOLDER}/ folder")
                os.replace(tmp / CIFAR10_FOLDER, folder / CIFAR10_FOLDER)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except (tarfile.TarError, EOFError, zlib.error) as err:
        raise DataError(f"{tarball}: corrupt tarball ({err}); delete it and fetch it "
                        "again") from err


def mirror_url(mirror):
    """A base URL for ``mirror``: a URL (``https://``, ``file://``) as it is, a folder as a
    ``file://`` URL; either ends in ``/``, so that a file's name can be appended."""
    if "://" not in mirror:
        folder = Path(mirror).expanduser()
        if not folder.is_dir():
            raise DataError(f"--mirror {mirror}: no such folder; give a folder holding the files "
                            "(train-images-idx3-ubyte.gz, ...) or a URL")
        mirror = folder.resolve().as_uri()
    return mirror if mirror.endswith("/") else mirror + "/"
