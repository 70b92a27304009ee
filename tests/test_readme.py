"""The README's front door and the Python blocks of the library's page (docs/LIBRARY.md) run as
written: the library in a few lines, and the gradient-check test a student copies for their own
layer (which must also refuse that layer with a wrong backward)."""
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LIBRARY = ROOT / "docs" / "LIBRARY.md"
# CI (.ci/run) and tests/test_site.py depend on this line of the README, word for word.
TEST_COMMAND = ('python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[dev]" '
                '&& python -m pytest -q')


def python_blocks():
    return re.findall(r"```python\n(.*?)```", LIBRARY.read_text(), flags=re.S)


def test_the_library_page_has_the_two_python_blocks_these_tests_run():
    blocks = python_blocks()
    assert len(blocks) == 2
    assert "mg.training.fit" in blocks[0] and "def test_softplus_gradients" in blocks[1]


def test_the_readme_is_a_front_door_with_the_two_commands_first():
    """About 120 lines at most (the manual lives in docs/ and on the site), the two commands in
    its first code block, and every local file it links or shows exists."""
    text = README.read_text()
    assert len(text.splitlines()) <= 120, "the README is a front door: move the details to docs/"
    first = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1).splitlines()
    assert len(first) == 2 and first[1] == TEST_COMMAND, first
    assert first[0].endswith("python -m minigan.train --preset first-run --epochs 10 --out runs/mnist")
    targets = re.findall(r"\]\(([^)\s#]+)", text)
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert targets and not missing, f"the README links files that do not exist: {missing}"
    pictures = [t for t in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)]
    assert pictures and all((ROOT / p).stat().st_size < 300_000 for p in pictures), pictures


@pytest.mark.learning
def test_the_library_in_a_few_lines_runs_as_written_and_learns(shared_data_dir, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data_dir))
    scope = {}
    exec(compile(python_blocks()[0], "docs/LIBRARY.md", "exec"), scope)
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
    exec(compile(python_blocks()[1], "docs/LIBRARY.md", "exec"), scope)
    for _ in range(2):  # the verdict does not change when asked again
        scope["test_softplus_gradients"]()

    class WrongSoftplus(scope["Softplus"]):
        def backward(self, dy):
            return dy * np.exp(self.x)   # d/dx log(1 + e^x) is not e^x

    x = np.random.default_rng(0).standard_normal((5, 4))
    for _ in range(2):
        with pytest.raises(AssertionError, match=r"dx\["):
            scope["mg"].gradcheck.assert_layer_gradients(WrongSoftplus(), x)
