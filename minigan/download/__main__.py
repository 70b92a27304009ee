"""``python -m minigan.download``: the course's data in one step (see :mod:`minigan.download`).

The command line sits here, above what it uses (:mod:`minigan.data`, :mod:`minigan.cli`), so that
no library module imports a command line and ``data`` and ``download`` do not import each other.
A failure ends with one line and exit status 2, and leaves no empty data folder behind.
"""
import argparse
from pathlib import Path

from .. import cli, data, datafiles
from . import MIRRORS, mirror_url


def main(argv=None):
    """The command line; a failure ends with one line and exit status 2."""
    return cli.run("python -m minigan.download", _main, argv)


def _main(argv):
    p = argparse.ArgumentParser(
        prog="python -m minigan.download",
        description="Download a data set, checked against its published checksums, into the "
                    "folder minigan reads: --data-dir, else $MINIGAN_DATA_DIR, else "
                    "~/.cache/minigan.")
    p.add_argument("name", nargs="?", default="mnist", choices=[*datafiles.NAMES, "all"],
                   help="the data set (default: mnist, all the lessons need)")
    p.add_argument("--data-dir", type=Path, help="the data folder (it must exist)")
    p.add_argument("--mirror", help="a folder or base URL (https://, file://) holding the files "
                                    "under their usual names, tried instead of the usual mirrors")
    args = p.parse_args(argv)
    names = datafiles.NAMES if args.name == "all" else (args.name,)
    for name in names:
        usual = MIRRORS[name]
        if args.mirror:
            MIRRORS[name] = [mirror_url(args.mirror)]
        try:
            folder = data.fetch(name, args.data_dir, download=True)
        finally:
            MIRRORS[name] = usual
        for split in ("train", "test"):  # reads every file, checking its checksum
            data.load(name, split, args.data_dir, download=False)
        print(f"{name}: ready in {folder} (checksums verified)")


if __name__ == "__main__":
    main()
