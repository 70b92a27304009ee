"""Section 7's inference and few-label directions, measured on real MNIST with minigan's pretrained G.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_section7.py [--steps 3000] [--seed 0] [--no-probes] [--json out.json]

1. Inference for the fixed pretrained G (``minigan.inference``): E (784-1200-1200-100) trained on fresh
   (G(z), z) pairs, momentum SGD; EGg on 2,000 fresh samples, EGr and labels kept on test[:2000], each
   beside random pairing; then z refined through G.backward on test[:100] (lesson 10's images); G's
   Jacobian spectrum. ``--seed`` seeds E's initial weights and its stream of (G(z), z) pairs.
2. Few-label probes (``minigan.semisupervised``): 100 / 600 / 1,000 balanced labels from the training
   split, seeds 0, 1, 2, L2 chosen on validation[:1000], accuracy on the 10,000 test digits, for pixels,
   an untrained paper D (first maxout layer), the trained D shipped with the pretrained G (first maxout
   layer) and the encoder's z-hat. ``--probes-only`` skips part 1 (and z-hat), ``--no-probes`` part 2.
Anchors (research notes, section7.md): EGg 2.76 vs 10.33, EGr 5.36 vs 10.16, 82.1 % kept (4,000 Adam
updates); refined 3.85 / 92.1 %; 7 directions hold 99 % of ||J||^2; pixels 73.0 / 85.6 / 87.6 %,
untrained D 70.5 / 83.5 / 85.9 %, z-hat 69.7 / 82.7 / 85.4 %; D's first maxout layer after 8 epochs 79.0 % at 100.
"""
import argparse
import json
import time

import numpy as np

import minigan as mg
from minigan import inference, semisupervised as ss


def main(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--steps", type=int, default=3000)
    a.add_argument("--json")
    a.add_argument("--seed", type=int, default=0, help="the encoder's seed (weights and training pairs)")
    a.add_argument("--probes-only", action="store_true", help="skip the encoder (part 1)")
    a.add_argument("--no-probes", action="store_true", help="skip the few-label probes (part 2)")
    args = a.parse_args(argv)
    (x, y), (xv, yv), (xt, yt) = (mg.data.load("mnist", s) for s in ("train", "valid", "test"))
    xv, yv = xv[:1000], yv[:1000]
    out, clock = {}, time.time()

    gan = mg.models.pretrained_mnist()
    if args.probes_only:
        E = None
    else:
        E = inference_report(gan, args, x, xt, yt, out, clock)
    if args.no_probes:
        return dump(out, args.json)
    _, D = mg.models.paper_mnist()
    D_trained = mg.models.pretrained_mnist_discriminator()
    sets = {"pixels": lambda a: a.astype(np.float64),
            "untrained D maxout 1": lambda a: ss.features(D, a, layer=1),
            "trained D maxout 1": lambda a: ss.features(D_trained, a, layer=1)}
    if E is not None:
        sets["encoder z-hat"] = lambda a: mg.backend.to_numpy(inference.encode(gan, E, a)).astype(np.float64)
    for name, feature in sets.items():
        clock = time.time()
        f = [feature(a) for a in (x, xv, xt)]
        acc = ss.few_labels(f[0], y, f[1], yv, f[2], yt)
        out[name] = {n: {"mean": float(np.mean(v)), "std": float(np.std(v)), "runs": v} for n, v in acc.items()}
        print(name, {n: f"{100 * np.mean(v):.2f} ± {100 * np.std(v):.2f} %" for n, v in acc.items()},
              f"{time.time() - clock:.0f} s")
    dump(out, args.json)


def dump(out, path):
    if path:
        with open(path, "w") as f:
            json.dump(out, f, indent=1)


def inference_report(gan, args, x, xt, yt, out, clock):
    """Part 1: E trained for the fixed G, its image-space report, z refined, the Jacobian's spectrum."""
    E, losses = inference.fit_encoder(gan, steps=args.steps, lr=0.01, momentum=0.9, seed=args.seed)
    r = inference.report(gan, E, x=xt[:2000], n=2000, labels=yt[:2000])
    z0 = inference.encode(gan, E, xt[:100])
    z = inference.refine(gan, xt[:100], z0, steps=200, lr=0.05)
    rec0, rec = gan.sample(z=z0), gan.sample(z=z)
    r.update(encoded100_EGr=float(np.linalg.norm(rec0 - xt[:100], axis=1).mean()),
             encoded100_label_kept=float((mg.metrics.predict(rec0) == yt[:100]).mean()),
             refined_EGr=float(np.linalg.norm(rec - xt[:100], axis=1).mean()),
             refined_label_kept=float((mg.metrics.predict(rec) == yt[:100]).mean()),
             directions_99=inference.jacobian_spectrum(gan, n=10)[1].tolist(),
             encoder_steps=args.steps, seed=args.seed, encoder_seconds=round(time.time() - clock, 1))
    out["inference"] = r
    print(json.dumps(r, indent=1))
    return E


if __name__ == "__main__":
    main()
