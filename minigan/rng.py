"""Where a network keeps its randomness: one walk that finds every random generator.

The noise prior of a GAN, each dropout layer, a student's own random layer: each holds a
random generator as an attribute, under whatever name its author chose. :func:`generators`
finds all of them, recursively through sub-layers (``G``, ``D``, ``layers[i]``, any attribute
that is itself a layer), in a fixed order, each named by its path (``"D.layers.0.rng"``).

Three things need that list, and all three use this one walk:

* the gradient checker holds every generator fixed, so dropout draws the same mask on each
  finite-difference pass (:mod:`minigan.gradcheck`);
* a checkpoint saves and restores their states (:mod:`minigan.checkpoint`);
* :func:`reseed` replaces them, so a position in a run (seed, epoch, batch) fixes every
  random draw and a run can resume exactly (:mod:`minigan.training`).
"""
import zlib

import numpy as np

from . import backend


def is_generator(value):
    """True for a NumPy ``Generator``/``RandomState`` or a CuPy random generator."""
    if isinstance(value, (np.random.Generator, np.random.RandomState)):
        return True
    kind = type(value)
    return kind.__module__.startswith(("cupy.random", "minigan.fakecupy")) \
        and kind.__name__ in ("Generator", "RandomState")


def _is_layer(value):
    return not isinstance(value, type) and callable(getattr(value, "forward", None)) \
        and callable(getattr(value, "backward", None))


def generators(obj):
    """Every random generator reachable from ``obj`` (a layer, a network, a GAN).

    Returns ``{path: (holder, attribute)}`` in a fixed order (attribute order, depth first),
    so ``getattr(holder, attribute)`` is the generator. Looks at every attribute of ``obj``;
    follows attributes that are layers (they have ``forward`` and ``backward``) and lists or
    tuples of layers; each object is visited once.
    """
    found, seen = {}, set()

    def walk(o, path):
        if id(o) in seen:
            return
        seen.add(id(o))
        for name, value in list(getattr(o, "__dict__", {}).items()):
            here = f"{path}.{name}" if path else name
            if is_generator(value):
                found[here] = (o, name)
            elif _is_layer(value):
                walk(value, here)
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if _is_layer(item):
                        walk(item, f"{here}.{i}")

    walk(obj, "")
    return found


def get_state(generator):
    """The state of a NumPy generator, as JSON-able Python values."""
    if isinstance(generator, np.random.RandomState):
        state = generator.get_state(legacy=False)
        state["state"]["key"] = state["state"]["key"].tolist()
        return state
    return generator.bit_generator.state


def set_state(generator, state):
    """Put ``generator`` (NumPy) back into ``state`` (as :func:`get_state` returned it)."""
    if isinstance(generator, np.random.RandomState):
        state = dict(state, state=dict(state["state"], key=np.asarray(state["state"]["key"], np.uint32)))
        generator.set_state(state)
    else:
        generator.bit_generator.state = state


def states(obj):
    """``{path: state}`` of every NumPy generator in ``obj`` (CuPy's cannot be read back)."""
    return {path: get_state(getattr(h, a)) for path, (h, a) in generators(obj).items()
            if isinstance(getattr(h, a), (np.random.Generator, np.random.RandomState))}


def set_states(obj, saved):
    """Restore what :func:`states` returned into the NumPy generators of ``obj``; paths missing
    from ``saved``, and CuPy generators (whose state cannot be set), are left alone."""
    for path, (holder, attribute) in generators(obj).items():
        g = getattr(holder, attribute)
        if path in saved and isinstance(g, (np.random.Generator, np.random.RandomState)):
            set_state(g, saved[path])


def reseed(obj, seed, *position):
    """Replace every generator in ``obj`` by a fresh one seeded from
    ``SeedSequence([seed, *position, crc32(path)])``, on the same device as the old one.

    A position in a run (``epoch``, ``batch``) then fixes every random draw, so a run can
    resume anywhere. The path in the seed keeps each stream independent of the others: adding
    a dropout layer does not change the noise prior's draws.
    """
    for path, (holder, attribute) in generators(obj).items():
        old = getattr(holder, attribute)
        s = np.random.SeedSequence([seed, *position, zlib.crc32(path.encode())])
        if isinstance(old, np.random.RandomState):
            setattr(holder, attribute, np.random.RandomState(np.random.MT19937(s)))
        else:
            xp = np if isinstance(old, np.random.Generator) else backend.get("cupy")
            setattr(holder, attribute, backend.default_rng(s, xp))
