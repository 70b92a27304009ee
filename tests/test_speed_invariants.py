"""What the speed work (issue 13) must not change: a float32 update is float32 throughout,
and a float64 model stays float64 -- no array is silently upcast (or downcast) on the way."""
import numpy as np
import pytest

import minigan as mg
from minigan.gan import GAN


def watch_dtypes(net, seen):
    """Record, in ``seen``, the dtype of every array each layer of ``net`` takes and gives:
    forward's x and y, backward's dy and dx (when it is computed)."""
    for i, layer in enumerate(net.layers):
        forward, backward = layer.forward, layer.backward

        def watched_forward(x, train=True, i=i, forward=forward):
            y = forward(x, train)
            seen.append((f"layer {i} forward x", x.dtype))
            seen.append((f"layer {i} forward y", y.dtype))
            return y

        def watched_backward(dy, i=i, backward=backward):
            dx = backward(dy)
            seen.append((f"layer {i} backward dy", dy.dtype))
            if dx is not None:  # None where nobody needs dx (the data's, the noise's)
                seen.append((f"layer {i} backward dx", dx.dtype))
            return dx

        layer.forward, layer.backward = watched_forward, watched_backward


def paper_step(dtype, update):
    """One GAN.step of the paper's MNIST model in ``dtype`` (batch 8), every layer watched.
    The schedules' values are NumPy float64 scalars, as a schedule computed with NumPy gives."""
    G, D = mg.models.paper_mnist(seed=0, dtype=dtype)
    gan = GAN(G, D, z_dim=100, update=update)
    for opt in (gan.d_optimizer, gan.g_optimizer):
        opt.lr, opt.momentum = np.float64(0.1), np.float64(0.5)
    seen = []
    watch_dtypes(G, seen)
    watch_dtypes(D, seen)
    x = np.random.default_rng(0).uniform(0, 1, (8, 784)).astype(dtype)
    stats = gan.step(x)
    return gan, stats, seen


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_array_of_a_paper_model_step_keeps_the_model_dtype(dtype, update):
    gan, stats, seen = paper_step(dtype, update)
    arrays = {}
    for tag, net, opt in (("G", gan.G, gan.g_optimizer), ("D", gan.D, gan.d_optimizer)):
        arrays.update({f"{tag} param {k}": v.dtype for k, v in net.params.items()})
        arrays.update({f"{tag} grad {k}": v.dtype for k, v in net.grads.items()})
        arrays.update({f"{tag} velocity {k}": v.dtype for k, v in opt.velocity.items()})
    arrays.update({f"stat {k}": np.asarray(v).dtype for k, v in stats.items()})
    arrays.update(dict(seen))
    assert len(seen) > 0 and set(stats) == {"d_loss", "g_loss", "d_real", "d_fake"}
    wrong = {k: str(v) for k, v in arrays.items() if v != np.dtype(dtype)}
    assert wrong == {}, f"arrays of a {dtype} step that are not {dtype}: {wrong}"
