"""Figure 1: the 1-D world of the paper, trained for real.

Figure 1 of the paper is a cartoon of Algorithm 1 in one dimension: data density ``p_data``
(black, dotted), generator density ``p_g`` (green, solid), discriminator ``D`` (blue, dashed),
and below them the z-line with arrows ``x = G(z)``. Here every curve comes from a real run of
:class:`minigan.gan.GAN`:

* ``p_data = N(MEAN, STD^2)``; ``z ~ N(0, 1)`` (``GAN(noise="gaussian")``, see below);
* ``G``: z ``(m, 1)`` -> x ``(m, 1)``, 1 -> 32 Tanh -> 1, started monotone and to the right
  of ``p_data``; ``D``: x ``(m, 1)`` -> logit ``(m, 1)``, 1 -> 32 ReLU -> 32 ReLU -> 1;
* ``p_g`` is the exact change of variables ``p_z(z) / |G'(z)|`` (:func:`minigan.theory.p_g`),
  ``D*`` is Proposition 1 and ``JSD`` is Theorem 1's (:mod:`minigan.theory`).

The four panels are four moments of one run: (a) the first iteration of Algorithm 1 with
``JSD(p_data, p_g) < NEAR``, a pair near convergence, D a partially accurate classifier;
(b) the inner loop, D trained with G fixed until it is ``D*``; (c) a few G updates with D
fixed: G(z) flows towards what D calls data; (d) ``STEPS_D`` more iterations later,
``p_g ~ p_data`` and ``D ~ 1/2``.

Why a Gaussian z when Figure 1 samples z uniformly: from a bounded z the generator must learn
the Gaussian's quantile function, which is unbounded at the ends of z's interval. With the
uniform prior these networks cut p_g's tails off near 2.2 sigma (that alone costs 0.01 nats)
and after 2000 iterations JSD sits anywhere between 0.015 and 0.06 nats, seed to seed; with a
Gaussian z, G only has to shift and scale, and seeds 0-7 all end below 0.002 nats. The
z-line draws z at equally likely points (quantiles of p_z), so each arrow carries the same
mass, as evenly spaced uniform z do in the paper.

    python -m minigan.toy --out runs/toy [--gif] [--seed 0]
"""
import argparse
from pathlib import Path

import numpy as np
from numpy import trapezoid   # (scipy.integrate costs a command 0.4 s to import)
from scipy.special import ndtri
from tqdm.auto import tqdm   # a bar in a notebook, a line in a terminal

from . import theory, training
from .gan import GAN
from .layers import Linear, ReLU, Sequential, Tanh, sigmoid
from .optim import SGD

MEAN, STD = 0.0, 0.5             # p_data = N(MEAN, STD^2)
START = 1.5                      # G's output bias at init: p_g starts to the right of p_data
X = np.linspace(-3.0, 4.0, 701)  # the x-line: grid for densities, D and every integral, (701,)
M, K = 128, 5                    # minibatch; D updates per G update (Algorithm 1's k)
# (with m = 128, D's (2m, 32) @ (32, 32) stays under OpenBLAS's threading threshold: on busy
# shared cores, threads made every step ~100x slower)
NEAR = 0.15                      # (a) is the first iteration with JSD(p_data, p_g) < NEAR
STEPS_B, STEPS_C, STEPS_D = 2000, 3, 1000
ARROWS = 15                      # z at the quantiles (i + 1/2) / ARROWS of p_z
Z_LINE = -0.5                    # height of the z-line below the x-line


