"""Time one update of the paper's MNIST model (batch 100, simultaneous, as --preset paper).

    python benchmarks/bench_train.py [--backend numpy|cupy] [--steps 50]

Prints the machine, the date, seconds per update and per 500-update epoch. Random data:
the cost of an update does not depend on the pixels.
"""
import argparse
import datetime
import os
import platform
import time

import numpy as np

import minigan as mg


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    p.add_argument("--steps", type=int, default=50)
    args = p.parse_args()
    G, D = mg.models.paper_mnist(backend=args.backend)
    gan = mg.gan.GAN(G, D, 100, update="simultaneous")
    x = np.random.default_rng(0).uniform(0, 1, (100 * (args.steps + 5), 784)).astype(np.float32)
    updates = mg.training.steps(gan, x, epochs=1, batch_size=100)  # the loop train.py runs
    for _ in range(5):  # warm-up: BLAS threads, CuPy kernel compilation
        float(next(updates)["d_loss"])
    start = time.perf_counter()
    for r in updates:
        pass
    float(r["d_loss"])  # wait for the GPU
    per_step = (time.perf_counter() - start) / args.steps
    print(f"{datetime.date.today()}  {platform.platform()}  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}, backend {args.backend}")
    print(f"paper MNIST model, batch 100, simultaneous update: {per_step * 1e3:.1f} ms/update, "
          f"{per_step * 500:.1f} s per 500-update epoch")


if __name__ == "__main__":
    main()
