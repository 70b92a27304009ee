"""Algorithm 1: minibatch stochastic gradient training of generative adversarial nets.

The two players of Eq. 1, ``min_G max_D V(D, G)`` with
``V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]``. The discriminator outputs a logit;
every log-probability is a binary cross-entropy on logits (:mod:`minigan.losses`):

* D ascends ``V``, i.e. descends ``BCE(D(x), 1) + BCE(D(G(z)), 0)`` (Algorithm 1, line 5);
* G descends ``log(1 - D(G(z))) = -BCE(D(G(z)), 0)`` (``"minimax"``, Algorithm 1, line 8),
  or ascends ``log D(G(z))``, i.e. descends ``BCE(D(G(z)), 1)`` (``"non-saturating"``, the
  variant Section 3 recommends because it gives "much stronger gradients early in learning").

Two update orders:

* ``"alternating"`` -- Algorithm 1 as printed: ``k`` discriminator updates, each on a fresh
  minibatch of ``m`` data and ``m`` noise samples, then one generator update on fresh noise.
* ``"simultaneous"`` -- what the paper's public code ran (``docs/PAPER.md``): one
  minibatch, one dropout pass of D over real and fake, D's loss halved
  (``0.5 * [BCE(D(x), 1) + BCE(D(G(z)), 0)]``), G's loss through the *same* pass; both
  gradients taken at the same parameters and applied together. Needs ``k = 1``.

A layer caches only its last forward, so D sees real and fake data as *one* concatenated
batch, and each pass is back-propagated before the next forward. Every backward is the
plain ``backward(dy) -> dx`` of the layer contract, run by :func:`~minigan.layers.run_backward`
with flags saying what will not be used, as autograd knows without being told: D's ``grads``
while G's loss passes through D, and ``dx`` into the data or the noise. The built-in layers skip
those products; a layer of your own may compute them anyway, harmlessly (D's optimizer has
already stepped, or, in the simultaneous update, D's own backward runs last).

**Conditional nets** (Section 7's first direction; Mirza & Osindero, 2014): with ``classes=C``
both players also see a label ``y``, as a one-hot row appended to their input: G maps
``[z, onehot(y)]`` to ``x``, D maps ``[x, onehot(y)]`` to a logit, and Eq. 1 becomes
``E_{x,y}[log D(x | y)] + E_{z,y}[log(1 - D(G(z | y) | y))]``. G's half of each minibatch uses
the real minibatch's own labels, a draw from the data's label distribution, so every class is
generated as often as it occurs (:meth:`GAN.fake_labels`). ``step(x, y)``, ``sample(n, y=...)``.
"""
import math

import numpy as np

from . import backend
from .contract import require_layer, run_backward
from .layers import Sigmoid, sigmoid
from .losses import bce_with_logits, generator_loss
from .optim import SGD

OBJECTIVES = ("minimax", "non-saturating")
UPDATES = ("alternating", "simultaneous")
NOISE = ("uniform", "gaussian")


