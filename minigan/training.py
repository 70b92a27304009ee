"""The outer loop of Algorithm 1: epochs over a data set, reshuffled every epoch, with the
paper's learning-rate and momentum schedules. One loop, used by the command line, the toy,
the mixture, the benchmarks and any notebook::

    import minigan as mg
    G, D = mg.models.paper_mnist(mean_image=x.mean(axis=0))
    gan = mg.gan.GAN(G, D, z_dim=100)
    history = mg.training.fit(gan, x, epochs=2)          # per-epoch means, a list of dicts
    history += mg.training.fit(gan, x, epochs=4, start=history[-1])   # epochs 3 and 4

:func:`steps` is the loop itself: a generator that yields a record after every update, so
its caller can stop, look, plot or save a checkpoint between any two updates (that is how
``python -m minigan.train`` handles Ctrl-C). :func:`fit` runs it to the end. Neither exits the
program, installs a signal handler, writes files or shows a progress bar unless asked.

Randomness: epoch ``e`` shuffles with ``default_rng([seed, e])`` and, when it starts at its
first batch, reseeds every generator in the GAN (noise, dropout) from ``(seed, e)``
(:func:`minigan.rng.reseed`). A position ``(epoch, batch, step)`` therefore fixes the rest of
the run, which is what makes resuming exact.
"""
import math

import numpy as np
from tqdm.auto import tqdm   # a bar in a notebook, a line in a terminal

from . import backend, rng
from .optim import ExponentialDecay, LinearRamp

# The paper's schedules (docs/PAPER.md): lr 0.1 divided by 1.000004 after every update (floor
# 1e-6), momentum 0.5 at epoch 1 rising linearly to 0.7 at epoch 250.
PAPER_LR = ExponentialDecay(0.1, 1.000004, 1e-6)
PAPER_MOMENTUM = LinearRamp(0.5, 0.7, 250)

STATS = ("d_loss", "g_loss", "d_real", "d_fake")


class Diverged(FloatingPointError):
    """A loss became NaN or infinite. ``epoch``, ``step`` and ``stats`` say where."""

    def __init__(self, epoch, step, stats):
        self.epoch, self.step, self.stats = epoch, step, stats
        super().__init__(f"non-finite loss at epoch {epoch}, update {step}: {stats}")


def _schedule(value, name):
    if value is None or callable(value):
        return value
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name}={value!r}: give a number >= 0 or a schedule (a function of "
                         f"the {'update' if name == 'lr' else 'epoch'} number)")
    return lambda _: value


def position(record):
    """Where a run stands after ``record`` (one of :func:`steps`' records), as the
    ``{"epoch", "batch", "step"}`` dict that ``start`` takes: ``epoch`` epochs complete,
    ``batch`` updates done in the next one, ``step`` updates in all."""
    if record["batch"] == record["batches"]:
        return {"epoch": record["epoch"], "batch": 0, "step": record["step"]}
    return {"epoch": record["epoch"] - 1, "batch": record["batch"], "step": record["step"]}


