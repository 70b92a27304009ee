"""Peak resident memory of a training run of the paper's MNIST model (NumPy, float32).

    MINIGAN_DATA_DIR=/path/to/data python benchmarks/bench_memory.py [--updates 300]

Loads MNIST's training split, builds the paper's networks as ``--preset paper`` does (output
bias from the mean image, simultaneous update, batch 100, SGD lr 0.1 momentum 0.5), and runs
``GAN.step`` over shuffled minibatches of real images. Prints the process's peak resident
set size (``ru_maxrss``) after each stage: the peak can only grow, so the last line is the run's.
"""
import argparse
import datetime
import platform
import resource
import time

import numpy as np

import minigan as mg
from minigan.data import load


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--updates", type=int, default=300)
    p.add_argument("--dataset", default="mnist")
    args = p.parse_args()
    print(f"{datetime.date.today()}  {platform.platform()}, NumPy {np.__version__}")
    print(f"after imports:             peak RSS {peak_mib():7.1f} MiB")
    x, _ = load(args.dataset, "train")
    print(f"after loading the images:  peak RSS {peak_mib():7.1f} MiB "
          f"({len(x)} images, {x.nbytes / 2**20:.0f} MiB as float32)")
    G, D = mg.models.paper_mnist(mean_image=x.mean(axis=0), seed=0)
    gan = mg.gan.GAN(G, D, 100, update="simultaneous")
    print(f"after building the model:  peak RSS {peak_mib():7.1f} MiB")
    order, start, n = np.random.default_rng(0).permutation(len(x)), time.perf_counter(), 0
    for n in range(args.updates):
        i = n * 100 % len(x)
        stats = gan.step(x[order[i:i + 100]])
    print(f"after {n + 1:>5} updates:     peak RSS {peak_mib():7.1f} MiB  "
          f"({(time.perf_counter() - start) / (n + 1) * 1e3:.0f} ms/update, "
          f"d_loss {float(stats['d_loss']):.3f})")


if __name__ == "__main__":
    main()
