"""The paper's networks, with the sizes, initialisation and dropout of its public code
(``docs/PAPER.md``), and :func:`build`, the whole trainable model from a run's configuration."""
import zipfile
from pathlib import Path

import numpy as np

from .backend import get, to_numpy
from .gan import GAN
from .layers import Concat, Dropout, Linear, Maxout, ReLU, Sequential, Sigmoid
from .optim import SGD


class CheckpointError(ValueError):
    """A file that is not a readable minigan checkpoint (or generator file), or a state not fit
    to save. Defined here, in the lower module, so that loading a generator file needs no
    import of :mod:`minigan.checkpoint` (which builds models); it is ``checkpoint.CheckpointError``."""


def _output_bias(mean_image, dtype):
    """``logit(mean pixel)``: G starts out drawing the average training image."""
    p = np.clip(to_numpy(mean_image).astype(np.float64).ravel(), 1e-7, 1 - 1e-7)  # any backend
    return np.log(p / (1 - p)).astype(dtype)


def paper_mnist(mean_image=None, seed=0, backend="numpy", dtype="float32"):
    """The MNIST generator and discriminator of the paper (Section 5, Table 1).

    Generator: ``z (100) -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid``, ``W ~ U(-0.05, 0.05)``;
    the output bias is ``logit(mean_image)`` when ``mean_image`` (784 pixels in [0, 1]) is given.
    Discriminator: dropout on the input of each layer (drop 0.2, then 0.5, 0.5),
    ``784 -> maxout 240x5 -> maxout 240x5 -> 1 logit``, ``W ~ U(-0.005, 0.005)``.

    Returns:
        ``(generator, discriminator)``: two :class:`Sequential`; 2,503,984 and 1,231,441 parameters.
    """
    s = np.random.SeedSequence(seed).spawn(9)
    G = Sequential(Linear(100, 1200, 0.05, s[0], backend, dtype), ReLU(),
                   Linear(1200, 1200, 0.05, s[1], backend, dtype), ReLU(),
                   Linear(1200, 784, 0.05, s[2], backend, dtype), Sigmoid())
    if mean_image is not None:
        G.layers[4].params["b"][...] = get(backend).asarray(_output_bias(mean_image, dtype))
    D = Sequential(Dropout(0.2, s[3], backend), Maxout(784, 240, 5, 0.005, s[4], backend, dtype),
                   Dropout(0.5, s[5], backend), Maxout(240, 240, 5, 0.005, s[6], backend, dtype),
                   Dropout(0.5, s[7], backend), Linear(240, 1, 0.005, s[8], backend, dtype))
    return G, D


def paper_cifar10(mean_image=None, seed=0, backend="numpy", dtype="float32"):
    """The fully connected CIFAR-10 networks of the paper's code (``docs/PAPER.md``).

    Generator: ``z (100) -> 8000 ReLU -> 8000 sigmoid -> 3072 linear``; discriminator as for
    MNIST with maxout 1600x5 twice. The facts give no output squashing for G (its samples are
    not confined to [0, 1]); ``W ~ U(-0.05, 0.05)`` in G and ``U(-0.005, 0.005)`` in D (the facts
    do not state D's). ``mean_image`` sets G's output bias to the mean image (a linear output).
    About 90M parameters: a GPU model (``--backend cupy``).
    """
    s = np.random.SeedSequence(seed).spawn(9)
    G = Sequential(Linear(100, 8000, 0.05, s[0], backend, dtype), ReLU(),
                   Linear(8000, 8000, 0.05, s[1], backend, dtype), Sigmoid(),
                   Linear(8000, 3072, 0.05, s[2], backend, dtype))
    if mean_image is not None:
        G.layers[4].params["b"][...] = get(backend).asarray(to_numpy(mean_image).astype(dtype).ravel())
    D = Sequential(Dropout(0.2, s[3], backend), Maxout(3072, 1600, 5, 0.005, s[4], backend, dtype),
                   Dropout(0.5, s[5], backend), Maxout(1600, 1600, 5, 0.005, s[6], backend, dtype),
                   Dropout(0.5, s[7], backend), Linear(1600, 1, 0.005, s[8], backend, dtype))
    return G, D


