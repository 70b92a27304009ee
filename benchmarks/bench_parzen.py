"""Time the paper's Parzen-window protocol (Table 1) with NumPy on this machine.

    python benchmarks/bench_parzen.py [--check]

The full protocol at the paper's size: N = 10,000 kernel centres, sigma chosen from the
10-value grid on 1,000 validation images, then all 10,000 test images scored; d = 784.
With real MNIST where the library finds it ($MINIGAN_DATA_DIR, else ~/.cache/minigan) the centres are 10,000 *training*
images, which is the reference in docs/PAPER.md: about 241.2 +- 2.1 nats at
sigma = 0.167. Without MNIST, uniform random pixels stand in (timing only).
``--check`` also recomputes the test pass in float64 and reports how far float32 moved it.
Prints, and writes to benchmarks/parzen_result.txt.
"""
import argparse
import datetime
import os
import platform
import time
from pathlib import Path

import numpy as np

from minigan import data, parzen  # installed with pip install -e .

ROOT = Path(__file__).resolve().parents[1]


def find_data_dir():
    """The library's data folder if it holds MNIST, else None."""
    root = data.resolve_dir()
    return root if (root / "mnist" / "train-images-idx3-ubyte.gz").exists() else None


def load_mnist(data_dir):
    """(samples, valid, test): train[0:10000], train[50000:60000], t10k; float32 in [0, 1]."""
    train, valid, test = (data.load("mnist", split, data_dir, download=False)[0]
                          for split in ("train", "valid", "test"))
    return train[:10_000], valid, test


def blas_name():
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:
        return "unknown BLAS"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare the test pass with float64")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "parzen_result.txt"))
    args = ap.parse_args()

    lines = []

    def say(s=""):
        print(s, flush=True)
        lines.append(s)

    t0 = time.perf_counter()
    data_dir = find_data_dir()
    if data_dir is not None:
        samples, valid, test = load_mnist(data_dir)
        what = f"real MNIST from {data_dir}: samples = train[0:10000], " \
               "valid = train[50000:51000], test = t10k (10000)"
    else:
        rng = np.random.default_rng(0)
        samples, valid, test = (rng.random((n, 784), dtype=np.float32)
                                for n in (10_000, 1_000, 10_000))
        what = "RANDOM pixels (no MNIST found: set MINIGAN_DATA_DIR); timing only"
    t_load = time.perf_counter() - t0

    say("minigan Parzen-window benchmark (paper's Table 1 protocol, NumPy backend)")
    say(f"date      {datetime.datetime.now().isoformat(timespec='seconds')}")
    say(f"machine   {platform.platform()}; {platform.processor() or platform.machine()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}; NumPy {np.__version__} "
        f"({blas_name()})")
    say(f"data      {what}")
    say(f"sizes     N = {len(samples)} centres, d = {samples.shape[1]}, "
        f"{min(len(valid), parzen.N_VALID)} validation x {len(parzen.SIGMAS)} sigmas, "
        f"{len(test)} test; dtype {samples.dtype}")
    say(f"load      {t_load:.2f} s (not counted below)")

    # evaluate() is exactly these two calls; timed one by one to see where the time goes.
    t0 = time.perf_counter()
    sigma, scores = parzen.select_sigma(valid[:parzen.N_VALID], samples)
    t_valid = time.perf_counter() - t0
    t0 = time.perf_counter()
    ll = parzen.log_likelihood(test, samples, sigma)
    t_test = time.perf_counter() - t0
    mean, se = ll.mean(), ll.std() / np.sqrt(len(ll))
    total = t_valid + t_test

    say(f"valid     {t_valid:.2f} s  (1,000 points x 10,000 centres, all 10 sigmas from one "
        "distance pass)")
    say(f"test      {t_test:.2f} s  (10,000 points x 10,000 centres, chosen sigma)")
    say(f"TOTAL     {total:.2f} s  (target <= 10 s: {'met' if total <= 10 else 'MISSED'})")
    say("scores    " + "  ".join(f"{s:.3f}:{v:.1f}" for s, v in zip(parzen.SIGMAS, scores)))
    say(f"RESULT    {mean:.1f} +- {se:.1f} nats at sigma = {sigma:.3f}"
        + ("   (docs/PAPER.md reference: 241.2 +- 2.1 at sigma = 0.167)" if data_dir else ""))

    t0 = time.perf_counter()
    result = parzen.evaluate(samples, valid, test)
    say(f"evaluate  {time.perf_counter() - t0:.2f} s end to end -> {result['mean']:.1f} +- "
        f"{result['std_error']:.1f} at sigma = {result['sigma']:.3f}")

    if args.check:
        t0 = time.perf_counter()
        ll64 = parzen.log_likelihood(test.astype(np.float64), samples.astype(np.float64), sigma)
        diff = np.abs(ll - ll64)
        say(f"float64   {time.perf_counter() - t0:.2f} s; float32 vs float64: mean moved by "
            f"{abs(ll.mean() - ll64.mean()):.2e} nats, worst point {diff.max():.2e} nats "
            f"(standard error {se:.1f})")

    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
