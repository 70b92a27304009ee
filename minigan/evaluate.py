"""Score a trained generator as the paper does (Table 1): Parzen-window log-likelihood.

    python -m minigan.evaluate runs/mnist/checkpoint.npz
    python -m minigan.evaluate runs/mnist/checkpoint.npz --backend cupy --reference --json r.json

Draws 10,000 samples from G (evaluation mode), chooses sigma on the first 1,000 validation
images, and reports the mean log-likelihood of the 10,000 test images with its standard
error (``minigan.parzen``). ``--reference`` scores 10,000 real training images the same way:
the number a perfect copy of the training set would get with this protocol.
"""
import argparse
import json
import time

import numpy as np

from . import checkpoint, parzen
from .train import build_gan, load_images, reseed


def load_generator(path, backend_name=None):
    """``(gan, config, state)`` of the checkpoint at ``path``, on ``backend_name`` if given."""
    config, _ = checkpoint.read(path)
    if backend_name:
        config["backend"] = backend_name
    gan = build_gan(config)
    return gan, config, checkpoint.restore(path, gan)


def generate(gan, n, seed, batch=1000):
    """``n`` samples of G in evaluation mode, noise seeded by ``seed``."""
    reseed(gan, seed, 0)
    return gan.xp.concatenate([gan.sample(min(batch, n - i)) for i in range(0, n, batch)])


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m minigan.evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--data-dir", help="folder with the data sets (see minigan.data)")
    p.add_argument("--backend", choices=["numpy", "cupy"], help="default: the checkpoint's")
    p.add_argument("--n-samples", type=int, default=10_000,
                   help="generator samples (10,000 is the paper's; only that compares with Table 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise for the samples")
    p.add_argument("--reference", action="store_true",
                   help="also score 10,000 real training images as the samples")
    p.add_argument("--json", help="write the results to this file")
    args = p.parse_args(argv)

    gan, config, _ = load_generator(args.checkpoint, args.backend)
    xp, name = gan.xp, config["dataset"]
    valid = xp.asarray(load_images(name, "valid", args.data_dir))
    test = xp.asarray(load_images(name, "test", args.data_dir))
    started = time.time()
    result = parzen.evaluate(generate(gan, args.n_samples, args.seed).astype(valid.dtype), valid, test)
    seconds = time.time() - started
    report = {"dataset": name, "checkpoint": str(args.checkpoint), "parzen_ll": result["mean"],
              "parzen_se": result["std_error"], "sigma": result["sigma"],
              "n_samples": result["n_samples"], "seconds": round(seconds, 2),
              "valid_scores": dict(zip(map(float, result["sigmas"]), map(float, result["valid_scores"])))}
    print(f"{name}: Parzen log-likelihood of the test set {result['mean']:.1f} ± "
          f"{result['std_error']:.1f} nats (sigma {result['sigma']:.3f} chosen on validation; "
          f"N = {result['n_samples']} generator samples; {seconds:.1f} s)")
    if args.reference:
        real = xp.asarray(load_images(name, "train", args.data_dir)[:10_000])
        ref = parzen.evaluate(real, valid, test)
        report.update(real_train_parzen_ll=ref["mean"], real_train_parzen_se=ref["std_error"],
                      real_train_sigma=ref["sigma"])
        print(f"{name}: reference, 10,000 real training images as the samples: "
              f"{ref['mean']:.1f} ± {ref['std_error']:.1f} nats (sigma {ref['sigma']:.3f})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
