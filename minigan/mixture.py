"""Section 6's "Helvetica scenario": mode collapse on a ring of Gaussians.

Section 6 warns that "G must not be trained too much without updating D, in order to avoid
'the Helvetica scenario' in which G collapses too many values of z to the same value of x to
have enough diversity to model p_data". We make that visible in 2-D:

* ``p_data``: an equal mixture of ``MODES = 8`` Gaussians with centres on a circle of radius
  ``RADIUS`` and standard deviation ``SIGMA`` in each coordinate;
* ``G``: z ``(m, 2)`` -> x ``(m, 2)``, 2 -> 32 ReLU -> 32 ReLU -> 2;
  ``D``: x ``(m, 2)`` -> logit ``(m, 1)``, 2 -> 32 ReLU -> 32 ReLU -> 1;
* the **balanced** schedule is Algorithm 1 with ``k = 1`` (``GAN.step``); the **collapse**
  schedule gives G ``G_STEPS`` updates for every D update -- G chases the current D's
  favourite region, with nothing to pull it back until D moves. Both make ``G_UPDATES``
  generator updates; the collapse schedule makes ``G_STEPS`` times fewer D updates.

**Conditioned on the mode** (Section 7's conditional model, Mirza & Osindero 2014): both nets
also see the mode index ``y`` as a one-hot row, and G must put each condition's samples at its
own mode (:func:`run_conditional`, :func:`conditional_coverage`). Asking that of *every*
condition catches the bugs learners report with conditional GANs: a label never sampled, a fixed
label, a G that ignores its label and draws every sample from one class.

Coverage is measured the usual way for this toy: a sample is *high quality* if it lies within
``3 * SIGMA`` of some centre, and a mode is *hit* if at least ``MIN_SHARE`` of its fair share
(``1 / MODES``) of the samples land within ``3 * SIGMA`` of it.

    python -m minigan.mixture --out runs/mixture [--seed 0]
"""
import argparse
import math
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm   # a bar in a notebook, a line in a terminal

from . import training
from .gan import GAN
from .layers import Linear, ReLU, Sequential
from .optim import SGD

MODES, RADIUS, SIGMA = 8, 2.0, 0.2
MIN_SHARE = 0.25           # a mode is hit with >= 1/4 of its fair share of samples
M = 128                    # minibatch: (2m, 32) @ (32, 32) stays small enough for one BLAS thread
G_UPDATES = 3000           # generator updates, the same in both schedules
G_STEPS = 20               # G updates per D update in the collapse schedule
CONDITIONAL_UPDATES = 1500  # updates of the conditional GAN: each condition is one Gaussian


def centres():
    """The mixture's means, shape ``(MODES, 2)``, evenly spaced on the circle."""
    angle = 2 * math.pi * np.arange(MODES) / MODES
    return RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def sample_data(rng, n):
    """``n`` samples of ``p_data``, shape ``(n, 2)``: a random centre plus ``N(0, SIGMA^2 I)``."""
    return sample_labelled(rng, n)[0]


def sample_labelled(rng, n):
    """``n`` samples of ``p_data`` with their mode index: ``x`` ``(n, 2)`` and ``y`` ``(n,)``."""
    y = rng.integers(MODES, size=n)
    return centres()[y] + SIGMA * rng.standard_normal((n, 2)), y


