"""Pictures of what a generator draws: sample grids (and the paper's Figures 2 and 3)."""
import numpy as np

from .backend import to_numpy


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


def save_grid(images, path, ncols=10, title=None):
    """Write flat images ``(n, d)`` in [0, 1] (either backend) to ``path`` as a PNG grid."""
    from matplotlib.figure import Figure  # no pyplot: works headless and leaves notebooks alone

    canvas = tile(images, ncols)
    fig = Figure(figsize=(canvas.shape[1] / 40, canvas.shape[0] / 40 + (0.4 if title else 0)))
    ax = fig.subplots()
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    fig.savefig(path, dpi=100, bbox_inches="tight")
