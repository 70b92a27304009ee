"""Section 7, item 2: learned approximate inference for a fixed generator.

"Learned approximate inference can be performed by training an auxiliary network to predict z
given x ... this has the advantage that the inference net may be trained for a fixed generator
net after the generator net has finished training." Here:

* :func:`fit_encoder` trains ``E: x -> z`` on fresh pairs ``(G(z), z)``, ``z ~ p_z``, with G frozen,
  descending ``1/2 mean ||E(G(z)) - z||^2`` (the paper's wake-sleep-like "sleep" phase);
* :func:`refine` descends ``||G(z) - x||^2`` over ``z`` through ``G.backward``: the input gradient
  of a whole network, ``dL/dz = J_G(z)^T (G(z) - x)`` per sample;
* :func:`report` measures in image space, always beside a random-pairing baseline: ``EGg =
  ||G(z) - G(E(G(z)))||`` and ``EGr = ||x - G(E(x))||`` (L2 over the pixels), the share of labels
  kept, and the latent error, which :func:`jacobian_spectrum` explains: G uses few of z's directions,
  so z cannot be recovered however good E is, while G(E(x)) can be close to x.
"""
import numpy as np
from tqdm.auto import tqdm

from . import backend
from .contract import run_backward
from .layers import Linear, ReLU, Sequential
from .optim import SGD


def encoder(x_dim=784, z_dim=100, hidden=(1200, 1200), seed=0, backend="numpy", dtype="float32"):
    """``E``: ``x (x_dim) -> hidden ReLU layers -> z (z_dim)`` linear; by default G mirrored
    (``784 -> 1200 -> 1200 -> 100``), ``W ~ U(+-1/sqrt(n_in))``."""
    sizes = (x_dim, *hidden, z_dim)
    s = np.random.SeedSequence(seed).spawn(len(sizes) - 1)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers += [Linear(a, b, a ** -0.5, s[i], backend, dtype)] + ([ReLU()] if i < len(sizes) - 2 else [])
    return Sequential(*layers)


def _box(gan, z):
    """z clipped to the prior's support (the uniform prior's box; a Gaussian prior is unbounded)."""
    if gan.noise_prior == "uniform":
        return gan.xp.clip(z, -np.sqrt(3), np.sqrt(3))
    return z


def encoder_loss(e, z):
    """``L = (1/m) sum_i 1/2 ||e_i - z_i||^2`` for predictions ``e = E(G(z))`` and targets ``z``,
    both ``(m, z_dim)``; returns ``(L, dL/de)`` with ``dL/de = (e - z) / m`` (lesson 10's exercise)."""
    m = len(e)
    return 0.5 * ((e - z) ** 2).sum() / m, (e - z) / m


def fit_encoder(gan, E=None, steps=1000, batch_size=100, lr=0.01, momentum=0.9, seed=0,
                loss=encoder_loss, progress=False):
    """Train ``E`` (default :func:`encoder` sized to ``gan``) to predict ``z`` from ``G(z)``.

    G is frozen and run in evaluation mode; every update draws fresh ``z ~ p_z`` from a stream
    seeded by ``seed``, so E never sees the same pair twice. ``loss(e, z) -> (L, dL/de)``, by default
    :func:`encoder_loss`, ``1/2 mean_batch ||E(G(z)) - z||^2``; momentum SGD. ``progress=True`` shows
    a tqdm bar (a notebook widget in Jupyter). An unconditional ``gan`` only.
    Returns ``(E, losses)``: the loss of every update.
    """
    if gan.classes is not None:
        raise ValueError("fit_encoder: this GAN is conditional; inference of z from x is for an "
                         "unconditional G (classes=None)")
    xp = gan.xp
    if E is None:
        d = gan.sample(1, seed=0).shape[1]
        E = encoder(d, gan.z_dim, seed=seed, backend="cupy" if xp is not np else "numpy",
                    dtype=str(gan.dtype))
    opt, rng, losses = SGD(E, lr, momentum), backend.default_rng(np.random.SeedSequence([seed, 7]), xp), []
    for _ in tqdm(range(steps), desc="training E", unit="update", disable=not progress, leave=False):
        z = gan.noise(batch_size, rng)
        x = gan.G.forward(z, train=False)
        value, de = loss(E.forward(x, train=True), z)
        losses.append(float(value))
        run_backward(E, de, x.shape, needs_input_grad=False)
        opt.step()
    return E, losses


def encode(gan, E, x):
    """``E(x)`` in evaluation mode, clipped to the prior's box."""
    return _box(gan, E.forward(gan.xp.asarray(x, dtype=gan.dtype), train=False))


