"""Checkpoints: every random generator saved however deep it sits, nothing non-finite ever
written, and every broken file a user may hand us refused with one message."""
import json
import pickle

import numpy as np
import pytest

import minigan as mg
from minigan import checkpoint, models
from minigan.layers import Dropout, Linear, ReLU, Sequential

CONFIG = {"note": "tests"}


def nested_gan(seed=0):
    """D holds a Sequential that holds a Dropout: a generator two levels down."""
    G = Sequential(Linear(2, 6, 0.8, seed, dtype="float64"), ReLU(), Linear(6, 3, 0.8, seed + 1, dtype="float64"))
    D = Sequential(Sequential(Dropout(0.4, seed + 2), Linear(3, 4, 0.8, seed + 3, dtype="float64")),
                   ReLU(), Dropout(0.3, seed + 4), Linear(4, 1, 0.8, seed + 5, dtype="float64"))
    return mg.gan.GAN(G, D, z_dim=2, seed=seed)


def test_the_walk_finds_generators_at_any_depth_under_any_name():
    gan = nested_gan()
    gan.D.layers[0].layers[1].noise_source = np.random.default_rng(5)  # a student's own name
    paths = set(mg.rng.generators(gan))
    assert paths == {"D.layers.0.layers.0.rng", "D.layers.0.layers.1.noise_source",
                     "D.layers.2.rng", "rng", "sample_rng"}


def test_reseeding_reaches_a_nested_dropout():
    gan = nested_gan()
    inner = gan.D.layers[0].layers[0]
    before = inner.rng
    mg.rng.reseed(gan, 0, 3)
    assert inner.rng is not before
    draw = inner.rng.random(4)
    mg.rng.reseed(gan, 0, 3)
    np.testing.assert_array_equal(inner.rng.random(4), draw)


def test_a_restored_checkpoint_continues_bit_identically_with_nested_dropout(tmp_path):
    x = np.random.default_rng(0).uniform(0, 1, (8, 3))
    a = nested_gan()
    a.step(x)
    checkpoint.save(tmp_path / "c.npz", a, CONFIG, {"epoch": 0, "batch": 1, "step": 1})
    b = nested_gan(seed=9)  # other weights, other random states: all must come from the file
    checkpoint.restore(tmp_path / "c.npz", b)
    for gan in (a, b):
        gan.step(x)
    for k in a.D.params:
        np.testing.assert_array_equal(a.D.params[k], b.D.params[k])
    for k in a.G.params:
        np.testing.assert_array_equal(a.G.params[k], b.G.params[k])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_a_non_finite_state_is_never_written_and_the_previous_file_is_kept(tmp_path):
    gan, path = nested_gan(), tmp_path / "checkpoint.npz"
    checkpoint.save(path, gan, CONFIG, {"epoch": 1, "batch": 0, "step": 5})
    good = path.read_bytes()
    gan.G.params["0.W"][0, 0] = np.nan
    with pytest.raises(checkpoint.CheckpointError, match=r"non-finite values in G 0\.W.*previous file is kept"):
        checkpoint.save(path, gan, CONFIG, {"epoch": 2, "batch": 0, "step": 10})
    assert path.read_bytes() == good
    assert not list(tmp_path.glob("*.tmp*"))


def broken_files(tmp_path):
    gan = nested_gan()
    good = tmp_path / "good.npz"
    checkpoint.save(good, gan, CONFIG, {"epoch": 1, "batch": 0, "step": 5})
    raw = good.read_bytes()
    files = {
        "truncated": raw[:len(raw) // 2],
        "random bytes": np.random.default_rng(0).bytes(5000),
        "zero bytes": b"",
        "text": b"hello, I am not a checkpoint\n",
        "pickle": pickle.dumps({"config": "x"}),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name.replace(' ', '_')}.npz"
        paths[name].write_bytes(content)
    paths["pickled npy"] = tmp_path / "obj.npz"
    np.save(open(paths["pickled npy"], "wb"), np.array([{"a": 1}], dtype=object), allow_pickle=True)
    paths["no config"] = tmp_path / "noconfig.npz"
    np.savez(paths["no config"], **{"G/0.W": np.zeros((2, 6))})
    paths["folder"] = tmp_path / "a_folder.npz"
    paths["folder"].mkdir()
    paths["missing"] = tmp_path / "nothing_here.npz"
    return paths


@pytest.mark.parametrize("kind", ["truncated", "random bytes", "zero bytes", "text", "pickle",
                                  "pickled npy", "no config", "folder", "missing"])
def test_a_broken_checkpoint_gives_one_message_naming_the_file(tmp_path, kind):
    path = broken_files(tmp_path)[kind]
    with pytest.raises(checkpoint.CheckpointError) as err:
        checkpoint.load(path)
    message = str(err.value)
    assert str(path) in message
    assert "allow_pickle" not in message and "unsafe" not in message


def test_a_checkpoint_whose_config_cannot_build_a_model_is_named(tmp_path):
    gan, path = nested_gan(), tmp_path / "c.npz"
    checkpoint.save(path, gan, {"dataset": "mnist"}, {"epoch": 1, "batch": 0, "step": 5})
    with pytest.raises(checkpoint.CheckpointError, match=f"{path}.*configuration cannot build"):
        checkpoint.load(path)


def test_a_checkpoint_of_another_model_names_the_parameter(tmp_path):
    gan, path = nested_gan(), tmp_path / "c.npz"
    checkpoint.save(path, gan, CONFIG, {"epoch": 1, "batch": 0, "step": 5})
    other = mg.gan.GAN(Sequential(Linear(2, 5, dtype="float64")), Sequential(Linear(5, 1, dtype="float64")), z_dim=2)
    with pytest.raises(checkpoint.CheckpointError, match="G parameter 0.W has shape"):
        checkpoint.restore(path, other)
    assert json.loads(json.dumps(checkpoint.read(path)[1]))["step"] == 5


def test_models_never_import_checkpoint_the_module_above_them():
    """checkpoint rebuilds models (models.build); a lower room never reaches up."""
    import ast
    from pathlib import Path
    tree = ast.parse((Path(models.__file__)).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names} | \
               {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "checkpoint" not in imported and ".checkpoint" not in imported
    assert checkpoint.CheckpointError is models.CheckpointError