def steps(gan, x, epochs, batch_size=100, lr=PAPER_LR, momentum=PAPER_MOMENTUM, seed=0,
          start=None, check_every=50, y=None):
    """Train ``gan`` on ``x`` until epoch ``epochs``, yielding a record after every update.

    Args:
        gan: a :class:`minigan.gan.GAN`; each update is one ``gan.step`` (k D-steps, one G-step).
        x: training data ``(n, d)``, on any backend; moved to ``gan``'s once.
        epochs: train until this epoch, counting from 1 (with ``start``: from where it says).
        batch_size: minibatch size ``m``; an update takes ``k * m`` data samples.
        lr: learning rate of both nets: a number, a function of the update number ``n = 0, 1,
            ...`` (:class:`minigan.optim.ExponentialDecay`), or ``None`` to leave each
            optimizer's ``lr`` as it is. Default: the paper's decay.
        momentum: a number, a function of the epoch ``1, 2, ...``
            (:class:`minigan.optim.LinearRamp`), or ``None``. Default: the paper's ramp.
        seed: seeds the shuffles and, at each epoch start, every generator in ``gan``.
        start: a position ``{"epoch", "batch", "step"}`` to continue from (:func:`position`,
            a checkpoint's ``state``, or an entry of :func:`fit`'s history). When it is in the
            middle of an epoch, the GAN's random states are the caller's business (a checkpoint
            restores them).
        check_every: every this many updates, and at the end of each epoch, the losses are
            checked: a NaN or infinity raises :class:`Diverged` (on a GPU the check waits for
            the device, so it is not done every update).
        y: the labels of ``x``, ``(n,)``, for a conditional GAN (``GAN(classes=C)``): each
            update gets its minibatch's labels, ``gan.step(x_batch, y_batch)``.

    Yields:
        ``{"epoch", "batch", "batches", "step", "lr", "momentum", "d_loss", "g_loss",
        "d_real", "d_fake"}`` after each update: ``batch`` updates of ``batches`` are done in
        epoch ``epoch``, ``step`` in all; the four statistics are ``gan.step``'s 0-d arrays.
        The last record of an epoch also holds ``"means"``: the four statistics as floats,
        averaged over the updates this call made in that epoch.
    """
    xp = gan.xp
    lr_at, momentum_at = _schedule(lr, "lr"), _schedule(momentum, "momentum")
    for name, value in (("batch_size", batch_size), ("check_every", check_every)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}={value!r}: must be a whole number >= 1")
    per_step = batch_size * gan.k  # k minibatches of m for one update
    n_batches = len(x) // per_step
    if n_batches == 0:
        raise ValueError(f"{len(x)} training samples are fewer than one update's "
                         f"k * batch_size = {gan.k} * {batch_size} = {per_step}: use a smaller "
                         "batch size or more data")
    x = backend.to_numpy(x) if xp is np else xp.asarray(x)  # to gan's backend, once
    gan.check_data(x, "training: x")
    x = x.astype(gan.dtype, copy=False)
    gan.check_range(x, "training: x")  # once per data set: on CuPy two syncs, not two per update
    if y is not None and len(y) != len(x):
        raise ValueError(f"{len(y)} labels y for {len(x)} samples x: give one label per sample")
    y = None if y is None else xp.asarray(y)  # labels, for a conditional GAN
    start = start or {}
    epoch, batch, step = start.get("epoch", 0), start.get("batch", 0), start.get("step", 0)
    optimizers = (gan.d_optimizer, gan.g_optimizer)
    for epoch in range(epoch + 1, epochs + 1):
        order = xp.asarray(np.random.default_rng([seed, epoch]).permutation(len(x))[:n_batches * per_step])
        if batch == 0:
            rng.reseed(gan, seed, epoch)
        for opt in optimizers if momentum_at else ():
            opt.momentum = momentum_at(epoch)
        sums, first = dict.fromkeys(STATS, 0), batch
        for batch in range(batch, n_batches):
            for opt in optimizers if lr_at else ():
                opt.lr = lr_at(step)
            rows = order[batch * per_step:(batch + 1) * per_step]
            stats = gan.step(x[rows]) if y is None else gan.step(x[rows], y[rows])
            step += 1
            sums = {k: sums[k] + stats[k] for k in STATS}
            if step % check_every == 0 or batch == n_batches - 1:
                shown = {k: float(v) for k, v in stats.items()}  # waits for the GPU
                if not all(map(math.isfinite, shown.values())):
                    raise Diverged(epoch, step, shown)
            record = dict(epoch=epoch, batch=batch + 1, batches=n_batches, step=step,
                          lr=gan.g_optimizer.lr, momentum=gan.g_optimizer.momentum, **stats)
            if batch == n_batches - 1:
                record["means"] = {k: float(v) / (n_batches - first) for k, v in sums.items()}
            yield record
        batch = 0


def fit(gan, x, epochs, batch_size=100, lr=PAPER_LR, momentum=PAPER_MOMENTUM, seed=0,
        start=None, check_every=50, progress=False, y=None):
    """Run :func:`steps` to the end (arguments as there); returns the history.

    Returns:
        A list with one dict per epoch trained: ``{"epoch", "batch": 0, "step", "lr",
        "momentum", "d_loss", "g_loss", "d_real", "d_fake"}``, the four statistics as floats
        averaged over the epoch's updates. Its last entry is a valid ``start`` for the next call.
        ``progress=True`` shows a tqdm bar. Raises :class:`Diverged` on a non-finite loss.
    """
    history = []
    bar = tqdm(desc="training", unit="update", disable=not progress, dynamic_ncols=True)
    try:
        for r in steps(gan, x, epochs, batch_size, lr, momentum, seed, start, check_every, y):
            bar.update()
            if "means" in r:
                history.append({**position(r), "lr": r["lr"], "momentum": r["momentum"], **r["means"]})
                bar.set_postfix(epoch=r["epoch"], D=f"{history[-1]['d_loss']:.3f}",
                                G=f"{history[-1]['g_loss']:.3f}")
    finally:
        bar.close()
    return history
