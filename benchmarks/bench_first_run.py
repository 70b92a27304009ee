"""Does a first command work on every machine? Run it for several seeds and BLAS thread counts.

    python benchmarks/bench_first_run.py --seeds 0-9 --threads 1 2 -- --epochs 8
    python benchmarks/bench_first_run.py --seeds 0-2 --threads 1 2 -- --preset paper --epochs 8

Everything after ``--`` is passed to ``python -m minigan.train`` (with ``--seed S --out TMP
--valid-every 0`` added). Each run is a fresh process with ``OPENBLAS_NUM_THREADS`` (and the
other BLAS thread variables) set to the thread count, as a user's machine would sum in its own
order. After each run, 10,000 samples of its final G are read by ``minigan.metrics`` and one line
is printed: classes covered, class KL, score, FID, updates, wall time and the load average
before and after (the machine may be shared). The target (issue 17): all ten classes with class
KL <= 0.1 for at least 9 of 10 seeds at every thread count, in at most 3 minutes on 2 cores.
``--json FILE`` appends every run as a JSON line.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PASS_KL = 0.1


def seeds(text):
    if "-" in text:
        low, high = map(int, text.split("-"))
        return list(range(low, high + 1))
    return [int(s) for s in text.split(",")]


def score(run_dir, threads):
    """Classes, KL, score and FID of 10,000 samples of the run's final G, in a process with the run's
    thread count (the samples, like the training, are BLAS sums)."""
    code = ("import json, sys, minigan as mg; from minigan import metrics; "
            "gan, config, state = mg.checkpoint.load(sys.argv[1]); "
            "q = metrics.sample_quality(gan.sample(10_000, seed=0), config['dataset']); "
            "q.update(step=state['step'], epoch=state['epoch']); print(json.dumps(q))")
    out = subprocess.run([sys.executable, "-c", code, str(run_dir / "checkpoint.npz")],
                         env=_env(threads), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(threads):
    return dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", **{v: str(threads) for v in THREAD_VARS})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=seeds, default=seeds("0-9"), help="e.g. 0-9 or 0,3,5 (default 0-9)")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="BLAS thread counts (default 1 2)")
    p.add_argument("--json", help="append each run to this file as a JSON line")
    p.add_argument("train_args", nargs=argparse.REMAINDER, help="-- then the arguments of minigan.train")
    args = p.parse_args()
    train_args = [a for a in args.train_args if a != "--"]
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  {platform.platform()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}; python -m minigan.train {' '.join(train_args)}")
    print(f"{'threads':>7} {'seed':>4} {'classes':>7} {'KL':>6} {'score':>5} {'FID':>6} {'epochs':>6} "
          f"{'updates':>7} {'wall s':>6}  load before/after  histogram")
    passed = {t: 0 for t in args.threads}
    walls = []
    for threads in args.threads:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as tmp:
                run_dir = Path(tmp) / "run"
                load_before = os.getloadavg()[0]
                started = time.time()
                done = subprocess.run([sys.executable, "-m", "minigan.train", *train_args, "--seed", str(seed),
                                       "--out", str(run_dir), "--valid-every", "0"],
                                      env=_env(threads), capture_output=True, text=True)
                wall = time.time() - started
                load_after = os.getloadavg()[0]
                if done.returncode != 0:
                    print(f"{threads:>7} {seed:>4} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
                    continue
                q = score(run_dir, threads)
            ok = q["classes_covered"] == 10 and q["class_kl"] <= PASS_KL
            passed[threads] += ok
            walls.append(wall)
            print(f"{threads:>7} {seed:>4} {q['classes_covered']:>7} {q['class_kl']:>6.3f} {q['score']:>5.2f} "
                  f"{q['fid']:>6.1f} {q['epoch']:>6} {q['step']:>7} {wall:>6.0f}  {load_before:4.1f}/{load_after:4.1f}  "
                  f"{' '.join(f'{h:.2f}' for h in q['class_histogram'])}{'' if ok else '  FAIL'}", flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(dict(q, threads=threads, seed=seed, wall_s=round(wall, 1), passed=ok,
                                            load=[load_before, load_after], train_args=train_args,
                                            date=str(datetime.date.today()))) + "\n")
    for threads in args.threads:
        print(f"OPENBLAS_NUM_THREADS={threads}: {passed[threads]} of {len(args.seeds)} seeds drew all ten "
              f"classes with class KL <= {PASS_KL}")
    if walls:
        print(f"wall time per run {min(walls):.0f}-{max(walls):.0f} s (median {np.median(walls):.0f} s), "
              f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