def mirza_mnist(mean_image=None, seed=0, backend="numpy", dtype="float32", classes=10):
    """Mirza & Osindero's (2014) conditional MNIST nets, built from :class:`Concat` (Section 7's
    first direction; ``docs/PAPER.md``). Inputs carry the one-hot label ``y`` (``classes`` columns)
    after ``z`` or ``x`` (:meth:`minigan.gan.GAN.condition`).

    Generator: ``z (100) -> 200 ReLU`` beside ``y -> 1000 ReLU``, then ``-> 1200 ReLU -> 784
    sigmoid``; dropout 0.5 on the inputs of the last two layers. Their "second, combined hidden
    ReLU layer of dimensionality 1200" is read as a *further* 1200-unit layer, not the 200 + 1000
    concatenation itself: the sentence calls it a second layer that both are "mapped to", as it
    says of D's joint layer; and were the concatenation fed straight to the output, ``y`` could
    only add one fixed logit image per class to what ``z`` draws (no stroke could depend on the
    class).
    Discriminator: ``x (784) -> maxout 240x5`` beside ``y -> maxout 50x5``, then ``-> maxout
    240x4 -> 1 logit``; dropout 0.5 on the inputs of the last two layers (not on the pixels nor on
    the label: the paper says 0.5 in both nets, not where). Initialisation as :func:`paper_mnist`
    (not stated by Mirza & Osindero). ``mean_image`` sets G's output bias to ``logit(mean)``.

    Returns:
        ``(generator, discriminator)``: 2,413,984 and 1,224,351 parameters; G takes
        ``(m, 100 + classes)``, D ``(m, 784 + classes)``.
    """
    s = np.random.SeedSequence(seed).spawn(12)
    G = Sequential(Concat([Sequential(Linear(100, 200, 0.05, s[0], backend, dtype), ReLU()),
                           Sequential(Linear(classes, 1000, 0.05, s[1], backend, dtype), ReLU())],
                          widths=[100, classes]),
                   Dropout(0.5, s[2], backend), Linear(1200, 1200, 0.05, s[3], backend, dtype), ReLU(),
                   Dropout(0.5, s[4], backend), Linear(1200, 784, 0.05, s[5], backend, dtype), Sigmoid())
    if mean_image is not None:
        G.layers[5].params["b"][...] = get(backend).asarray(_output_bias(mean_image, dtype))
    D = Sequential(Concat([Maxout(784, 240, 5, 0.005, s[6], backend, dtype),
                           Maxout(classes, 50, 5, 0.005, s[7], backend, dtype)], widths=[784, classes]),
                   Dropout(0.5, s[8], backend), Maxout(290, 240, 4, 0.005, s[9], backend, dtype),
                   Dropout(0.5, s[10], backend), Linear(240, 1, 0.005, s[11], backend, dtype))
    return G, D


def build(config, mean_image=None):
    """Algorithm 1's trainer around the paper's networks, as a run's ``config`` describes it.

    ``config`` is a dict with the keys the command line writes to ``config.json``: ``dataset``
    (``"cifar10"`` picks :func:`paper_cifar10`, anything else :func:`paper_mnist`), ``seed``,
    ``backend``, ``dtype``, ``k``, ``noise``, ``g_objective``, ``update``, ``lr``, ``momentum``,
    and ``conditional`` (``True``: :func:`mirza_mnist` in a GAN with ``classes=10``).
    ``mean_image`` sets G's output bias (see :func:`paper_mnist`). Returns a :class:`GAN`.
    """
    kwargs = dict(mean_image=mean_image, seed=config["seed"], backend=config["backend"],
                  dtype=config["dtype"])
    conditional = config.get("conditional", False)  # absent from configs older than issue 20
    if conditional and config["dataset"] == "cifar10":
        raise ValueError("conditional: Mirza & Osindero's nets are for 28x28 images (mnist, "
                         "fashion-mnist), not cifar10")
    if conditional:
        G, D = mirza_mnist(**kwargs)
    else:
        G, D = paper_cifar10(**kwargs) if config["dataset"] == "cifar10" else paper_mnist(**kwargs)
    return GAN(G, D, z_dim=100, k=config["k"], noise=config["noise"],
               objective=config["g_objective"], update=config["update"],
               d_optimizer=SGD(D, config["lr"], config["momentum"]),
               g_optimizer=SGD(G, config["lr"], config["momentum"]), seed=config["seed"],
               classes=10 if conditional else None)


PRETRAINED = Path(__file__).parent / "pretrained"


