"""``python -m minigan.metrics --train DATASET``: re-make a shipped classifier with the pinned
recipe (:data:`minigan.metrics.RECIPE`).

The command line sits here, above what it uses (:mod:`minigan.data`, :mod:`minigan.cli`), so that
the metrics the library computes never import a command line.
"""
import argparse
import time
from pathlib import Path

import numpy as np

from .. import cli, data, metrics


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    return cli.run("python -m minigan.metrics", _main, argv)


def _main(argv):
    p = argparse.ArgumentParser(prog="python -m minigan.metrics",
                                description=metrics.__doc__.split("\n\n")[0])
    p.add_argument("--train", choices=metrics.DATASETS, required=True,
                   help="train the classifier of this data set with the pinned recipe "
                        f"({', '.join(f'{k}={v}' for k, v in metrics.RECIPE.items())})")
    p.add_argument("--out", help="where to write it (default minigan/pretrained/DATASET_classifier.npz)")
    p.add_argument("--data-dir", help="folder with the data sets (see minigan.data)")
    args = p.parse_args(argv)
    out = Path(args.out or metrics.PRETRAINED / f"{args.train}_classifier.npz")
    cli.output_file(out)
    x, y = data.load(args.train, "train", args.data_dir)
    x_test, y_test = data.load(args.train, "test", args.data_dir)
    started = time.time()
    net = metrics.train(x, y)
    metrics.save(net, out, x_test)
    net, _, _ = metrics._load(out)
    logits = np.concatenate([lg for _, lg in metrics._passes(net, x_test)])
    accuracy = float((logits.argmax(axis=1) == y_test).mean())
    print(f"{args.train}: test accuracy {accuracy:.2%} (float16 weights), {time.time() - started:.0f} s; wrote {out}")
    return accuracy


if __name__ == "__main__":
    main()