def networks(seed=0):
    """Figure 1's generator and discriminator, float64 (so rounding never limits the checks).

    A 1-D layer with zero biases centres every unit (ReLU kink, Tanh's steep middle) at 0; we
    spread the first layers' centres over the line instead, so both nets can bend where the
    data are. G's first weights are small, so its Tanh units do not saturate over z's range
    (a saturated G piles mass in one spot and stops learning). G starts monotone
    (``W2[i] * W1[i] >= 0``): a map that folds sends two z regions to one x, Figure 1's
    arrows would cross, and training rarely undoes a fold.
    """
    s = np.random.SeedSequence(seed).spawn(6)
    g1, g2 = Linear(1, 32, 0.3, s[0], dtype="float64"), Linear(32, 1, 0.5, s[1], dtype="float64")
    d1 = Linear(1, 32, 1.0 / STD, s[2], dtype="float64")
    D = Sequential(d1, ReLU(), Linear(32, 32, 0.5, s[3], dtype="float64"), ReLU(),
                   Linear(32, 1, 0.5, s[4], dtype="float64"))
    rng = np.random.default_rng(s[5])
    g1.params["b"][...] = -g1.params["W"][0] * rng.uniform(-2, 2, 32)          # kinks in z
    d1.params["b"][...] = -d1.params["W"][0] * rng.uniform(MEAN - 4 * STD, START + 2 * STD, 32)
    g2.params["W"][:, 0] = np.abs(g2.params["W"][:, 0]) * np.sign(g1.params["W"][0])
    g2.params["b"][...] = START
    return Sequential(g1, Tanh(), g2), D


def make_gan(seed=0):
    """Algorithm 1 with ``k = K``, the non-saturating G loss (Section 3) and momentum SGD."""
    G, D = networks(seed)
    return GAN(G, D, z_dim=1, k=K, noise="gaussian", objective="non-saturating",
               d_optimizer=SGD(D, lr=0.05, momentum=0.5), g_optimizer=SGD(G, lr=0.02, momentum=0.5),
               seed=seed)


def data(rng, n):
    """``n`` samples of ``p_data``, shape ``(n, 1)``."""
    return rng.normal(MEAN, STD, (n, 1))


def algorithm1(gan, rng, iterations, seed=0):
    """Iterations of Algorithm 1 (:func:`minigan.training.steps`, one ``gan.step`` each) over
    ``iterations * k * M`` samples of ``p_data`` drawn up front, each optimizer keeping its own
    learning rate. Pull them one at a time with ``next``."""
    x = data(rng, iterations * gan.k * M)
    return training.steps(gan, x, epochs=1, batch_size=M, lr=None, momentum=None, seed=seed)


def train(gan, iterations, steps, frames=None, every=25, progress=False):
    """``steps`` more of ``gan``'s ``iterations`` (from :func:`algorithm1`); appends a
    :func:`snapshot` to ``frames`` every ``every`` iterations when a list is given."""
    for _ in tqdm(range(steps), desc="Algorithm 1", disable=not progress, leave=False):
        t = next(iterations)["step"]
        if frames is not None and t % every == 0:
            frames.append(snapshot(gan, f"iteration {t}"))


def train_discriminator(gan, steps, rng):
    """Figure 1(b), the inner loop (Algorithm 1, lines 2-6) run to convergence: D ascends V
    with G fixed, towards ``D*`` of Proposition 1. Over the second half the learning rate
    falls linearly to 0, so the D we end with is not one minibatch's noise; it is restored
    afterwards."""
    lr = gan.d_optimizer.lr
    for t in range(steps):
        gan.d_optimizer.lr = lr * min(1.0, 2 * (1 - t / steps))
        gan.discriminator_gradients(data(rng, M), gan.noise(M))
        gan.d_optimizer.step()
    gan.d_optimizer.lr = lr


def train_generator(gan, steps):
    """Figure 1(c): G's update (Algorithm 1, line 8) with D fixed -- here ``steps`` of them."""
    for _ in range(steps):
        gan.generator_gradients(gan.noise(M))
        gan.g_optimizer.step()


