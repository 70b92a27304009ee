"""Score a trained generator as the paper does (Table 1): Parzen-window log-likelihood.

    python -m minigan.evaluate runs/mnist/checkpoint.npz
    python -m minigan.evaluate runs/mnist/checkpoint.npz --backend cupy --reference --json r.json

Draws 10,000 samples from G (evaluation mode), chooses sigma on the first 1,000 validation
images, and reports the mean log-likelihood of the 10,000 test images with its standard
error (``minigan.parzen``), and what a classifier sees in the same samples (``minigan.metrics``:
classes covered, class KL, score, FID to the test set). ``--reference`` scores 10,000 real training images the same way:
the number a perfect copy of the training set would get with this protocol.
"""
import argparse
import json
import time

from . import checkpoint, cli, data, metrics, parzen

# What real images score with minigan.metrics (benchmarks/RESULTS.md): the test split for the
# class KL and the score, 10,000 training images for the FID to the test split.
REAL = {"mnist": dict(class_kl=0.002, score=9.70, fid=1.3),
        "fashion-mnist": dict(class_kl=0.000, score=8.25, fid=0.4)}
MAX_SAMPLES = 100_000  # kernel centres held in memory: 100,000 x 784 float32 is 314 MB


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    return cli.run("python -m minigan.evaluate", _main, argv)


def _main(argv):
    p = argparse.ArgumentParser(prog="python -m minigan.evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint", help="checkpoint.npz (or best.npz) written by minigan.train")
    p.add_argument("--data-dir", help="folder with the data sets (see minigan.data)")
    p.add_argument("--backend", choices=["numpy", "cupy"], help="default: the checkpoint's")
    p.add_argument("--n-samples", type=cli.integer(1, MAX_SAMPLES), default=10_000,
                   help="generator samples (10,000 is the paper's; only that compares with "
                        f"Table 1; at most {MAX_SAMPLES:,})")
    p.add_argument("--seed", type=cli.integer(0), default=0, help="seed of the noise for the samples")
    p.add_argument("--reference", action="store_true",
                   help="also score 10,000 real training images as the samples")
    p.add_argument("--json", help="write the results to this file")
    args = p.parse_args(argv)
    if args.json:
        cli.output_file(args.json, "--json")

    gan, config, _ = checkpoint.load(args.checkpoint, args.backend)
    xp, name = gan.xp, config["dataset"]
    valid = xp.asarray(data.load(name, "valid", args.data_dir)[0])
    test = xp.asarray(data.load(name, "test", args.data_dir)[0])
    started = time.time()
    samples = gan.sample(args.n_samples, seed=args.seed).astype(valid.dtype)
    result = parzen.evaluate(samples, valid, test)
    seconds = time.time() - started
    report = {"dataset": name, "checkpoint": str(args.checkpoint), "parzen_ll": result["mean"],
              "parzen_se": result["std_error"], "sigma": result["sigma"],
              "n_samples": result["n_samples"], "seconds": round(seconds, 2),
              "valid_scores": dict(zip(map(float, result["sigmas"]), map(float, result["valid_scores"])))}
    print(f"{name}: Parzen log-likelihood of the test set {result['mean']:.1f} ± "
          f"{result['std_error']:.1f} nats (sigma {result['sigma']:.3f} chosen on validation; "
          f"N = {result['n_samples']} generator samples; {seconds:.1f} s)")
    if metrics.available(name):
        q = metrics.sample_quality(samples, name)
        report.update({k: q[k] for k in ("classes_covered", "class_kl", "score", "fid", "class_histogram")})
        print(f"{name}: the classifier sees {q['classes_covered']} of 10 classes (class KL {q['class_kl']:.3f} nats; "
              f"real test images {REAL[name]['class_kl']}), score {q['score']:.2f} (real {REAL[name]['score']}), "
              f"FID {q['fid']:.1f} (10,000 real training images: {REAL[name]['fid']})")
    else:
        print(f"{name}: sample metrics (classes covered, FID) are not available: minigan has a classifier "
              f"only for {', '.join(metrics.DATASETS)}")
    if args.reference:
        real = xp.asarray(data.load(name, "train", args.data_dir)[0][:10_000])
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
