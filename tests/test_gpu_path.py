"""The GPU path, as a user with data or arrays on the GPU meets it.

Every test here is ``gpu``-marked: it runs on real CuPy where a GPU is found, else on
:mod:`minigan.testing.fakecupy`, the stand-in that refuses what CuPy refuses (``tests/conftest.py``).
Sync counts are read from the stand-in; on real CuPy those assertions are skipped.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import backend, checkpoint, models, parzen, rng, training
from minigan.testing import fakecupy
from minigan.gan import GAN
from minigan.layers import Dropout, Linear, Maxout, ReLU, Sequential, Sigmoid

pytestmark = pytest.mark.gpu


def counting(cp):
    """The stand-in's sync counter, or None on real CuPy (which counts nothing)."""
    return cp.sync_count if cp is fakecupy else None


def small_gan(b="cupy", dropout=0.2, dtype="float32", **kwargs):
    G = Sequential(Linear(4, 16, rng=0, backend=b, dtype=dtype), ReLU(),
                   Linear(16, 8, rng=1, backend=b, dtype=dtype), Sigmoid())
    D = Sequential(Dropout(dropout, seed=2, backend=b), Maxout(8, 6, 3, rng=3, backend=b, dtype=dtype),
                   Linear(6, 1, rng=4, backend=b, dtype=dtype))
    return GAN(G, D, z_dim=4, **kwargs)


def images(n, d=8, seed=5):
    return np.random.default_rng(seed).uniform(0, 1, (n, d)).astype(np.float32)


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.parametrize("objective", ["minimax", "non-saturating"])
def test_gan_step_on_cupy_makes_no_device_to_host_sync(update, objective):
    cp = backend.get("cupy")
    gan = small_gan(update=update, objective=objective, k=2 if update == "alternating" else 1)
    x = cp.asarray(images(2 * 16 if update == "alternating" else 16))
    before = {k: backend.to_numpy(p).copy() for k, p in gan.G.params.items()}
    syncs = counting(cp)
    start = syncs() if syncs else 0
    copies = dict(cp.copies_to_device) if syncs else None
    for _ in range(3):
        stats = gan.step(x)
    if syncs:
        assert syncs() == start, f"GAN.step waited for the GPU: {dict(cp.syncs)}"
        assert dict(cp.copies_to_device) == copies, "GAN.step copied host data to the GPU"
    assert all(isinstance(v, cp.ndarray) and v.shape == () for v in stats.values())
    assert all(np.isfinite(float(v)) for v in stats.values())
    assert any(not np.array_equal(backend.to_numpy(p), before[k]) for k, p in gan.G.params.items())


def test_one_epoch_of_fit_on_cupy_makes_the_documented_syncs():
    cp = backend.get("cupy")
    x = cp.asarray(images(60))
    gan = small_gan()
    syncs = counting(cp)
    start = syncs() if syncs else 0
    history = training.fit(gan, x, epochs=2, batch_size=10, check_every=50)
    assert [h["epoch"] for h in history] == [1, 2]
    assert all(np.isfinite(h[k]) for h in history for k in training.STATS)
    if syncs:
        # the range check once (min, max), then per epoch 4 stats checked + 4 means
        assert syncs() - start == 2 + 2 * 8, dict(cp.syncs)


def test_a_numpy_gan_trains_on_a_cupy_data_set():
    cp = backend.get("cupy")
    gan = small_gan("numpy")
    history = training.fit(gan, cp.asarray(images(40)), epochs=1, batch_size=10)
    assert np.isfinite(history[0]["d_loss"])


def test_paper_mnist_takes_a_mean_image_on_the_gpu():
    cp = backend.get("cupy")
    mean = images(30, 784).mean(axis=0)
    G, _ = models.paper_mnist(mean_image=cp.asarray(mean), backend="cupy")
    G_host, _ = models.paper_mnist(mean_image=mean)
    np.testing.assert_allclose(backend.to_numpy(G.layers[4].params["b"]),
                               G_host.layers[4].params["b"], rtol=1e-6)


def test_a_numpy_batch_given_to_a_cupy_gan_is_refused_with_the_fix():
    gan = small_gan()
    with pytest.raises(TypeError, match=r"numpy ndarray but this GAN lives on cupy: move the batch "
                                        r"with cupy\.asarray\(x\)"):
        gan.step(images(16))
    with pytest.raises(TypeError, match=r"cupy ndarray but this GAN lives on numpy.*to_numpy"):
        small_gan("numpy").step(backend.get("cupy").asarray(images(16)))


def test_wrong_batches_on_cupy_are_refused_without_waiting_for_the_gpu():
    cp = backend.get("cupy")
    gan = small_gan()
    syncs = counting(cp)
    start = syncs() if syncs else 0
    for bad, match in ((cp.asarray((images(16) * 255).astype(np.uint8)), "dtype uint8.*/ 255"),
                       (cp.zeros((0, 8), dtype=cp.float32), r"shape \(0, 8\).*non-empty"),
                       (cp.zeros((16, 2, 4), dtype=cp.float32), r"shape \(16, 2, 4\).*reshape")):
        with pytest.raises((TypeError, ValueError), match=match):
            gan.step(bad)
    if syncs:
        assert syncs() == start


def test_fit_refuses_gpu_data_outside_zero_one_once_per_data_set():
    cp = backend.get("cupy")
    with pytest.raises(ValueError, match=r"training: x: the data holds values in \[[0-9.e-]+, 1\.999\].*/ 255"):
        training.fit(small_gan(), cp.asarray(2 * images(40)), epochs=1, batch_size=10)


