"""Draw from a trained generator: a sample grid, or the paper's Figures 2 and 3.

    python -m minigan.sample runs/mnist/checkpoint.npz                       # samples.png
    python -m minigan.sample runs/mnist/checkpoint.npz --figure 2 --out fig2.png
    python -m minigan.sample runs/mnist/checkpoint.npz --figure 3 --out fig3.png

Figure 2 puts each row's fifth sample beside its nearest training image (yellow frame):
evidence that G does not copy its training set. Figure 3 walks straight lines in z space.
"""
import argparse

from . import figures
from .evaluate import generate, load_generator
from .train import load_images, reseed


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m minigan.sample", description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--out", default="samples.png", help="PNG to write (default samples.png)")
    p.add_argument("--figure", choices=["grid", "2", "3"], default="grid",
                   help="grid of samples (default), Figure 2 (nearest training images) or "
                        "Figure 3 (interpolation in z)")
    p.add_argument("--n", type=int, default=100, help="samples in the grid (default 100)")
    p.add_argument("--rows", type=int, default=6, help="rows of Figures 2 and 3 (default 6)")
    p.add_argument("--steps", type=int, default=10, help="points per line of Figure 3 (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise")
    p.add_argument("--backend", choices=["numpy", "cupy"], help="default: the checkpoint's")
    p.add_argument("--data-dir", help="data folder, for Figure 2's training images")
    args = p.parse_args(argv)

    gan, config, state = load_generator(args.checkpoint, args.backend)
    title = f"{config['dataset']}, epoch {state['epoch']}"
    if args.figure == "grid":
        figures.save_grid(generate(gan, args.n, args.seed), args.out, title=title)
    elif args.figure == "2":
        train = gan.xp.asarray(load_images(config["dataset"], "train", args.data_dir))
        figures.figure2(generate(gan, 5 * args.rows, args.seed), train, args.out, rows=args.rows,
                        title=f"{title} (right: nearest training image)")
    else:
        reseed(gan, args.seed, 0)
        ends = gan.noise(2 * args.rows)  # each row: the line from ends[r] to ends[rows + r]
        z = figures.interpolate(ends[:args.rows], ends[args.rows:], args.steps)
        figures.figure3(gan.G.forward(z, train=False), args.out, args.steps, title=title)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