def coverage(x):
    """Section 6's diversity, counted: ``(modes_hit, high_quality, per_mode)`` for samples
    ``x`` ``(n, 2)``; ``per_mode`` ``(MODES,)`` is the fraction of samples within ``3 SIGMA``
    of each centre, ``high_quality`` their sum (the discs do not overlap)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"coverage: samples of shape {x.shape}; give (n, 2) points, n >= 1 "
                         "(NaN points count as hitting no mode)")
    dist = np.linalg.norm(x[:, None, :] - centres()[None], axis=2)        # (n, MODES)
    per_mode = (dist < 3 * SIGMA).mean(axis=0)
    return int((per_mode >= MIN_SHARE / MODES).sum()), float(per_mode.sum()), per_mode


def make_gan(seed=0, conditional=False):
    """The two networks and Algorithm 1 (``k = 1``, non-saturating G loss, momentum SGD).
    ``conditional``: both nets also take the one-hot mode index (G ``2 + 8 -> ...``, D likewise)."""
    s = np.random.SeedSequence(seed).spawn(6)
    c = MODES if conditional else 0
    G = Sequential(Linear(2 + c, 32, 1.0, s[0], dtype="float64"), ReLU(),
                   Linear(32, 32, 0.3, s[1], dtype="float64"), ReLU(),
                   Linear(32, 2, 0.3, s[2], dtype="float64"))
    D = Sequential(Linear(2 + c, 32, 1.0, s[3], dtype="float64"), ReLU(),
                   Linear(32, 32, 0.3, s[4], dtype="float64"), ReLU(),
                   Linear(32, 1, 0.3, s[5], dtype="float64"))
    return GAN(G, D, z_dim=2, k=1, noise="gaussian", objective="non-saturating",
               d_optimizer=SGD(D, lr=0.05, momentum=0.5), g_optimizer=SGD(G, lr=0.05, momentum=0.5),
               seed=seed, classes=MODES if conditional else None)


def train(gan, rng, g_steps=1, g_updates=G_UPDATES, progress=False, seed=0):
    """``g_updates // g_steps`` D updates (Algorithm 1, lines 2-6 with ``k = 1``), each
    followed by ``g_steps`` G updates (line 8, repeated). ``g_steps = 1`` is Algorithm 1
    itself, the library's loop (:func:`minigan.training.fit`); more is what Section 6 warns
    against, written out so the extra G updates are visible."""
    if not isinstance(g_steps, (int, np.integer)) or isinstance(g_steps, bool) or g_steps < 1:
        raise ValueError(f"g_steps={g_steps!r}: the number of G updates after each D update must be "
                         "a whole number >= 1 (1 is Algorithm 1)")
    if g_steps == 1:
        x = sample_data(rng, g_updates * M)
        training.fit(gan, x, epochs=1, batch_size=M, lr=None, momentum=None, seed=seed,
                     progress=progress)
        return
    for _ in tqdm(range(g_updates // g_steps), desc=f"{g_steps} G step(s) per D step",
                  disable=not progress, leave=False):
        gan.discriminator_gradients(sample_data(rng, M), gan.noise(M))
        gan.d_optimizer.step()
        for _ in range(g_steps):  # D stands still while G moves: the Helvetica scenario
            gan.generator_gradients(gan.noise(M))
            gan.g_optimizer.step()


def run(schedule, seed=0, n=2000, progress=False):
    """Train one schedule (``"balanced"`` or ``"collapse"``) from seed ``seed``; returns
    ``{"samples": (n, 2), "modes_hit", "high_quality", "per_mode": (MODES,)}``."""
    gan, rng = make_gan(seed), np.random.default_rng([seed, 1])
    train(gan, rng, g_steps={"balanced": 1, "collapse": G_STEPS}[schedule], progress=progress,
          seed=seed)
    x = gan.sample(n)
    hit, quality, per_mode = coverage(x)
    return {"samples": x, "modes_hit": hit, "high_quality": quality, "per_mode": per_mode}


def conditional_coverage(gan, n=500, seed=0):
    """For each condition ``c``, the fraction of ``n`` samples of ``G(z | c)`` within ``3 SIGMA``
    of mode ``c``: shape ``(MODES,)``. A right conditional GAN has every entry near 0.99."""
    own = []
    for c in range(MODES):
        x = np.asarray(gan.sample(n, y=c, seed=np.random.SeedSequence([seed, c])), dtype=np.float64)
        own.append((np.linalg.norm(x - centres()[c], axis=1) < 3 * SIGMA).mean())
    return np.array(own)


def run_conditional(seed=0, gan=None, n=500, updates=CONDITIONAL_UPDATES):
    """Train a conditional GAN (:func:`make_gan` with ``conditional=True``, or ``gan``: one of
    yours, e.g. with a label bug) on labelled samples for ``updates`` updates of Algorithm 1;
    returns :func:`conditional_coverage` of its samples, ``(MODES,)``."""
    gan = gan or make_gan(seed, conditional=True)
    x, y = sample_labelled(np.random.default_rng([seed, 1]), updates * M)
    training.fit(gan, x, epochs=1, batch_size=M, lr=None, momentum=None, seed=seed, y=y)
    return conditional_coverage(gan, n, seed)


def plot(results, path=None, seed=0, columns=None):
    """Scatter of the data and of each schedule's samples, side by side (or ``columns`` to a row,
    2.3 inches each: legible in a page's column, as lesson 8 on the course site shows it);
    written to ``path`` (PNG) if given. Returns the matplotlib ``Figure``."""
    import textwrap
    from matplotlib.figure import Figure  # no pyplot: runs headless, leaves notebooks alone

    data = sample_data(np.random.default_rng([seed, 2]), 2000)
    n = len(results) + 1
    if columns is not None and not (isinstance(columns, int) and columns >= 1):
        raise ValueError(f"plot: columns={columns!r}; give a whole number of panels per row, or None")
    rows = 1 if columns is None else -(-n // columns)
    width = 4 if columns is None else 2.3
    fig = Figure(figsize=(width * (columns or n), (4.3 if columns is None else 2.7) * rows))
    axes = np.atleast_1d(fig.subplots(rows, columns or n)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    panels = [("p_data: 8 Gaussians", data, "k")]
    for name, r in results.items():
        panels.append((f"{name}: {r['modes_hit']}/{MODES} modes, "
                       f"{100 * r['high_quality']:.0f}% high quality", r["samples"], "g"))
    for ax, (title, x, color) in zip(axes, panels):
        for c in centres():
            ax.add_patch(_circle(c, 3 * SIGMA))
        ax.scatter(x[:, 0], x[:, 1], s=2, color=color, alpha=0.5)
        ax.set_title(title if columns is None else textwrap.fill(title, 24), fontsize=9)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
    title = (f"Section 6, the Helvetica scenario: 1 vs {G_STEPS} G updates per D update, "
             f"{G_UPDATES} G updates each; circles: 3 sigma around each mode")
    fig.suptitle(title if columns is None else textwrap.fill(title, 100), fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def _circle(centre, radius):
    from matplotlib.patches import Circle
    return Circle(centre, radius, fill=False, lw=0.6, color="0.6")


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    from . import cli  # the command line's helpers: the library (``mg.mixture``) never loads them
    return cli.run("python -m minigan.mixture", _main, argv)


def _main(argv):
    from . import cli
    parser = argparse.ArgumentParser(prog="python -m minigan.mixture",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for mixture.png")
    parser.add_argument("--seed", type=cli.integer(0), default=0, help="seed (default 0)")
    args = parser.parse_args(argv)
    cli.output_folder(args.out)
    results = {}
    for schedule in ("balanced", "collapse"):
        r = results[schedule] = run(schedule, args.seed, progress=True)
        print(f"{schedule:9s}: {r['modes_hit']}/{MODES} modes hit, "
              f"{100 * r['high_quality']:.1f}% of samples high quality (within 3 sigma of a mode)")
    png = args.out / "mixture.png"
    plot(results, png, args.seed)
    print(f"wrote {png}")
    return results


if __name__ == "__main__":
    main()