def save_generator(gan, path):
    """Write G's parameters alone, as float16, to ``path`` (``.npz``): a small file for the
    lessons (about 5 MB for the paper's MNIST generator). D and the velocities are left out,
    so it cannot resume training; :func:`load_generator` reads it."""
    extra = {} if gan.classes is None else {"classes": np.array(gan.classes)}  # a conditional G
    np.savez_compressed(path, **{k: to_numpy(p).astype(np.float16) for k, p in gan.G.params.items()},
                        noise=np.array(gan.noise_prior), **extra)


def load_generator(path, backend="numpy", dtype="float32"):
    """A :class:`GAN` whose generator has the parameters :func:`save_generator` wrote to
    ``path`` (read with ``allow_pickle=False``, as ``dtype`` on ``backend``); its D is the paper's,
    freshly initialised and untrained (Mirza & Osindero's, with ``classes``, for a conditional G).
    ``gan.sample(n)`` draws digits."""
    classes = None
    try:
        with np.load(path, allow_pickle=False) as f:
            if "classes" in f.files:  # a conditional G (mirza_mnist)
                classes = int(f["classes"])
                G, D = mirza_mnist(backend=backend, dtype=dtype, classes=classes)
            else:
                G, D = paper_mnist(backend=backend, dtype=dtype)
            for k, p in G.params.items():
                if f[k].shape != p.shape:
                    raise CheckpointError(f"{path}: {k} has shape {f[k].shape}, G has {p.shape}")
                p[...] = get(backend).asarray(f[k].astype(dtype))
            noise = str(f["noise"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"{path}: not a generator file written by models.save_generator "
                              f"({type(err).__name__}: {err})") from None
    return GAN(G, D, z_dim=100, noise=noise, classes=classes)


def save_discriminator(gan, path):
    """Write D's parameters alone, as float16, to ``path`` (``.npz``; about 2.3 MB for the paper's
    MNIST D), to ship beside the generator :func:`save_generator` wrote; :func:`load_discriminator` reads it."""
    np.savez_compressed(path, **{k: to_numpy(p).astype(np.float16) for k, p in gan.D.params.items()})


def load_discriminator(path, backend="numpy", dtype="float32"):
    """The paper's MNIST discriminator (a :class:`Sequential`) with the parameters
    :func:`save_discriminator` wrote to ``path``, read with ``allow_pickle=False``. Call
    ``D.forward(x, train=False)`` for logits without dropout; ``sigmoid`` of them is ``D(x)``."""
    _, D = paper_mnist(backend=backend, dtype=dtype)
    try:
        with np.load(path, allow_pickle=False) as f:
            for k, p in D.params.items():
                if f[k].shape != p.shape:
                    raise CheckpointError(f"{path}: {k} has shape {f[k].shape}, D has {p.shape}")
                p[...] = get(backend).asarray(f[k].astype(dtype))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"{path}: not a discriminator file written by models.save_discriminator "
                              f"({type(err).__name__}: {err})") from None
    return D


def pretrained_mnist(backend="numpy", dtype="float32", discriminator=False):
    """The paper's MNIST generator, trained by minigan (``minigan/pretrained/README.md`` gives the
    command, seed, epochs, Parzen score and sample metrics), as a :class:`GAN` ready to sample: the
    lessons use it so that evaluating and drawing need no hour of training. Its D is untrained,
    unless ``discriminator=True``: then it is the D trained with it (:func:`pretrained_mnist_discriminator`)."""
    gan = load_generator(PRETRAINED / "mnist_generator.npz", backend, dtype)
    if discriminator:
        trained = pretrained_mnist_discriminator(backend, dtype).params
        for k, p in gan.D.params.items():  # in place: GAN's optimizer keeps its velocities' keys
            p[...] = trained[k]
    return gan


def pretrained_mnist_discriminator(backend="numpy", dtype="float32"):
    """The discriminator trained together with :func:`pretrained_mnist`'s generator, a :class:`Sequential`
    (``minigan/pretrained/mnist_discriminator.npz``)."""
    return load_discriminator(PRETRAINED / "mnist_discriminator.npz", backend, dtype)


def pretrained_conditional_mnist(backend="numpy", dtype="float32"):
    """Mirza & Osindero's conditional MNIST generator (:func:`mirza_mnist`), trained by minigan with
    ``--preset mirza`` (``minigan/pretrained/README.md``), as a conditional :class:`GAN`:
    ``gan.sample(n, y=3)`` draws threes. Its D is untrained."""
    return load_generator(PRETRAINED / "mnist_conditional_generator.npz", backend, dtype)