class GAN:
    """A generator and a discriminator trained by Algorithm 1.

    Args:
        generator: layer mapping noise ``(m, z_dim)`` to samples ``(m, d)``.
        discriminator: layer mapping samples ``(m, d)`` to logits ``(m, 1)``.
        z_dim: dimension of the noise ``z``.
        k: discriminator updates per generator update (the paper used ``k = 1``).
        noise: prior ``p_z``: ``"uniform"`` is ``U(-sqrt 3, sqrt 3)`` per coordinate (unit
            variance, as the paper's MNIST code), ``"gaussian"`` is ``N(0, 1)``.
        objective: the generator's loss, ``"non-saturating"`` (default; what Section 3
            recommends in practice, and what the paper's code ran) or ``"minimax"``.
        update: ``"alternating"`` (Algorithm 1) or ``"simultaneous"`` (the paper's code).
        d_optimizer, g_optimizer: optimizers of D and G (default: ``SGD(lr=0.1, momentum=0.5)``,
            the starting values of the paper's code).
        seed: seed of the noise generators: ``rng`` for training, ``sample_rng`` for
            :meth:`sample`, so that drawing samples never changes a training run.
        classes: ``None`` (default) for Algorithm 1 as printed; a number of classes ``C`` for a
            conditional GAN, whose G takes ``(m, z_dim + C)`` and D ``(m, d + C)`` (the one-hot
            label appended; :func:`minigan.models.mirza_mnist`).

    ``data_range`` is ``(0.0, 1.0)`` when G ends in a sigmoid (its samples can only lie there,
    so data outside is refused), else ``None``.
    """

    def __init__(self, generator, discriminator, z_dim, k=1, noise="uniform",
                 objective="non-saturating", update="alternating", d_optimizer=None,
                 g_optimizer=None, seed=0, classes=None):
        require_layer(generator, "GAN generator")
        require_layer(discriminator, "GAN discriminator")
        for name, value, allowed in (("objective", objective, OBJECTIVES),
                                     ("update", update, UPDATES), ("noise", noise, NOISE)):
            if value not in allowed:
                raise ValueError(f"GAN {name}={value!r}: choose one of {allowed}")
        if k < 1 or (update == "simultaneous" and k != 1):
            raise ValueError(f"GAN k={k}: k must be >= 1, and exactly 1 with "
                             "update='simultaneous' (one pass updates both nets)")
        self.G, self.D, self.z_dim, self.k = generator, discriminator, z_dim, k
        self.classes = _classes(classes)
        self.noise_prior, self.objective, self.update = noise, objective, update
        self.d_optimizer = d_optimizer or SGD(discriminator, lr=0.1, momentum=0.5)
        self.g_optimizer = g_optimizer or SGD(generator, lr=0.1, momentum=0.5)
        first = next(iter(generator.params.values()))
        self.xp, self.dtype = backend.array_module(first), first.dtype
        self.rng = backend.default_rng(seed, self.xp)
        self.sample_rng = backend.default_rng(np.random.SeedSequence([seed, 1]), self.xp)
        last = getattr(generator, "layers", [generator])[-1]
        self.data_range = (0.0, 1.0) if isinstance(last, Sigmoid) else None

    def check_data(self, x, where="GAN.step"):
        """Refuse, with one message naming the value and the fix, data Algorithm 1 cannot use:
        on another backend than the GAN, not a non-empty ``(batch, d)`` float matrix. Reads
        only the array's type, shape and dtype: no GPU wait (the range is :meth:`check_range`)."""
        if not hasattr(x, "ndim"):
            raise TypeError(f"{where}: the data is a {type(x).__name__}, not an array: pass "
                            "a (batch, d) array (np.asarray(x), or cupy.asarray(x) on the GPU)")
        here, there = backend.name(x), "numpy" if self.xp is np else "cupy"
        if here != there:
            move = "cupy.asarray(x)" if there == "cupy" else "minigan.backend.to_numpy(x)"
            raise TypeError(f"{where}: the data is a {here} {type(x).__name__} but this GAN lives on "
                            f"{there}: move the batch with {move}, or build the GAN with "
                            f"backend={here!r}")
        if x.ndim != 2 or len(x) == 0:
            raise ValueError(f"{where}: the data has shape {tuple(x.shape)}; pass a non-empty "
                             "(batch, d) matrix of flat images: x.reshape(len(x), -1)")
        if x.dtype.kind != "f":
            raise TypeError(f"{where}: the data has dtype {x.dtype}; pass float pixels in [0, 1]: "
                            "x.astype('float32') / 255 for uint8 images")

    def check_range(self, x, where="GAN.step"):
        """Refuse data outside ``data_range`` (or NaN). On CuPy this waits for the GPU (two
        syncs): :meth:`step` checks it only on NumPy, and ``training.fit`` once per data set."""
        if self.data_range is None:
            return
        lo, hi = float(x.min()), float(x.max())
        if not (lo >= self.data_range[0] and hi <= self.data_range[1]):
            raise ValueError(f"{where}: the data holds values in [{lo:.4g}, {hi:.4g}], but G ends in "
                             "a sigmoid and draws only [0, 1]: scale images to [0, 1] (uint8 / 255)")

    def noise(self, m, rng=None):
        """``m`` samples ``z ~ p_z``, shape ``(m, z_dim)``, from ``rng`` (default: the
        training stream ``self.rng``)."""
        rng, shape = rng or self.rng, (m, self.z_dim)
        if self.noise_prior == "gaussian":
            return rng.standard_normal(shape, dtype=self.dtype)
        return (2 * rng.random(shape, dtype=self.dtype) - 1) * math.sqrt(3)

    def sample(self, n=None, z=None, seed=None, batch_size=1000, y=None):
        """Samples ``G(z)`` from the generator in evaluation mode, shape ``(n, d)``.

        Without ``z``, draws ``n`` noise vectors from ``self.sample_rng``, a stream of its own:
        sampling in the middle of training never changes the training run. ``seed`` draws them
        from a fresh generator seeded so instead (the same samples every call). Pass ``z``
        ``(n, z_dim)`` for fixed noise, e.g. the same grid every epoch. G runs on
        ``batch_size`` rows at a time, so memory stays bounded however large ``n`` is.

        A conditional GAN (``classes=C``) draws ``G(z | y)``: ``y`` is one class for every sample
        (an int), or one label per sample ``(n,)``; without ``y``, the classes take turns
        (``0, 1, ..., C-1, 0, 1, ...``), so ``n = 1000 C`` gives Mirza & Osindero's 1,000 per class.
        """
        if z is None:
            if n is None or n < 1:
                raise ValueError(f"GAN.sample: n={n}; ask for at least one sample, or pass z")
            rng = self.sample_rng if seed is None else backend.default_rng(seed, self.xp)
            z = self.noise(n, rng)
        y = self.sample_labels(len(z), y)
        return self.xp.concatenate([self.G.forward(self.condition(z[i:i + batch_size], y, i),
                                                   train=False) for i in range(0, len(z), batch_size)])

    def sample_labels(self, n, y=None):
        """The labels :meth:`sample` conditions ``n`` samples on (``None`` when unconditional)."""
        if self.classes is not None and y is None:
            return self.xp.arange(n) % self.classes
        if isinstance(y, (int, np.integer)):
            y = self.xp.full(n, int(y))
        return self.labels(y, n, "GAN.sample")

    def class_rows(self, per_class):
        """Labels for a grid with one row per class, ``per_class`` samples each:
        ``0, ..., 0, 1, ..., 1, ...`` (``None`` for an unconditional GAN)."""
        if self.classes is None:
            return None
        return self.xp.repeat(self.xp.arange(self.classes), per_class)

    def labels(self, y, m, where="GAN.step"):
        """``y`` checked as ``m`` integer labels in ``0..classes-1``, on this GAN's device; ``None``
        for an unconditional GAN, which refuses labels (and a conditional one needs them)."""
        if self.classes is None:
            if y is not None:
                raise ValueError(f"{where} got labels y, but this GAN is unconditional "
                                 "(classes=None): build it with classes=C to condition on labels")
            return None
        if y is None:
            raise ValueError(f"{where}: this GAN is conditional (classes={self.classes}): pass the "
                             "data's labels, step(x, y) with y of shape (m,), integers 0..C-1")
        y = self.xp.asarray(y)
        if y.shape != (m,) or y.dtype.kind not in "iu":
            raise ValueError(f"{where}: labels y of shape {tuple(y.shape)} and dtype {y.dtype}; "
                             f"expected {m} integer labels, shape ({m},), one per sample")
        if m and not bool(((y >= 0) & (y < self.classes)).all()):
            raise ValueError(f"{where}: labels y range from {int(y.min())} to {int(y.max())}; a "
                             f"GAN with classes={self.classes} takes labels 0..{self.classes - 1}")
        return y

    def condition(self, a, y, start=0):
        """``[a, onehot(y)]``, shape ``(m, features + classes)``: the label appended to G's input
        ``z`` or D's input ``x``; ``a`` itself when ``y`` is None. ``a`` goes with the labels
        ``y[start:start + m]`` (``a`` being that slice of a longer array)."""
        if y is None:
            return a
        y = y[start:start + len(a)]
        return self.xp.concatenate([a, self.xp.eye(self.classes, dtype=a.dtype)[y]], axis=1)

    def _minibatch_labels(self, y, m):
        """For each of the k D-updates of a step, the extra arguments of the gradient methods:
        ``()`` for an unconditional GAN (so a student's override with the printed signature
        ``discriminator_gradients(x_real, z)`` still works), else ``(y_real, y_fake)``."""
        y = self.labels(y, self.k * m)
        if y is None:
            return [()] * self.k
        return [(y[i * m:(i + 1) * m], self.fake_labels(y[i * m:(i + 1) * m])) for i in range(self.k)]

    def fake_labels(self, y_real):
        """The labels of G's half of a minibatch: the real minibatch's own, a draw from the data's
        label distribution (so no class is generated more or less often than it occurs)."""
        return y_real

    def _generator_loss(self, fake_logits):
        """G's loss on D's logits for ``G(z)`` and its gradient (see the module docstring)."""
        return generator_loss(fake_logits, self.objective)

    def _discriminate(self, x_real, x_fake, scale):
        """One pass of D over real and fake as a single batch; D's loss ``scale * [...]``."""
        m, xp = len(x_real), self.xp
        if x_real.shape[1:] != x_fake.shape[1:]:
            raise ValueError(f"GAN: the data has {x_real.shape[1:]} features per sample but G draws "
                             f"{x_fake.shape[1:]}: flatten images to G's output size")
        logits = self.D.forward(xp.concatenate([x_real, x_fake]), train=True)
        loss_real, dreal = bce_with_logits(logits[:m], 1.0)
        loss_fake, dfake = bce_with_logits(logits[m:], 0.0)
        stats = {"d_loss": scale * (loss_real + loss_fake),
                 "d_real": sigmoid(logits[:m]).mean(), "d_fake": sigmoid(logits[m:]).mean()}
        return logits, scale * xp.concatenate([dreal, dfake]), stats

    def discriminator_gradients(self, x_real, z, y_real=None, y_fake=None):
        """Algorithm 1, line 5: store in ``D.grads`` the gradient of
        ``BCE(D(x), 1) + BCE(D(G(z)), 0)`` (= -V) for minibatches ``x_real`` and ``z``
        (conditional: labelled ``y_real`` and ``y_fake``, ``(m,)`` each).
        Returns ``{"d_loss", "d_real" (mean D(x)), "d_fake" (mean D(G(z)))}``."""
        x_fake = self.G.forward(self.condition(z, y_fake), train=True)
        x_real, x_fake = self.condition(x_real, y_real), self.condition(x_fake, y_fake)
        _, dlogits, stats = self._discriminate(x_real, x_fake, 1.0)
        run_backward(self.D, dlogits, (len(x_real) + len(x_fake), x_real.shape[1]),
                     needs_input_grad=False)  # D's input is data: no dx
        return stats

    def generator_gradients(self, z, y=None):
        """Algorithm 1, line 8: store in ``G.grads`` the gradient of G's loss, back-propagated
        through D (D is not updated: its ``grads`` are not asked for). Returns the loss.
        Conditional: ``y`` ``(m,)`` labels G's samples (and D's judgement of them)."""
        z = self.condition(z, y)
        x_fake = self.G.forward(z, train=True)
        d_in = self.condition(x_fake, y)
        logits = self.D.forward(d_in, train=True)
        loss, dlogits = self._generator_loss(logits)
        dx_fake = run_backward(self.D, dlogits, d_in.shape, requires_grad=False)
        dx_fake = dx_fake[:, :x_fake.shape[1]]  # the label's columns are no output of G
        run_backward(self.G, dx_fake, z.shape, needs_input_grad=False)  # z is noise: no dz
        return loss

    def simultaneous_gradients(self, x_real, z, y_real=None, y_fake=None):
        """The paper's code: both nets' gradients from one pass of D, at the same parameters."""
        m = len(x_real)
        z = self.condition(z, y_fake)
        x_fake = self.G.forward(z, train=True)
        d = x_fake.shape[1]
        x_real, x_fake = self.condition(x_real, y_real), self.condition(x_fake, y_fake)
        logits, dlogits_d, stats = self._discriminate(x_real, x_fake, 0.5)
        both = (m + len(x_fake), x_real.shape[1])
        stats["g_loss"], dfake = self._generator_loss(logits[m:])
        dlogits_g = self.xp.concatenate([0 * dfake, dfake])
        dx_both = run_backward(self.D, dlogits_g, both, requires_grad=False)
        run_backward(self.G, dx_both[m:, :d], z.shape, needs_input_grad=False)
        run_backward(self.D, dlogits_d, both, needs_input_grad=False)  # last: D.grads is D's own
        return stats

    def step(self, x_real, y=None):
        """One iteration of Algorithm 1 (or of the code's simultaneous update).

        Args:
            x_real: ``k * m`` data samples, shape ``(k * m, d)``: the ``k`` minibatches of
                the ``k`` discriminator updates, stacked.
            y: their labels ``(k * m,)``, integers ``0..classes-1``: needed by a conditional GAN
                (``classes=C``), refused by an unconditional one.

        Returns:
            ``{"d_loss", "g_loss", "d_real", "d_fake"}`` as 0-d arrays (``float()`` them to
            print; on the GPU that waits for the device): D's loss, G's loss, mean D(x) and
            mean D(G(z)), from the last discriminator pass.

        Data on another backend, not a float ``(batch, d)`` matrix, or empty is refused
        (:meth:`check_data`); so is data outside ``data_range``, on NumPy (on CuPy that check
        would wait for the GPU every step: ``training.fit`` checks the whole data set once).
        """
        self.check_data(x_real)
        if self.xp is np:
            self.check_range(x_real)
        if len(x_real) % self.k:
            raise ValueError(f"GAN.step got {len(x_real)} data samples, not a multiple of "
                             f"k={self.k}: pass k minibatches of m samples, stacked")
        m = len(x_real) // self.k
        labels = self._minibatch_labels(y, m)  # [()] * k unless conditional
        if self.update == "simultaneous":
            stats = self.simultaneous_gradients(x_real, self.noise(m), *labels[0])
            self.d_optimizer.step()
            self.g_optimizer.step()
            return stats
        for i in range(self.k):
            stats = self.discriminator_gradients(x_real[i * m:(i + 1) * m], self.noise(m), *labels[i])
            self.d_optimizer.step()
        stats["g_loss"] = self.generator_gradients(self.noise(m), *labels[-1][1:])
        self.g_optimizer.step()
        return stats


def _classes(classes):
    if classes is not None and not (isinstance(classes, (int, np.integer)) and classes >= 2):
        raise ValueError(f"GAN classes={classes!r}: give the number of labels (>= 2, e.g. 10 for "
                         "MNIST's digits) for a conditional GAN, or None for an unconditional one")
    return None if classes is None else int(classes)