def snapshot(gan, label=""):
    """What a panel draws, as NumPy arrays on the grid ``X``: ``p_data``, ``p_g``, ``D``,
    ``D*``, and the arrows' ``z`` and ``G(z)`` (``(ARROWS,)`` each); plus JSD and mean D."""
    pd = theory.p_data(X, MEAN, STD)
    pg = theory.p_g(gan.G, X, noise="gaussian")
    D = sigmoid(gan.D.forward(X[:, None], train=False)[:, 0])
    z = ndtri((np.arange(ARROWS) + 0.5) / ARROWS)
    return {"label": label, "p_data": pd, "p_g": pg, "D": D, "D_star": theory.D_star(pd, pg),
            "z": z, "Gz": gan.G.forward(z[:, None], train=False)[:, 0],
            "jsd": theory.jsd(pd, pg, X), "D_on_data": trapezoid(pd * D, X),
            "D_on_g": trapezoid(pg * D, X)}


def run(seed=0, frames=None, progress=False):
    """The run behind Figure 1; returns the four panels' snapshots ``{"a", "b", "c", "d"}``
    and appends snapshots of the Algorithm 1 iterations to ``frames`` when it is a list."""
    gan, rng = make_gan(seed), np.random.default_rng([seed, 1])
    iterations = algorithm1(gan, rng, 100 + STEPS_D, seed)
    t, snap = 0, snapshot(gan, "iteration 0")
    while snap["jsd"] >= NEAR and t < 100:   # (a): Algorithm 1 until p_g is near p_data
        if frames is not None:
            frames.append(snap)
        t = next(iterations)["step"]
        snap = snapshot(gan, f"iteration {t}")
    if frames is not None:
        frames.append(snap)
    panels = {"a": dict(snap, label=f"(a) after {t} iterations of Algorithm 1")}
    train_discriminator(gan, STEPS_B, rng)
    panels["b"] = snapshot(gan, f"(b) {STEPS_B} D steps, G fixed")
    train_generator(gan, STEPS_C)
    panels["c"] = snapshot(gan, f"(c) {STEPS_C} G steps, D fixed")
    train(gan, iterations, STEPS_D, frames, progress=progress)
    panels["d"] = snapshot(gan, f"(d) {STEPS_D} more iterations")
    return panels


def draw(ax, snap, before=None, show_D_star=False):
    """One panel in Figure 1's style on a Matplotlib ``Axes``."""
    ax.clear()
    ax.set_axis_off()
    ax.set_xlim(X[0], X[-1])
    ax.set_ylim(Z_LINE - 0.25, 1.1)
    ax.hlines([0, Z_LINE], X[0] + 0.4, X[-1], color="k", lw=0.8)
    ax.text(X[0] + 0.1, 0, "x", va="center", fontsize=11, style="italic")
    ax.text(X[0] + 0.1, Z_LINE, "z", va="center", fontsize=11, style="italic")
    for z, gz in zip(snap["z"], snap["Gz"]):  # each arrow carries 1/ARROWS of p_z's mass
        ax.annotate("", xy=(gz, 0), xytext=(z, Z_LINE),
                    arrowprops=dict(arrowstyle="->", lw=0.7, color="0.25", shrinkA=0, shrinkB=0))
    if before is not None:
        ax.plot(X, before["p_g"], color="g", lw=1, alpha=0.3, label="$p_g$ before")
    if show_D_star:  # D* = p_data / (p_data + p_g) means nothing where neither has mass
        seen = snap["p_data"] + snap["p_g"] > 1e-2
        ax.plot(X, np.where(seen, snap["D_star"], np.nan), color="0.5", lw=5, alpha=0.3,
                label="$D^*$ (Prop. 1)")
    ax.plot(X, snap["p_data"], "k:", lw=2, label="$p_{data}$")
    ax.plot(X, snap["p_g"], "g-", lw=1.5, label="$p_g$")
    ax.plot(X, snap["D"], "b--", lw=1.5, label="$D$")
    ax.text((X[0] + X[-1]) / 2, Z_LINE - 0.2, snap["label"], ha="center", va="center", fontsize=9)