def refine(gan, x, z, steps=200, lr=0.01, y=None, progress=False):
    """Descend ``L(z) = 1/2 ||G(z) - x||^2`` (per sample) from ``z`` for ``steps`` gradient steps
    of size ``lr``, ``z`` kept in the prior's box; G is frozen. ``dL/dz = J_G(z)^T (G(z) - x)``,
    which is ``G.backward(G(z) - x)`` with G's weight gradients not asked for. A conditional G
    draws ``G(z | y)``: give the labels ``y`` ``(n,)``; only ``z`` moves (G's input gradient is
    ``[dL/dz, dL/dy]``, and the label's part is dropped). ``progress=True`` shows a tqdm bar.
    Returns ``z``."""
    z = gan.xp.array(z, dtype=gan.dtype)
    x = gan.xp.asarray(x, dtype=gan.dtype)
    if (y is None) != (gan.classes is None):
        raise ValueError(f"refine: y={'None' if y is None else 'labels'} for a GAN with classes={gan.classes}: "
                         "give the labels y (n,) for a conditional G, and none for an unconditional one")
    y = None if y is None else gan.xp.asarray(y)
    for _ in tqdm(range(steps), desc="refining z", unit="step", disable=not progress, leave=False):
        inputs = gan.condition(z, y)
        residual = gan.G.forward(inputs, train=False) - x
        z -= lr * run_backward(gan.G, residual, inputs.shape, requires_grad=False)[:, :z.shape[1]]
        z = _box(gan, z)
    return z


def _distance(a, b):
    return float(backend.to_numpy(((a - b) ** 2).sum(axis=1) ** 0.5).mean())


def report(gan, E, x=None, n=2000, seed=1, labels=None):
    """Image-space measures of E (with ``x``: also of G(E(x)) on those images), each with its
    random-pairing baseline (each reconstruction against the *next* image, as BiGAN's scripts):

    ``{"EGg", "EGg_baseline", "latent_error"}`` on ``n`` fresh samples ``G(z)``: the mean L2 distance
    ``||G(z) - G(E(G(z)))||`` and the relative latent error ``E||E(G(z)) - z||^2 / E||z||^2``;
    with ``x``: ``"EGr"``, ``"EGr_baseline"`` (``||x - G(E(x))||``), and with ``labels`` and 784-pixel
    images ``"label_kept"``, the share of G(E(x)) that the pinned classifier (:mod:`minigan.metrics`)
    gives x's label.
    """
    xp = gan.xp
    z = gan.noise(n, backend.default_rng(np.random.SeedSequence([seed, 3]), xp))
    g = gan.sample(z=z)
    z_hat = encode(gan, E, g)
    rec = gan.sample(z=z_hat)
    out = {"EGg": _distance(g, rec), "EGg_baseline": _distance(xp.roll(g, -1, axis=0), rec),
           "latent_error": float(((z_hat - z) ** 2).sum() / (z ** 2).sum())}
    if x is not None:
        x = xp.asarray(x, dtype=gan.dtype)
        rec = gan.sample(z=encode(gan, E, x))
        out.update(EGr=_distance(x, rec), EGr_baseline=_distance(xp.roll(x, -1, axis=0), rec))
        if labels is not None and x.shape[1] == 784:
            from . import metrics
            out["label_kept"] = float((metrics.predict(rec) == np.asarray(labels)).mean())
    return out


def jacobian(G, z):
    """``J = dG(z)/dz`` at one point ``z`` ``(z_dim,)``, shape ``(d, z_dim)``, G in evaluation mode:
    row ``i`` is ``G.backward(e_i)`` for the one-hot upstream gradient ``e_i``, all ``d`` rows from
    one batched pass (``d`` copies of ``z``)."""
    xp = backend.array_module(z)
    d = G.forward(z[None], train=False).shape[1]
    zs = xp.repeat(z[None], d, axis=0)
    y = G.forward(zs, train=False)
    return run_backward(G, xp.eye(d, dtype=y.dtype), zs.shape, requires_grad=False)


def jacobian_spectrum(gan, n=10, seed=2, share=0.99):
    """The singular values of ``J_G(z)`` at ``n`` prior samples, ``(n, z_dim)`` on the host, sorted
    in decreasing order, and how many directions of z hold ``share`` of ``sum s^2`` (per point,
    ``(n,)``): the directions along which G's output actually moves."""
    z = gan.noise(n, backend.default_rng(np.random.SeedSequence([seed, 5]), gan.xp))
    s = np.stack([np.linalg.svd(backend.to_numpy(jacobian(gan.G, zi)).astype(np.float64), compute_uv=False)
                  for zi in z])
    energy = np.cumsum(s ** 2, axis=1) / (s ** 2).sum(axis=1, keepdims=True)
    return s, (energy < share).sum(axis=1) + 1
