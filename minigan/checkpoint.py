"""A training run saved to disk and brought back, exactly.

One ``.npz`` file (read with ``allow_pickle=False``: a checkpoint never runs code) holds
every parameter and momentum velocity of both nets, the run's configuration and its
position (epoch, update count, batch within the epoch, and the state of every NumPy random
generator, found by :func:`minigan.rng.generators`), so ``--resume`` continues as if never
stopped. CuPy's generator states cannot be read: the file lists them under ``rng_unsaved``,
and a resumed CuPy run reseeds them from its position (:func:`minigan.rng.reseed`), exact at an
epoch boundary, fresh noise in the middle of one.

Two promises: a file is written to a temporary name and renamed, so a crash never leaves
half a checkpoint; and a state with a NaN or an infinity is never written (:func:`save`
raises and leaves the previous file as it was).
"""
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from . import models, rng
from .backend import array_module, to_numpy
from .models import CheckpointError  # defined below us, so models never imports checkpoint


def _nets(gan):
    return ((gan.G, gan.g_optimizer, "G"), (gan.D, gan.d_optimizer, "D"))


def _finite(gan):
    """Names of the arrays (parameters, velocities) holding a NaN or an infinity."""
    bad = []
    for net, opt, tag in _nets(gan):
        for k, p in net.params.items():
            xp = array_module(p)
            if not bool(xp.isfinite(p).all()):  # one pass per array, one sync on the GPU
                bad.append(f"{tag} {k}")
            if not bool(xp.isfinite(opt.velocity[k]).all()):
                bad.append(f"{tag} velocity {k}")
    return bad


def save(path, gan, config, state):
    """Write ``gan`` (parameters, velocities, random states), ``config`` and ``state`` to ``path``.

    Raises :class:`CheckpointError` and writes nothing when a parameter or velocity is not
    finite: the previous file at ``path``, if any, stays as it was.
    """
    bad = _finite(gan)
    if bad:
        raise CheckpointError(f"not saving {path}: non-finite values in {', '.join(bad[:4])}"
                              f"{' ...' if len(bad) > 4 else ''}; the previous file is kept")
    arrays = {}
    for net, opt, tag in _nets(gan):
        for k, p in net.params.items():
            arrays[f"{tag}/{k}"] = to_numpy(p)
            arrays[f"{tag}_velocity/{k}"] = to_numpy(opt.velocity[k])
    state = dict(state, rng_states=rng.states(gan), rng_unsaved=rng.unreadable(gan))
    arrays["config"] = np.array(json.dumps(config))
    arrays["state"] = np.array(json.dumps(state))
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _beside(path):
    """What a user who mistyped a checkpoint's name may have meant: the checkpoints beside it."""
    found = sorted(p.name for p in path.parent.glob("*.npz")) if path.parent.is_dir() else []
    hint = f"; {path.parent} holds {', '.join(found)}" if found else ""
    if path.name == "best.npz":
        hint += (" (train writes best.npz when the validation score improves, every --valid-every "
                 "epochs, 5 by default; checkpoint.npz is the last epoch)")
    return hint


def _open(path):
    """The arrays in ``path``; any unreadable, truncated, foreign or pickled file raises
    :class:`CheckpointError` naming the file and what was expected."""
    expected = ("expected a minigan checkpoint (.npz written by python -m minigan.train, "
                "with 'config', 'state' and the parameters)")
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path}: no such file{_beside(Path(path))}") from None
    except IsADirectoryError:
        raise CheckpointError(f"checkpoint {path}: is a folder; {expected}") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        # NumPy's message for a non-.npz file suggests loading it with allow_pickle=True: a
        # file handed to us never runs code, so that advice is never passed on.
        why = "empty file" if os.path.getsize(path) == 0 else type(err).__name__
        raise CheckpointError(f"checkpoint {path}: unreadable ({why}); {expected}") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise CheckpointError(f"checkpoint {path}: a single .npy array, not an archive; {expected}")
    try:
        return f, json.loads(str(f["config"])), json.loads(str(f["state"]))
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        f.close()
        raise CheckpointError(f"checkpoint {path}: damaged or incomplete ({type(err).__name__}: "
                              f"{err}); {expected}") from None


def read(path):
    """``(config, state)`` of the checkpoint at ``path``."""
    f, config, state = _open(path)
    f.close()
    return config, state


def restore(path, gan):
    """Load parameters, velocities and (when saved) random states from ``path`` into ``gan``,
    which must have been built with the checkpoint's configuration. Returns ``state``, with
    ``rng_not_restored``: the generators left as they were (CuPy's, or missing from the file)."""
    f, _, state = _open(path)
    with f:
        for net, opt, tag in _nets(gan):
            for k, p in net.params.items():
                try:
                    saved, velocity = f[f"{tag}/{k}"], f[f"{tag}_velocity/{k}"]
                except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
                    raise CheckpointError(f"checkpoint {path}: {tag} parameter {k} is missing or "
                                          f"damaged ({type(err).__name__}); the file is incomplete "
                                          "or from another model") from None
                if saved.shape != p.shape:
                    raise CheckpointError(f"checkpoint {path}: {tag} parameter {k} has shape "
                                          f"{saved.shape}, the model has {p.shape}")
                p[...] = array_module(p).asarray(saved)
                opt.velocity[k][...] = array_module(p).asarray(velocity)
    bad = _finite(gan)  # save never writes these: the file was edited or damaged in place
    if bad:
        raise CheckpointError(f"checkpoint {path}: {', '.join(bad)} hold NaN or infinity; this file "
                              "cannot have been written by minigan as it is (damaged or edited)")
    state["rng_not_restored"] = rng.set_states(gan, state.get("rng_states") or {})
    return state


def load(path, backend=None):
    """``(gan, config, state)``: the run saved at ``path``, rebuilt (:func:`models.build`) and
    restored, on ``backend`` if given, else the checkpoint's."""
    config, _ = read(path)
    if backend:
        config["backend"] = backend
    try:
        gan = models.build(config)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {path}: its configuration cannot build a model "
                              f"({type(err).__name__}: {err})") from None
    return gan, config, restore(path, gan)
