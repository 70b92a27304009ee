"""The tests that judge a training outcome, at 1, 2, 3 and 4 BLAS threads.

    python benchmarks/bench_learning_threads.py               # every test marked `learning`
    python benchmarks/bench_learning_threads.py --threads 1 2 -k mixture

A training run is chaotic: another BLAS thread count sums in another order, and a trajectory that
passed a threshold by its fourth digit can miss it. Each test marked ``learning`` (pyproject.toml)
must hold with a margin on every machine, so this runs that set once per thread count, each in a
fresh ``pytest`` process with ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS``
set before NumPy loads, and prints one row per test: its outcome and seconds at each count.
Needs MNIST where the library finds it (``MINIGAN_DATA_DIR``, else ``~/.cache/minigan``); tests
that need it skip without it, and say so in the table. Exit status 1 if any test failed.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(threads, extra):
    """``{test id: (outcome, seconds)}`` of one pytest run of the learning set at ``threads``."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), MINIGAN_FAST="1", MPLBACKEND="Agg")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "learning", "-p", "no:cacheprovider",
                        f"--junitxml={report}", *extra], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        results = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname').rsplit('.', 1)[-1]}::{case.get('name')}"
            outcome = ("FAIL" if case.find("failure") is not None or case.find("error") is not None
                       else "skip" if case.find("skipped") is not None else "pass")
            results[name] = (outcome, float(case.get("time", 0)))
        return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2, 3, 4])
    p.add_argument("-k", help="only the tests pytest's -k selects")
    args = p.parse_args(argv)
    extra = ["-k", args.k] if args.k else []
    table = {t: run(t, extra) for t in args.threads}
    names = sorted(set().union(*table.values()))
    width = max(map(len, names), default=10)
    print(f"{'test':{width}s}  " + "  ".join(f"{t} thread{'s' if t > 1 else ' '}" for t in args.threads))
    for name in names:
        cells = [table[t].get(name, ("-", 0.0)) for t in args.threads]
        print(f"{name:{width}s}  " + "  ".join(f"{o:4s} {s:4.0f}s" for o, s in cells))
    failed = sum(o == "FAIL" for t in args.threads for o, _ in table[t].values())
    total = {t: sum(s for _, s in table[t].values()) for t in args.threads}
    print(f"\n{len(names)} tests; failures: {failed}; seconds per thread count: "
          + ", ".join(f"{t}: {total[t]:.0f}" for t in args.threads))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
