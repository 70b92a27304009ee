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

CuPy's generators differ in two ways (``cupy/random/_bit_generator.pyx``): their state cannot be
read or set (``bit_generator.state`` is a method returning a device address), so
:func:`get_state` refuses them and a checkpoint lists them as not saved; and cuRAND takes a
32-bit seed, ``SeedSequence(seed).generate_state(1, uint32)[0]``, so hashed seeds would collide
(about 7 % for 25,000 reseeds). :func:`reseed` therefore *chooses* those 32 bits on CuPy,
consecutively, so that no two streams of a run share a seed.
"""
import zlib

import numpy as np

from . import backend


def is_generator(value):
    """True for a NumPy ``Generator``/``RandomState`` or a CuPy random generator."""
    if isinstance(value, (np.random.Generator, np.random.RandomState)):
        return True
    kind = type(value)
    return kind.__module__.startswith(("cupy.random", "minigan.testing.fakecupy")) \
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


def _readable(generator):
    return isinstance(generator, (np.random.Generator, np.random.RandomState))


def _refuse_device_generator(generator):
    if not _readable(generator):
        raise TypeError(
            f"random generator {type(generator).__module__}.{type(generator).__name__}: its state "
            "cannot be read or set (CuPy's bit_generator.state is a method, not NumPy's state "
            "dict); reseed it with minigan.rng.reseed, or use backend 'numpy'")


def get_state(generator):
    """The state of a NumPy generator, as JSON-able Python values (a CuPy generator: TypeError)."""
    _refuse_device_generator(generator)
    if isinstance(generator, np.random.RandomState):
        state = generator.get_state(legacy=False)
        state["state"]["key"] = state["state"]["key"].tolist()
        return state
    return generator.bit_generator.state


def set_state(generator, state):
    """Put ``generator`` (NumPy) back into ``state`` (as :func:`get_state` returned it)."""
    _refuse_device_generator(generator)
    if isinstance(generator, np.random.RandomState):
        state = dict(state, state=dict(state["state"], key=np.asarray(state["state"]["key"], np.uint32)))
        generator.set_state(state)
    else:
        generator.bit_generator.state = state


def states(obj):
    """``{path: state}`` of every NumPy generator in ``obj`` (CuPy's cannot be read:
    :func:`unreadable` lists them)."""
    return {path: get_state(getattr(h, a)) for path, (h, a) in generators(obj).items()
            if _readable(getattr(h, a))}


def unreadable(obj):
    """Paths of the generators in ``obj`` whose state cannot be saved (CuPy's)."""
    return [path for path, (h, a) in generators(obj).items() if not _readable(getattr(h, a))]


def set_states(obj, saved):
    """Restore what :func:`states` returned into the NumPy generators of ``obj``. Returns the
    paths it could not restore: CuPy generators (their state cannot be set) and paths missing
    from ``saved``; the caller decides (``python -m minigan.train --resume`` reseeds them)."""
    missed = []
    for path, (holder, attribute) in generators(obj).items():
        g = getattr(holder, attribute)
        if path in saved and _readable(g):
            set_state(g, saved[path])
        else:
            missed.append(path)
    return missed


def reseed(obj, seed, *position):
    """Replace every generator in ``obj`` by a fresh one seeded from
    ``SeedSequence([seed, *position, crc32(path)])``, on the same device as the old one.

    A position in a run (``epoch``, ``batch``) then fixes every random draw, so a run can
    resume anywhere. The path in the seed keeps each stream independent of the others: adding
    a dropout layer does not change the noise prior's draws.

    On CuPy, whose seeds have 32 bits, generator ``i`` of ``n`` gets the word
    ``base(seed) + n * (epoch + 2**16 * batch) + i`` (mod 2**32): distinct for every generator,
    epoch (< 65,536) and batch of a run, so no two streams of a run can coincide.
    """
    found = generators(obj)
    for i, (path, (holder, attribute)) in enumerate(found.items()):
        old = getattr(holder, attribute)
        s = np.random.SeedSequence([seed, *position, zlib.crc32(path.encode())])
        if isinstance(old, np.random.RandomState):
            setattr(holder, attribute, np.random.RandomState(np.random.MT19937(s)))
        elif isinstance(old, np.random.Generator):
            setattr(holder, attribute, backend.default_rng(s))
        else:
            xp = backend._module_of(type(old)) or backend.get("cupy")
            word = _Word(seed, position, i, len(found))
            setattr(holder, attribute, backend.default_rng(word, xp))


class _Word(np.random.SeedSequence):
    """A seed whose 32 bits for CuPy are chosen, not hashed: CuPy seeds cuRAND with
    ``generate_state(1, uint32)[0]`` of the SeedSequence it is given, which here is the word
    :func:`reseed` computes. Other requests get the hashed state of ``(seed, *position, i)``."""

    def __init__(self, seed, position, i, n):
        epoch, batch = (tuple(position) + (0, 0))[:2]
        if len(position) > 2 or not 0 <= epoch < 2**16 or n * (epoch + 2**16 * batch + 1) > 2**32:
            raise ValueError(f"rng.reseed: position {position} with {n} generators is beyond what "
                             "CuPy's 32-bit seeds keep apart (epoch < 65,536, one batch index)")
        super().__init__([seed, *position, i])
        base = int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0])
        self.word = (base + n * (epoch + 2**16 * batch) + i) % 2**32

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words == 1 and np.dtype(dtype) == np.uint32:
            return np.array([self.word], np.uint32)
        return super().generate_state(n_words, dtype)
