"""A training run saved to disk and brought back, exactly.

One ``.npz`` file (read with ``allow_pickle=False``: a checkpoint never runs code) holds
every parameter and momentum velocity of both nets, the run's configuration and its
position (epoch, update count, batch within the epoch, and -- on the NumPy backend --
the state of every random generator), so ``--resume`` continues as if never stopped.
Files are written to a temporary name and renamed: a crash never leaves half a checkpoint.
"""
import json
import os
from pathlib import Path

import numpy as np

from .backend import array_module, to_numpy


def random_holders(gan):
    """Everything in ``gan`` that draws random numbers from an ``rng`` attribute: the noise
    prior and each dropout layer, in a fixed order."""
    return [gan] + [l for net in (gan.G, gan.D) for l in getattr(net, "layers", []) if hasattr(l, "rng")]


def save(path, gan, config, state):
    """Write ``gan`` (parameters, velocities, random states), ``config`` and ``state`` to ``path``."""
    arrays = {}
    for net, opt, tag in ((gan.G, gan.g_optimizer, "G"), (gan.D, gan.d_optimizer, "D")):
        for k, p in net.params.items():
            arrays[f"{tag}/{k}"] = to_numpy(p)
            arrays[f"{tag}_velocity/{k}"] = to_numpy(opt.velocity[k])
    state = dict(state)
    if array_module(gan.G.params[next(iter(gan.G.params))]) is np:  # CuPy's cannot be saved
        state["rng_states"] = [h.rng.bit_generator.state for h in random_holders(gan)]
    arrays["config"] = np.array(json.dumps(config))
    arrays["state"] = np.array(json.dumps(state))
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read(path):
    """``(config, state)`` of the checkpoint at ``path``."""
    with np.load(path, allow_pickle=False) as f:
        return json.loads(str(f["config"])), json.loads(str(f["state"]))


def restore(path, gan):
    """Load parameters, velocities and (when saved) random states from ``path`` into ``gan``,
    which must have been built with the checkpoint's configuration. Returns ``state``."""
    with np.load(path, allow_pickle=False) as f:
        for net, opt, tag in ((gan.G, gan.g_optimizer, "G"), (gan.D, gan.d_optimizer, "D")):
            for k, p in net.params.items():
                saved = f[f"{tag}/{k}"]
                if saved.shape != p.shape:
                    raise ValueError(f"checkpoint {path}: {tag} parameter {k} has shape "
                                     f"{saved.shape}, the model has {p.shape}")
                p[...] = array_module(p).asarray(saved)
                opt.velocity[k][...] = array_module(p).asarray(f[f"{tag}_velocity/{k}"])
        state = json.loads(str(f["state"]))
    if "rng_states" in state and array_module(gan.G.params[next(iter(gan.G.params))]) is np:
        for h, s in zip(random_holders(gan), state["rng_states"]):
            h.rng.bit_generator.state = s
    return state
