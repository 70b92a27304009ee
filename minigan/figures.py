"""Pictures of what a generator draws: sample grids and the paper's Figures 2 and 3.

Figure 2 asks "is the generator just copying its training set?": each row shows five samples
and, framed in yellow, the training image nearest the fifth. Figure 3 walks a straight line
in z space and shows that the samples change smoothly along it.
"""
import numpy as np

from .backend import array_module, to_numpy

YELLOW = (1.0, 1.0, 0.0)  # Figure 2's frame around the nearest training image


def image_shape(d):
    """The image shape of a flat ``d``-vector: 784 -> (28, 28); 3072 -> (32, 32, 3)."""
    shapes = {784: (28, 28), 3072: (32, 32, 3)}
    if d not in shapes:
        raise ValueError(f"cannot draw {d}-dimensional samples as images: expected 784 (28x28) "
                         "or 3072 (32x32x3)")
    return shapes[d]


def tile(images, ncols):
    """Flat images ``(n, d)`` in [0, 1] tiled into one ``(H, W[, 3])`` array with 1-pixel gaps."""
    images = np.clip(to_numpy(images), 0, 1)
    shape = image_shape(images.shape[1])
    h, w = shape[:2]
    if len(shape) == 2:
        pics = images.reshape(-1, h, w)
    else:  # CIFAR-10 python batches store each image as 1024 red, 1024 green, 1024 blue
        pics = images.reshape(-1, 3, h, w).transpose(0, 2, 3, 1)
    nrows = -(-len(pics) // ncols)
    canvas = np.ones((nrows * (h + 1) + 1, ncols * (w + 1) + 1) + shape[2:])
    for i, pic in enumerate(pics):
        r, c = divmod(i, ncols)
        canvas[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + c * (w + 1):1 + c * (w + 1) + w] = pic
    return canvas


def save_grid(images, path=None, ncols=10, title=None, ax=None):
    """Flat images ``(n, d)`` in [0, 1] (either backend) as a grid: drawn on ``ax`` if given,
    written to ``path`` as a PNG if given. Returns the matplotlib ``Figure`` (a notebook shows
    it inline)."""
    return _draw(tile(images, ncols), path, title, ax)


def _draw(canvas, path=None, title=None, ax=None):
    """Draw a tiled ``(H, W)`` gray or ``(H, W, 3)`` color canvas on ``ax`` (or a new Figure);
    write it to ``path`` as a PNG if given; return the Figure."""
    from matplotlib.figure import Figure  # no pyplot: works headless and leaves notebooks alone

    if ax is None:
        fig = Figure(figsize=(canvas.shape[1] / 40, canvas.shape[0] / 40 + (0.4 if title else 0)))
        ax = fig.subplots()
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    if path is not None:
        ax.figure.savefig(path, dpi=100, bbox_inches="tight")
    return ax.figure


def nearest_neighbours(queries, train, batch_size=10_000):
    """Index of the training image nearest each query, by squared pixel distance.

    queries: ``(m, d)``; train: ``(n, d)`` (either backend; the work runs on ``train``'s).
    ``||q - t||^2 = ||q||^2 - 2 q.t + ||t||^2``: one matrix product per block of
    ``batch_size`` training images, in float64 so near-ties are not decided by rounding.
    Returns a NumPy ``(m,)`` int array of row indices into ``train``.
    """
    xp = array_module(train)
    if array_module(queries) is not xp:
        queries = xp.asarray(to_numpy(queries))
    if queries.ndim != 2 or queries.shape[1] != train.shape[1]:
        raise ValueError(f"nearest_neighbours: queries have shape {queries.shape} but training "
                         f"images are {train.shape[1]}-d; pass flat (m, {train.shape[1]}) images")
    q = queries.astype(xp.float64)
    best = xp.full(len(q), xp.inf)
    best_index = xp.zeros(len(q), dtype=xp.int64)
    rows = xp.arange(len(q))
    for start in range(0, len(train), batch_size):
        t = train[start:start + batch_size].astype(xp.float64)
        dist = (t * t).sum(axis=1)[None, :] - 2 * (q @ t.T)  # ||q||^2 is the same for every t
        j = dist.argmin(axis=1)
        closer = dist[rows, j] < best  # strict: on a tie the earlier training image stays
        best = xp.where(closer, dist[rows, j], best)
        best_index = xp.where(closer, j + start, best_index)
    return to_numpy(best_index)


def figure2(samples, train, path=None, rows=6, title=None, ax=None):
    """The paper's Figure 2: samples next to their nearest training image.

    Row r shows samples ``5r ... 5r+4`` (the first ``5 * rows`` of ``samples``, which are
    random draws from the generator) and, in a sixth column framed in yellow, the training
    image nearest (squared pixel distance) to the row's fifth sample. samples: ``(>= 5 rows, d)``,
    train: ``(n, d)``, flat images in [0, 1], d = 784 (gray) or 3072 (color); either backend.
    Drawn on ``ax`` if given (else a new Figure, reachable as ``ax.figure``), written to
    ``path`` if given. Returns the NumPy ``(rows,)`` indices of the training images shown.
    """
    if len(samples) < 5 * rows:
        raise ValueError(f"figure2 needs 5 samples per row: {rows} rows need {5 * rows}, "
                         f"got {len(samples)}; pass more samples or fewer rows")
    shown = to_numpy(samples[:5 * rows])
    index = nearest_neighbours(shown[4::5], train)
    neighbours = to_numpy(train[array_module(train).asarray(index)])
    grid = np.concatenate([shown.reshape(rows, 5, -1), neighbours[:, None, :]], axis=1)
    canvas = tile(grid.reshape(rows * 6, -1), ncols=6)
    if canvas.ndim == 2:  # gray: to RGB, so the frame can be yellow
        canvas = np.repeat(canvas[:, :, None], 3, axis=2)
    h, w = image_shape(shown.shape[1])[:2]
    left, right = 5 * (w + 1), 6 * (w + 1)  # the 1-pixel gaps either side of column 6
    canvas[:, [left, right]] = YELLOW
    canvas[::h + 1, left:right + 1] = YELLOW  # the gaps above and below each framed image
    _draw(canvas, path, title, ax)
    return index


def interpolate(z0, z1, steps):
    """Points on the straight line from ``z0`` to ``z1`` in z space (the paper's Figure 3).

    z0, z1: ``(z_dim,)`` for one line, or ``(pairs, z_dim)`` for one line per row. Returns
    ``(steps, z_dim)``, or ``(pairs * steps, z_dim)`` ordered line by line, with
    ``z = (1 - t) z0 + t z1`` for ``t = 0, 1/(steps-1), ..., 1`` (both ends exact).
    Feed it to the generator: ``figure3(G.forward(interpolate(z0, z1, 10), train=False), ...)``.
    """
    if z0.shape != z1.shape or z0.ndim not in (1, 2):
        raise ValueError(f"interpolate: z0 {z0.shape} and z1 {z1.shape} must have the same shape, "
                         "(z_dim,) or (pairs, z_dim)")
    if steps < 2:
        raise ValueError(f"interpolate: steps must be at least 2 (the two ends), got {steps}")
    xp = array_module(z0)
    t = xp.linspace(0, 1, steps, dtype=z0.dtype)[:, None]  # (steps, 1)
    z = (1 - t) * z0[..., None, :] + t * z1[..., None, :]  # (steps, z_dim) or (pairs, steps, z_dim)
    return z.reshape(-1, z0.shape[-1])


def figure3(images, path=None, steps=10, title=None, ax=None):
    """The paper's Figure 3: one row per line in z space, ``steps`` samples along it.

    images: ``(rows * steps, d)`` generator outputs for :func:`interpolate`'s points, in [0, 1],
    either backend. Drawn on ``ax`` if given, written to ``path`` if given; returns the Figure.
    """
    if len(images) % steps:
        raise ValueError(f"figure3: {len(images)} images do not split into rows of {steps} steps; "
                         "pass G's output for interpolate(z0, z1, steps)")
    return _draw(tile(images, ncols=steps), path, title, ax)


def curves(metrics, path=None):
    """Learning curves of a run from its ``metrics.jsonl`` records (a list of dicts, one per
    epoch): the validation Parzen log-likelihood where measured, mean D(x) and D(G(z)), both
    losses, and, where measured, what the classifier sees (classes covered and FID, ``minigan.metrics``),
    against the epoch. Written to ``path`` (PNG) if given; returns the Figure."""
    from matplotlib.figure import Figure

    epochs = [m["epoch"] for m in metrics]
    seen = [m for m in metrics if "fid" in m]
    fig = Figure(figsize=(16 if seen else 12, 3.4))
    axes = fig.subplots(1, 4 if seen else 3)
    scored = [(m["epoch"], m["valid_ll"]) for m in metrics if "valid_ll" in m]
    if scored:
        axes[0].plot(*zip(*scored), "o-", color="C2")
    axes[0].set_title("validation log-likelihood (Parzen, nats)", fontsize=9)
    axes[1].plot(epochs, [m["d_real"] for m in metrics], label="D(x)")
    axes[1].plot(epochs, [m["d_fake"] for m in metrics], label="D(G(z))")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("mean discriminator output", fontsize=9)
    axes[2].plot(epochs, [m["d_loss"] for m in metrics], label="D loss")
    axes[2].plot(epochs, [m["g_loss"] for m in metrics], label="G loss")
    axes[2].set_title("losses", fontsize=9)
    if seen:
        axes[3].plot([m["epoch"] for m in seen], [m["fid"] for m in seen], "o-", color="C3", label="FID")
        axes[3].set_yscale("log")
        right = axes[3].twinx()
        right.plot([m["epoch"] for m in seen], [m["classes_covered"] for m in seen], "s--", color="C0")
        right.set_ylim(0, 10.5)
        right.set_ylabel("classes covered (blue)", fontsize=8)
        axes[3].set_title("what a classifier sees: FID (red, log), classes", fontsize=9)
    for ax in axes:
        ax.set_xlabel("epoch")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
