"""The README's Python blocks run as written: the library in a few lines, and the gradient-check
test a student copies for their own layer (which must also refuse that layer with a wrong backward)."""
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_the_two_python_blocks_these_tests_run():
    blocks = python_blocks()
    assert len(blocks) == 2
    assert "mg.training.fit" in blocks[0] and "def test_softplus_gradients" in blocks[1]


@pytest.mark.learning
def test_the_library_in_a_few_lines_runs_as_written_and_learns(shared_data_dir, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    scope = {}
    exec(compile(python_blocks()[0], "README.md", "exec"), scope)
    stats, history, images = scope["stats"], scope["history"], scope["images"]
    assert set(stats) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert images.shape == (16, 784) and 0 <= images.min() and images.max() <= 1
    assert [r["epoch"] for r in history] == [1, 2]
    last = history[-1]
    assert last["d_real"] > 0.5 > last["d_fake"]   # D has learned to tell real digits from G's
    mg, x = scope["mg"], scope["x"]
    G0, D0 = mg.models.paper_mnist(mean_image=x.mean(axis=0))   # the same networks, untrained
    before = mg.metrics.sample_quality(mg.gan.GAN(G0, D0, z_dim=100).sample(2000, seed=1))
    after = mg.metrics.sample_quality(scope["gan"].sample(2000, seed=1))
    # 1,000 updates: FID 164 (the mean image) -> 95-103, 5-6 classes (1 and 2 BLAS threads, 2026-11-30)
    assert after["fid"] < 0.8 * before["fid"] and after["classes_covered"] > before["classes_covered"]

def test_the_students_gradient_check_passes_softplus_and_refuses_a_wrong_backward():
    scope = {}
    exec(compile(python_blocks()[1], "README.md", "exec"), scope)
    for _ in range(2):  # the verdict does not change when asked again
        scope["test_softplus_gradients"]()

    class WrongSoftplus(scope["Softplus"]):
        def backward(self, dy):
            return dy * np.exp(self.x)   # d/dx log(1 + e^x) is not e^x

    x = np.random.default_rng(0).standard_normal((5, 4))
    for _ in range(2):
        with pytest.raises(AssertionError, match=r"dx\["):
            scope["mg"].gradcheck.assert_layer_gradients(WrongSoftplus(), x)
