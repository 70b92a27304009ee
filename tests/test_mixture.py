"""Section 6's Helvetica scenario: with G trained too much between D updates it collapses onto
few modes of a ring of 8 Gaussians; the balanced schedule of Algorithm 1 covers them."""
import contextlib
import io

import numpy as np
import pytest
from PIL import Image

from minigan import mixture
from minigan.gan import GAN
from minigan.layers import Layer, Sequential
from minigan.optim import SGD


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One run of ``python -m minigan.mixture --out DIR`` (both schedules, seed 0)."""
    out = tmp_path_factory.mktemp("mixture")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        results = mixture.main(["--out", str(out)])
    return out, results, printed.getvalue()


def test_coverage_counts_modes_and_high_quality_samples():
    data = mixture.sample_data(np.random.default_rng(0), 4000)
    hit, quality, per_mode = mixture.coverage(data)
    assert hit == 8 and quality > 0.97            # 2-D Gaussian: P(r < 3 sigma) = 0.989
    assert per_mode == pytest.approx(np.full(8, quality / 8), abs=0.02)
    one_mode = mixture.centres()[[3]] + 0.05 * np.random.default_rng(1).standard_normal((500, 2))
    assert mixture.coverage(one_mode)[:2] == (1, 1.0)    # Helvetica: perfect quality, 1 mode
    assert mixture.coverage(np.zeros((10, 2)))[:2] == (0, 0.0)
    diverged = np.full((10, 2), np.nan)          # a diverged G's samples are no mode's
    assert mixture.coverage(diverged)[:2] == (0, 0.0)
    for wrong in (one_mode.ravel(), one_mode[:, :1], np.zeros((0, 2))):
        with pytest.raises(ValueError, match=r"give \(n, 2\) points"):
            mixture.coverage(wrong)


@pytest.mark.learning
def test_balanced_schedule_covers_the_modes(demo):
    balanced = demo[1]["balanced"]
    assert balanced["modes_hit"] >= 7
    assert balanced["high_quality"] > 0.7


@pytest.mark.learning
def test_training_G_too_much_without_updating_D_collapses_onto_few_modes(demo):
    collapse, balanced = demo[1]["collapse"], demo[1]["balanced"]
    assert collapse["modes_hit"] <= 4
    assert collapse["modes_hit"] < balanced["modes_hit"]


def test_cli_prints_the_metrics_and_writes_the_scatter(demo):
    out, results, printed = demo
    for name, r in results.items():
        assert f"{name:9s}: {r['modes_hit']}/8 modes hit" in printed
    png = out / "mixture.png"
    assert str(png) in printed
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] > 800


@pytest.mark.parametrize("g_steps", [0, -1, 1.5, True])
def test_train_refuses_g_steps_that_are_not_a_positive_whole_number(g_steps):
    with pytest.raises(ValueError, match="g_steps"):
        mixture.train(mixture.make_gan(0), np.random.default_rng(0), g_steps=g_steps, g_updates=10)


# --- the conditional ring (Section 7; Mirza & Osindero): the condition is the mode index -------

@pytest.mark.learning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conditional_gan_puts_each_conditions_samples_at_its_own_mode(seed):
    own = mixture.run_conditional(seed)
    assert own.shape == (8,)
    assert own.min() >= 0.9, np.round(own, 3)


class NeverLastLabel(GAN):
    """G is trained on labels 0..6 only (label 7 is never sampled for G's half)."""
    def fake_labels(self, y_real):
        return y_real % (mixture.MODES - 1)


class FixedLabel(GAN):
    """G is always trained with label 6."""
    def fake_labels(self, y_real):
        return np.full_like(y_real, 6)


class LabelIgnored(Layer):
    """Put first in G: zeroes the label's columns, so G draws every condition the same way."""
    def forward(self, x, train=True):
        self.keep = np.arange(x.shape[1]) < 2
        return x * self.keep

    def backward(self, dy):
        # dx = dy * keep
        return dy * self.keep


def broken(kind, seed=0):
    gan = mixture.make_gan(seed, conditional=True)
    if kind == "label ignored":
        gan.G = Sequential(LabelIgnored(), gan.G)
        gan.g_optimizer = SGD(gan.G, lr=0.05, momentum=0.5)
        return gan
    gan.__class__ = {"label never sampled": NeverLastLabel, "fixed label": FixedLabel}[kind]
    return gan


@pytest.mark.learning
@pytest.mark.parametrize("kind", ["label never sampled", "fixed label", "label ignored"])
def test_the_per_condition_check_refuses_the_bugs_learners_report(kind):
    gan = broken(kind)
    own = mixture.run_conditional(0, gan=gan)
    print(kind, np.round(own, 3))
    assert own.min() < 0.9, np.round(own, 3)
    assert mixture.conditional_coverage(gan).tolist() == own.tolist()  # asked again: same verdict