def test_parzen_takes_sigma_on_the_gpu():
    cp = backend.get("cupy")
    x, samples = cp.asarray(images(20, seed=1)), cp.asarray(images(30, seed=2))
    got = parzen.log_likelihood(x, samples, cp.asarray(np.array(0.2)))
    want = parzen.log_likelihood(x, samples, 0.2)
    np.testing.assert_allclose(backend.to_numpy(got), backend.to_numpy(want))
    grid = parzen.log_likelihood(x, samples, cp.asarray(parzen.SIGMAS))
    assert grid.shape == (10, 20)
    with pytest.raises(TypeError, match="x is a numpy array but samples are cupy"):
        parzen.log_likelihood(images(20), samples, 0.2)


def test_gradcheck_names_a_cupy_array_as_cupy():
    cp = backend.get("cupy")
    layer = Linear(3, 2, rng=0, backend="cupy", dtype="float64")
    with pytest.raises(TypeError, match=r"x is a CuPy array \(on the GPU.*backend='numpy'.*to_numpy"):
        mg.gradcheck.assert_layer_gradients(layer, cp.asarray(np.ones((2, 3))))


def test_cupy_generator_states_are_refused_and_recorded_not_skipped(tmp_path):
    gan = small_gan()
    with pytest.raises(TypeError, match="cannot be read or set.*reseed"):
        rng.get_state(gan.rng)
    path = tmp_path / "ck.npz"
    checkpoint.save(path, gan, {"note": "test"}, {"epoch": 1, "batch": 0, "step": 3})
    _, state = checkpoint.read(path)
    assert state["rng_states"] == {}
    assert sorted(state["rng_unsaved"]) == ["D.layers.0.rng", "rng", "sample_rng"]
    again = small_gan(seed=9)
    restored = checkpoint.restore(path, again)
    assert sorted(restored["rng_not_restored"]) == ["D.layers.0.rng", "rng", "sample_rng"]
    for k, p in gan.D.params.items():
        np.testing.assert_array_equal(backend.to_numpy(again.D.params[k]), backend.to_numpy(p))


def test_reseeded_cupy_streams_never_share_a_seed_within_a_run():
    gan = small_gan()  # three generators
    seen = {}
    epochs = 3000 if backend.get("cupy") is fakecupy else 300  # each cuRAND state costs a kernel
    for epoch in range(1, epochs + 1):
        rng.reseed(gan, 7, epoch)
        for path, (h, a) in rng.generators(gan).items():
            word = int(getattr(h, a).bit_generator._seed)
            assert word not in seen, f"{path} at epoch {epoch} repeats {seen[word]}"
            seen[word] = (path, epoch)
    rng.reseed(gan, 7, 12, 5)  # a resume in the middle of epoch 12
    mid = {int(getattr(h, a).bit_generator._seed) for h, a in rng.generators(gan).values()}
    assert not mid & set(seen)
    with pytest.raises(ValueError, match="65,536"):
        rng.reseed(gan, 7, 70_000)


def test_a_whole_float64_step_on_cupy_equals_numpy():
    """D's and G's gradients from the same parameters and noise, without dropout, to 1e-10."""
    cp = backend.get("cupy")
    host, dev = small_gan("numpy", 0.0, "float64"), small_gan("cupy", 0.0, "float64")
    x, z = images(16).astype(np.float64), np.random.default_rng(3).uniform(-1, 1, (16, 4))
    host.discriminator_gradients(x, z)
    dev.discriminator_gradients(cp.asarray(x), cp.asarray(z))
    host.generator_gradients(z)
    dev.generator_gradients(cp.asarray(z))
    for net in ("D", "G"):
        a, b = getattr(host, net), getattr(dev, net)
        for k in a.grads:
            np.testing.assert_allclose(backend.to_numpy(b.grads[k]), a.grads[k], rtol=1e-10,
                                       atol=1e-10, err_msg=f"{net} {k}")


# --- the command lines with --backend cupy ----------------------------------------------------

def cli(module, *args, data_dir):
    env = dict(os.environ, MINIGAN_DATA_DIR=str(data_dir), MPLBACKEND="Agg")
    if backend.get("cupy") is fakecupy:
        env["MINIGAN_FAKE_CUPY"] = "1"
    done = subprocess.run([sys.executable, "-m", module, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def test_train_resume_sample_and_evaluate_run_with_backend_cupy(shared_data_dir, tmp_path):
    out = tmp_path / "run"
    common = ("--backend", "cupy", "--subset", 200, "--batch-size", 10, "--out", out)
    assert "done: mnist to epoch 1" in cli("minigan.train", *common, "--epochs", 1, data_dir=shared_data_dir)
    assert "done: mnist to epoch 2" in cli("minigan.train", *common, "--epochs", 2, "--resume",
                                           data_dir=shared_data_dir)
    config, state = checkpoint.read(out / "checkpoint.npz")
    assert config["backend"] == "cupy" and state["epoch"] == 2 and state["rng_unsaved"]
    for figure in ("2", "3"):  # the grid: train writes one every epoch
        cli("minigan.sample", out / "checkpoint.npz", "--backend", "cupy", "--figure", figure,
            "--out", tmp_path / f"{figure}.png", data_dir=shared_data_dir)
        assert (tmp_path / f"{figure}.png").read_bytes()[:4] == b"\x89PNG"
    report = cli("minigan.evaluate", out / "checkpoint.npz", "--backend", "cupy", "--n-samples", 100,
                 data_dir=shared_data_dir)
    assert "Parzen log-likelihood" in report
