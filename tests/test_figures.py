"""The paper's Figures 2 (nearest training image) and 3 (lines in z space), written as PNGs."""
import numpy as np
import pytest
from matplotlib.image import imread

from minigan import figures


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def has_yellow(path):
    rgb = imread(path)[..., :3]
    return bool(np.any((rgb[..., 0] > 0.9) & (rgb[..., 1] > 0.9) & (rgb[..., 2] < 0.2)))


def test_nearest_neighbours_agree_with_brute_force_across_blocks():
    rng = np.random.default_rng(0)
    train, queries = rng.random((250, 784)), rng.random((7, 784))
    brute = ((queries[:, None, :] - train[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    np.testing.assert_array_equal(figures.nearest_neighbours(queries, train, batch_size=64), brute)


def test_figure2_frames_the_training_image_nearest_each_rows_fifth_sample(tmp_path):
    rng = np.random.default_rng(1)
    train = rng.random((300, 784)).astype(np.float32)
    samples = rng.random((15, 784)).astype(np.float32)
    samples[4] = train[37]  # row 0's fifth sample is an exact copy of a training image
    samples[9] = np.clip(train[250] + 0.01 * rng.standard_normal(784), 0, 1)  # row 1's: a near copy
    samples[3] = train[5]  # a copy in column 4 must not be what row 0 is matched on
    path = tmp_path / "figure2.png"
    index = figures.figure2(samples, train, path, rows=3, title="Figure 2")
    assert index[0] == 37 and index[1] == 250
    assert is_png(path) and has_yellow(path)


def test_figure2_draws_color_images_in_cifar_layout(tmp_path):
    rng = np.random.default_rng(2)
    train = rng.random((40, 3072))
    samples = np.concatenate([rng.random((4, 3072)), train[[11]]])
    path = tmp_path / "figure2_color.png"
    assert figures.figure2(samples, train, path, rows=1)[0] == 11
    assert is_png(path) and has_yellow(path)


def test_figure2_needs_five_samples_per_row(tmp_path):
    with pytest.raises(ValueError, match="5 samples per row"):
        figures.figure2(np.zeros((9, 784)), np.zeros((3, 784)), tmp_path / "f.png", rows=2)


def test_interpolate_walks_a_straight_line_with_exact_ends():
    rng = np.random.default_rng(3)
    z0, z1 = rng.uniform(-np.sqrt(3), np.sqrt(3), (2, 100))
    z = figures.interpolate(z0, z1, 5)
    assert z.shape == (5, 100)
    np.testing.assert_array_equal(z[0], z0)
    np.testing.assert_array_equal(z[-1], z1)
    np.testing.assert_allclose(z[2], (z0 + z1) / 2, atol=1e-12)
    np.testing.assert_allclose(np.diff(z, axis=0), np.tile((z1 - z0) / 4, (4, 1)), atol=1e-12)


def test_interpolate_gives_one_line_per_pair_in_order():
    rng = np.random.default_rng(4)
    z0, z1 = rng.standard_normal((2, 3, 10)).astype(np.float32)
    z = figures.interpolate(z0, z1, 4)
    assert z.shape == (12, 10) and z.dtype == np.float32
    np.testing.assert_array_equal(z[4], z0[1])
    np.testing.assert_array_equal(z[7], z1[1])


def test_figure3_writes_one_row_per_line(tmp_path):
    rng = np.random.default_rng(5)
    ends = rng.random((4, 784))
    images = figures.interpolate(ends[:2], ends[2:], 8)  # pixel space stands in for G(z)
    path = tmp_path / "figure3.png"
    figures.figure3(images, path, steps=8, title="Figure 3")
    assert is_png(path)
    with pytest.raises(ValueError, match="rows of 8"):
        figures.figure3(images[:-1], path, steps=8)


def test_save_grid_still_writes_a_sample_grid(tmp_path):
    path = tmp_path / "grid.png"
    figures.save_grid(np.random.default_rng(6).random((12, 784)), path, ncols=6, title="samples")
    assert is_png(path)


@pytest.mark.gpu
def test_cupy_figures_agree_with_numpy(tmp_path):
    import cupy

    rng = np.random.default_rng(7)
    train, samples = rng.random((500, 784)), rng.random((10, 784))
    samples[9] = train[321]
    want = figures.nearest_neighbours(samples, train, batch_size=128)
    got = figures.nearest_neighbours(cupy.asarray(samples), cupy.asarray(train), batch_size=128)
    np.testing.assert_array_equal(got, want)
    shown = figures.figure2(cupy.asarray(samples), cupy.asarray(train), tmp_path / "f2.png", rows=2)
    assert shown[1] == 321
    z0, z1 = rng.standard_normal((2, 3, 100))
    np.testing.assert_allclose(
        cupy.asnumpy(figures.interpolate(cupy.asarray(z0), cupy.asarray(z1), 6)),
        figures.interpolate(z0, z1, 6), atol=1e-12)


def test_figures_return_a_figure_in_memory_and_draw_on_a_given_ax(tmp_path):
    from matplotlib.figure import Figure
    images = np.random.default_rng(7).random((12, 784))
    fig = figures.save_grid(images, ncols=6)
    assert isinstance(fig, Figure) and not list(tmp_path.iterdir())  # nothing written
    host = Figure()
    ax = host.subplots()
    assert figures.figure3(images, steps=6, ax=ax) is host
    assert ax.images, "figure3 drew nothing on the ax it was given"
