"""Figure 1, the 1-D world: the command line draws it from a real run of Algorithm 1, and that
run ends where Theorem 1 says it should, p_g = p_data and D = 1/2."""
import contextlib
import io

import numpy as np
import pytest
from PIL import Image

from minigan import toy


@pytest.fixture(scope="module")
def figure1(tmp_path_factory):
    """One run of ``python -m minigan.toy --out DIR --gif`` (the slow part, shared)."""
    out = tmp_path_factory.mktemp("toy")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        panels = toy.main(["--out", str(out), "--gif", "--seed", "0"])
    return out, panels, printed.getvalue()


def test_cli_writes_a_figure_1_png_and_a_training_gif_and_says_where(figure1):
    out, _, printed = figure1
    png, gif = out / "figure1.png", out / "training.gif"
    assert str(png) in printed and str(gif) in printed
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] > 1000
        assert len(im.convert("L").getcolors(256)) > 50     # drawn on, not a blank canvas
    with Image.open(gif) as im:
        assert im.n_frames >= 10


@pytest.mark.learning
def test_training_drives_p_g_to_p_data_and_D_to_one_half(figure1):
    d = figure1[1]["d"]
    assert d["jsd"] < 0.02                      # nats
    assert abs(d["D_on_data"] - 0.5) <= 0.05    # E_{p_data}[D]
    assert abs(d["D_on_g"] - 0.5) <= 0.05       # E_{p_g}[D]


@pytest.mark.learning
def test_the_four_panels_tell_figure_1s_story(figure1):
    a, b, c, d = (figure1[1][k] for k in "abcd")
    assert 0.02 < a["jsd"] < toy.NEAR                            # (a) near, not at, p_data
    assert np.array_equal(b["p_g"], a["p_g"])                    # (b) G held fixed ...
    both = (b["p_data"] > 0.05) & (b["p_g"] > 0.05)
    assert np.abs(b["D"] - b["D_star"])[both].max() < 0.05       # ... while D -> D*
    assert c["jsd"] < a["jsd"]                                   # (c) G(z) flowed to the data
    assert d["jsd"] < c["jsd"]                                   # (d) and ended on it


def test_arrows_carry_equal_mass_and_land_where_p_g_says():
    # The arrows start at the quantiles of p_z; G is monotone, so the fraction of p_g's mass
    # left of each arrow's head is the fraction of arrows left of it.
    gan = toy.make_gan(0)
    s = toy.snapshot(gan)
    cdf = np.cumsum(s["p_g"]) * (toy.X[1] - toy.X[0])
    heads = np.sort(s["Gz"])
    expected = (np.arange(toy.ARROWS) + 0.5) / toy.ARROWS
    assert np.abs(np.interp(heads, toy.X, cdf) - expected).max() < 0.01
