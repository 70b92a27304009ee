"""The library's wide figures have a layout that stays legible in a page's column (the course
site shows them there): Figure 1 as a 2 x 2 block, the Helvetica scatter three to a row. The
paper's row stays the default, and a layout that cannot be drawn is refused by name."""
import io

import numpy as np
import pytest
from PIL import Image

from minigan import mixture, toy


def smallest_text_pt_and_width_px(fig, dpi=100):
    """The smallest font drawn (points) and the PNG's width (pixels), as a notebook saves it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_visible() and t.get_text().strip() and (t.axes is None or t.axes.get_visible())]
    with Image.open(buf) as im:
        return min(t.get_fontsize() for t in texts), im.size[0]


@pytest.fixture(scope="module")
def panels():
    return {k: toy.snapshot(toy.make_gan(seed=0), f"({k})") for k in "abcd"}


def test_figure_1_in_two_columns_reads_9_pt_at_a_700_pixel_column(panels):
    fig = toy.figure1(panels, columns=2)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 4
    size, width = smallest_text_pt_and_width_px(fig)
    # shown at most 700 px wide: 9 pt (12 px) of text stays at least 12 px
    assert size * 100 / 72 * min(1, 700 / width) >= 12, (size, width)
    assert toy.figure1(panels).get_size_inches()[0] == 15     # the paper's row is the default


@pytest.mark.parametrize("columns", [1, 3, 0, "2"])
def test_figure_1_refuses_a_layout_it_cannot_draw(panels, columns):
    for _ in range(2):
        with pytest.raises(ValueError, match=r"columns=.*use 4 .*or 2"):
            toy.figure1(panels, columns=columns)


def fake_results(n):
    rng = np.random.default_rng(0)
    return {f"{g} per D": {"samples": rng.standard_normal((200, 2)), "modes_hit": 8,
                           "high_quality": 0.9} for g in range(1, n + 1)}


def test_the_helvetica_scatter_three_to_a_row_reads_9_pt_at_a_700_pixel_column():
    fig = mixture.plot(fake_results(5), columns=3)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 6
    size, width = smallest_text_pt_and_width_px(fig)
    assert size * 100 / 72 * min(1, 700 / width) >= 12, (size, width)
    assert len(mixture.plot(fake_results(2)).axes) == 3      # one row by default, as before


@pytest.mark.parametrize("columns", [0, -1, 2.5, "3"])
def test_the_helvetica_scatter_refuses_a_layout_it_cannot_draw(columns):
    with pytest.raises(ValueError, match=r"columns="):
        mixture.plot(fake_results(2), columns=columns)
