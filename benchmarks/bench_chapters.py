"""Time every chapter at full length, as a reader runs it: top to bottom, without ``MINIGAN_FAST``.

    python benchmarks/bench_chapters.py [lessons/05_training_on_mnist.ipynb ...] [--out DIR]

Runs each notebook with nbclient in this interpreter's ``python3`` kernel, one after the other, and
prints one JSON line per chapter: wall seconds, the load average before and after (``/proc/loadavg``:
a time measured beside other jobs is an upper bound), the four slowest cells, and the error if one
cell failed. ``--out`` keeps the executed notebooks and what they printed. Needs MNIST (set
``MINIGAN_DATA_DIR``) and the ``dev`` extra.
"""
import argparse
import json
import os
import time
from datetime import datetime
from pathlib import Path

import nbclient
import nbformat

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


def _load():
    return open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None


def _seconds(cell):
    e = cell.get("metadata", {}).get("execution", {})
    if "shell.execute_reply" not in e:
        return None
    start, end = (datetime.fromisoformat(e[k].replace("Z", "+00:00")) for k in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


def run(path, out=None):
    nb = nbformat.read(path, as_version=4)
    load, started, error = _load(), time.time(), None
    try:
        nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                resources={"metadata": {"path": str(LESSONS)}}).execute()
    except Exception as err:   # the record says which chapter failed and how
        error = f"{type(err).__name__}: {str(err)[-300:]}"
    record = {"chapter": path.name, "wall_s": round(time.time() - started, 1), "load_before": load,
              "load_after": _load(), "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
              "slowest_cells": sorted(((round(s, 1), i, c.get("id")) for i, c in enumerate(nb.cells)
                                       if (s := _seconds(c)) is not None), reverse=True)[:4],
              "error": error}
    if out:
        nbformat.write(nb, Path(out) / path.name)
        printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                          if o.get("name") == "stdout")
        (Path(out) / f"{path.stem}.txt").write_text(printed)
    return record


def main(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("chapters", nargs="*", type=Path)
    a.add_argument("--out")
    args = a.parse_args(argv)
    os.environ.pop("MINIGAN_FAST", None)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    for path in args.chapters or sorted(LESSONS.glob("*.ipynb")):
        print(json.dumps(run(path, args.out)), flush=True)


if __name__ == "__main__":
    main()
