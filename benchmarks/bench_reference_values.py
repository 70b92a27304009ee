"""Reference values of every sample metric, measured with ``minigan.metrics`` itself, so that each
number a chapter prints can sit beside an anchor measured the same way (same classifier, same
number of images, same generator).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_reference_values.py [--json benchmarks/reference_values.json]

Rows: real MNIST train[0:n], the validation split train[50000:50000+n] and the test split t10k[0:n],
for n = 1,000 and 10,000; the shipped unconditional G (``mg.models.pretrained_mnist()``) and the shipped
conditional G (``pretrained_conditional_mnist()``, n / 10 samples of each class), sampling seeds 0, 1, 2.
Columns:
- classes covered, class KL, score, FID against the test split's statistics (``sample_quality``);
- accuracy: the share of images the classifier gives their label (real: the true label; conditional
  G: the requested label; unconditional G: none);
- spread: ``within_class_spread`` (mean L2 pixel distance to the nearest other image of the same
  label; real: true labels, generators: requested or predicted labels);
- Parzen: Table 1's log-likelihood of the 10,000 test digits with the set as centres, sigma chosen on
  validation[:1000] (``minigan.parzen.evaluate``); not for the validation and test rows, which would
  score themselves.
The table printed is the one in ``benchmarks/RESULTS.md`` and ``docs/REFERENCE_VALUES.md``.
"""
import argparse
import json
import platform
import time

import numpy as np

import minigan as mg
from minigan import metrics, parzen

SIZES = (1_000, 10_000)
SEEDS = (0, 1, 2)


def measure(images, labels=None, accuracy_labels=None, valid=None, test=None):
    q = metrics.sample_quality(images)
    row = {k: q[k] for k in ("classes_covered", "class_kl", "score", "fid")}
    spread_labels = labels if labels is not None else metrics.predict(images)
    row["spread"] = metrics.within_class_spread(images, spread_labels)
    if accuracy_labels is not None:
        row["accuracy"] = float((metrics.predict(images) == accuracy_labels).mean())
    if valid is not None:
        p = parzen.evaluate(images, valid, test, progress=False)
        row["parzen"], row["parzen_se"], row["sigma"] = p["mean"], p["std_error"], p["sigma"]
    return row


def main(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--json")
    args = a.parse_args(argv)
    (x, y), (xv, yv), (xt, yt) = (mg.data.load("mnist", s) for s in ("train", "valid", "test"))
    started, rows = time.time(), []

    def add(name, n, seed, r):
        r.update(set=name, n=n, seed=seed)
        rows.append(r)
        print(json.dumps(r), f"({time.time() - started:.0f} s)", flush=True)

    for n in SIZES:
        add("real train", n, None, measure(x[:n], y[:n], y[:n], xv[:1000], xt))
        add("real validation", n, None, measure(xv[:n], yv[:n], yv[:n]))
        add("real test", n, None, measure(xt[:n], yt[:n], yt[:n]))
    g, cg = mg.models.pretrained_mnist(), mg.models.pretrained_conditional_mnist()
    for n in SIZES:
        requested = np.repeat(np.arange(10), n // 10)
        for seed in SEEDS:
            add("shipped G", n, seed, measure(g.sample(n, seed=seed), None, None, xv[:1000], xt))
            add("shipped conditional G", n, seed,
                measure(cg.sample(n, seed=seed, y=requested), requested, requested, xv[:1000], xt))
    print()
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "numpy": np.__version__, "python": platform.python_version(),
                       "seconds": round(time.time() - started), "rows": rows}, f, indent=1)


def _span(values, fmt):
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}–{fmt.format(hi)}"


def table(rows):
    """The markdown table: one line per set and size, generators as the range over sampling seeds."""
    cols = (("classes_covered", "{:d}"), ("class_kl", "{:.3f}"), ("score", "{:.2f}"), ("fid", "{:.1f}"),
            ("accuracy", "{:.2%}"), ("spread", "{:.2f}"), ("parzen", "{:.1f}"))
    out = ["| images | n | classes | class KL | score | FID | label accuracy | within-class spread | Parzen (nats) |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name in dict.fromkeys(r["set"] for r in rows):
        for n in SIZES:
            group = [r for r in rows if r["set"] == name and r["n"] == n]
            cells = [_span([r[k] for r in group], fmt) if k in group[0] else "—" for k, fmt in cols]
            if "parzen" in group[0]:
                se = max(r["parzen_se"] for r in group)
                cells[-1] += f" ± {se:.1f}"
            out.append(f"| {name} | {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
