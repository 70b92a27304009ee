"""Score a conditional generator (``python -m minigan.train --preset mirza``) as Section 7 asks.

    python benchmarks/bench_cgan.py runs/cgan/best.npz [--seeds 0 1 2] [--json out.json]

For each sampling seed: 1,000 samples per class (Mirza & Osindero's protocol, N = 10,000), then
- label accuracy: the share of samples that the pinned classifier (``mg.metrics``) gives the label
  they were drawn for; its ceiling is the classifier's own test accuracy, printed beside it;
- Parzen log-likelihood of the 10,000 test digits, sigma chosen on validation (Table 1; Mirza &
  Osindero's cGAN 132 +- 1.8, the GAN 225 +- 2);
- the classifier's FID against the test split (``mg.metrics.sample_quality``).
"""
import argparse
import json
import time

import numpy as np

import minigan as mg
from minigan import checkpoint, data, metrics, parzen

MIRZA = (132, 1.8)  # Table 1 of Mirza & Osindero (2014), nats


def score(gan, valid, test, seed):
    y = np.repeat(np.arange(gan.classes), 1000)
    clock = time.time()
    x = gan.sample(len(y), seed=seed, y=y).astype(np.float32)
    predicted = metrics.predict(x)
    per_class = [float((predicted[y == c] == c).mean()) for c in range(gan.classes)]
    p = parzen.evaluate(x, valid, test, progress=False)
    q = metrics.sample_quality(x)
    return {"seed": seed, "label_accuracy": float((predicted == y).mean()), "per_class": per_class,
            "parzen_ll": p["mean"], "parzen_se": p["std_error"], "sigma": p["sigma"],
            "fid": q["fid"], "classes_covered": q["classes_covered"], "seconds": round(time.time() - clock, 1)}


def main(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("checkpoint")
    a.add_argument("--seeds", type=int, nargs="+", default=[0])
    a.add_argument("--json")
    args = a.parse_args(argv)
    gan, config, state = checkpoint.load(args.checkpoint)
    if gan.classes is None:
        raise SystemExit(f"{args.checkpoint}: not a conditional GAN (train it with --preset mirza)")
    valid, test = (data.load(config["dataset"], s)[0] for s in ("valid", "test"))
    x_test, y_test = data.load(config["dataset"], "test")
    ceiling = float((metrics.predict(x_test) == y_test).mean())
    print(f"{args.checkpoint}: epoch {state['epoch']}, {state['step']} updates; classifier's own "
          f"test accuracy (the ceiling) {100 * ceiling:.2f} %")
    runs = []
    for seed in args.seeds:
        r = score(gan, valid, test, seed)
        runs.append(r)
        print(f"seed {seed}: label accuracy {100 * r['label_accuracy']:.2f} % (ceiling "
              f"{100 * ceiling:.2f} %; worst class {100 * min(r['per_class']):.1f} %), Parzen "
              f"{r['parzen_ll']:.1f} +- {r['parzen_se']:.1f} nats (sigma {r['sigma']:.3f}; Mirza & "
              f"Osindero {MIRZA[0]} +- {MIRZA[1]}), FID {r['fid']:.2f}, {r['seconds']} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"checkpoint": args.checkpoint, "epoch": state["epoch"], "step": state["step"],
                       "config": config, "classifier_test_accuracy": ceiling, "runs": runs}, f, indent=2)


if __name__ == "__main__":
    main()
