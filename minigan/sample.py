"""Draw from a trained generator: a sample grid, or the paper's Figures 2 and 3.

    python -m minigan.sample runs/mnist/checkpoint.npz                       # samples.png
    python -m minigan.sample runs/mnist/checkpoint.npz --figure 2 --out fig2.png
    python -m minigan.sample runs/mnist/checkpoint.npz --figure 3 --out fig3.png
    python -m minigan.sample runs/cgan/best.npz --out classes.png    # conditional: a row per class

Figure 2 puts each row's fifth sample beside its nearest training image (yellow frame):
evidence that G does not copy its training set. Figure 3 walks straight lines in z space.
For a conditional G (``--preset mirza``) the grid has one row per class (Mirza & Osindero's
Figure 2), ``--n`` samples in all; Figures 2 and 3 take their classes in turn.
"""
import argparse

import numpy as np

from . import backend, checkpoint, cli, data, figures

MAX_GRID = 1000  # samples in one grid picture (100 rows of 10)


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    return cli.run("python -m minigan.sample", _main, argv)


def _main(argv):
    p = argparse.ArgumentParser(prog="python -m minigan.sample", description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint", help="checkpoint.npz (or best.npz) written by minigan.train")
    p.add_argument("--out", default="samples.png", help="PNG to write (default samples.png)")
    p.add_argument("--figure", choices=["grid", "2", "3"], default="grid",
                   help="grid of samples (default), Figure 2 (nearest training images) or "
                        "Figure 3 (interpolation in z)")
    p.add_argument("--n", type=cli.integer(1, MAX_GRID), default=100,
                   help=f"samples in the grid (default 100, at most {MAX_GRID})")
    p.add_argument("--rows", type=cli.integer(1, 50), default=6, help="rows of Figures 2 and 3 (default 6)")
    p.add_argument("--steps", type=cli.integer(2, 50), default=10,
                   help="points per line of Figure 3 (default 10)")
    p.add_argument("--seed", type=cli.integer(0), default=0, help="seed of the noise")
    p.add_argument("--backend", choices=["numpy", "cupy"], help="default: the checkpoint's")
    p.add_argument("--data-dir", help="data folder, for Figure 2's training images")
    args = p.parse_args(argv)
    args.out = cli.image_file(args.out)

    gan, config, state = checkpoint.load(args.checkpoint, args.backend)
    title = f"{config['dataset']}, epoch {state['epoch']}"
    if args.figure == "grid" and gan.classes is not None:  # one row per class
        per_class = max(1, args.n // gan.classes)
        y = gan.class_rows(per_class)
        figures.save_grid(gan.sample(len(y), seed=args.seed, y=y), args.out, ncols=per_class,
                          title=f"{title}, rows: classes 0..{gan.classes - 1}")
    elif args.figure == "grid":
        figures.save_grid(gan.sample(args.n, seed=args.seed), args.out, title=title)
    elif args.figure == "2":
        train = gan.xp.asarray(data.load(config["dataset"], "train", args.data_dir)[0])
        figures.figure2(gan.sample(5 * args.rows, seed=args.seed), train, args.out, rows=args.rows,
                        title=f"{title} (right: nearest training image)")
    else:
        noise = backend.default_rng(np.random.SeedSequence(args.seed), gan.xp)
        ends = gan.noise(2 * args.rows, noise)  # each row: the line from ends[r] to ends[rows + r]
        z = figures.interpolate(ends[:args.rows], ends[args.rows:], args.steps)
        figures.figure3(gan.sample(z=z), args.out, args.steps, title=title)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