def figure1(panels, path=None, columns=4):
    """Figure 1's four panels, with the caption (:func:`caption`) printed under them; written to
    ``path`` (PNG) if given. Returns the matplotlib ``Figure`` (a notebook shows it inline).
    ``columns=4`` is the paper's row; ``columns=2`` is a 2 x 2 block that stays legible in a
    page's column (lesson 3 on the course site)."""
    import textwrap
    from matplotlib.figure import Figure  # no pyplot: runs headless, leaves notebooks alone

    if columns not in (2, 4):
        raise ValueError(f"figure1: columns={columns!r}; use 4 (the paper's row) or 2 (2 x 2)")
    a, b, c, d = (panels[k] for k in "abcd")
    fig = Figure(figsize=(15, 4.2) if columns == 4 else (6.8, 7))
    axes = fig.subplots(4 // columns, columns).ravel()
    draw(axes[0], a)
    draw(axes[1], b, show_D_star=True)
    draw(axes[2], c, before=b)
    draw(axes[3], d)
    for ax in axes[:3]:  # (d) has the same three curves as (a)
        ax.legend(loc="upper right", fontsize=7 if columns == 4 else 9, frameon=False)
    if columns == 4:
        fig.text(0.5, 0.02, caption(panels), ha="center", va="bottom", fontsize=8.5)
        fig.subplots_adjust(left=0.01, right=0.99, top=0.98, bottom=0.12, wspace=0.05)
    else:
        fig.text(0.5, 0.01, textwrap.fill(caption(panels), 110), ha="center", va="bottom",
                 fontsize=9)
        fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.16, wspace=0.05, hspace=0.05)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def caption(panels):
    """What Figure 1's run measured, in words: JSD per panel, |D - D*| in (b), mean D in (d)."""
    a, b, c, d = (panels[k] for k in "abcd")
    err_b = np.abs(b["D"] - b["D_star"])[(b["p_data"] > 0.05) & (b["p_g"] > 0.05)].max()
    return (
        f"Figure 1, from a real run of Algorithm 1. p_data = N({MEAN:g}, {STD:g}^2); p_g is the "
        "change of variables p_z(z)/|G'(z)| through G, integrated on a 4001-point z grid (not a "
        f"histogram of samples); z ~ N(0, 1), arrows from its {ARROWS} quantiles (equal mass).\n"
        f"JSD(p_data, p_g): (a) {a['jsd']:.3f}, "
        f"(c) {c['jsd']:.3f}, (d) {d['jsd']:.4f} nats. (b) max |D - D*| = {err_b:.3f} where both "
        f"densities exceed 0.05. (d) E_data[D] = {d['D_on_data']:.3f}, E_g[D] = {d['D_on_g']:.3f}.")


def animate(frames, path, fps=8):
    """Write the training run as a GIF, one frame per snapshot (Pillow)."""
    from matplotlib.animation import PillowWriter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.6))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, path, dpi=80):
        for snap in frames:
            draw(ax, snap)
            ax.set_title(f"JSD = {snap['jsd']:.3f} nats", fontsize=9, y=0.9)
            writer.grab_frame()


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    from . import cli  # the command line's helpers: the library (``mg.toy``) never loads them
    return cli.run("python -m minigan.toy", _main, argv)


def _main(argv):
    from . import cli
    parser = argparse.ArgumentParser(prog="python -m minigan.toy", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for figure1.png (and .gif)")
    parser.add_argument("--gif", action="store_true", help="also write an animation of training")
    parser.add_argument("--seed", type=cli.integer(0), default=0, help="seed (default 0)")
    args = parser.parse_args(argv)
    cli.output_folder(args.out)
    frames = [] if args.gif else None
    panels = run(args.seed, frames, progress=True)
    png = args.out / "figure1.png"
    figure1(panels, png)
    print(caption(panels))
    print(f"wrote {png}")
    if args.gif:
        animate(frames, args.out / "training.gif")
        print(f"wrote {args.out / 'training.gif'} ({len(frames)} frames)")
    return panels


if __name__ == "__main__":
    main()
