"""The GPU check: one command for a bare GPU machine, everything written into one folder.

    PYTHONPATH=$PWD python3 benchmarks/gpu_check.py --out gpu-check          # on a GPU
    PYTHONPATH=$PWD python3 benchmarks/gpu_check.py --out /tmp/gc --fake     # rehearsal on the CPU

It installs nothing: it needs CuPy, NumPy, SciPy, matplotlib, tqdm and pytest (PyTorch is
optional), and runs minigan from the working tree. In under 5 minutes it writes to ``--out``:

* ``versions.txt``: Python, NumPy, CuPy, CUDA, the GPU, PyTorch, minigan's commit;
* ``probe.txt``, ``probe_diff.txt``: ``benchmarks/cupy_probe.py`` on this CuPy, against
  ``benchmarks/cupy_probe.expected`` (what the CPU stand-in is held to);
* ``pytest_gpu.log``: ``pytest -m gpu`` (with ``MINIGAN_REAL_GPU=1``: never on the stand-in);
* ``step_compare.txt``: a whole D step and G step of the paper's MNIST model in float64, dropout
  off, from the same parameters, data and noise on CuPy and NumPy: every gradient to 1e-10;
* ``timing.txt``: ms per update, both update orders, float32, batch 100, of minigan on CuPy and
  of the same model in PyTorch CUDA eager, interleaved in the same run (median of blocks);
* ``summary.txt`` (also printed): one line per part, PASS / FAIL / SKIP. Exit status 1 on a FAIL.

``--fake`` runs it all on :mod:`minigan.testing.fakecupy` (no PyTorch CUDA): it proves the script runs end
to end, not that CuPy works; its timings are CPU times of the stand-in.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import minigan as mg  # noqa: E402  (from the working tree)

M = 100
GPU_TEST_FILES = ["tests/test_backend.py", "tests/test_parzen.py", "tests/test_figures.py",
                  "tests/test_gpu_path.py"]


def versions(cp, out, fake):
    lines = [f"date {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
             f"python {platform.python_version()} ({platform.machine()})",
             f"numpy {np.__version__}",
             f"cupy {cp.__version__}" + (" (minigan.testing.fakecupy stand-in)" if fake else "")]
    if not fake:
        rt = cp.cuda.runtime
        lines += [f"cuda runtime {rt.runtimeGetVersion()}, driver {rt.driverGetVersion()}",
                  f"gpu {rt.getDeviceProperties(0)['name'].decode()}"]
    for name in ("scipy", "matplotlib", "torch"):
        try:
            lines.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            lines.append(f"{name} not installed")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True)
    lines.append(f"minigan {commit.stdout.strip() or 'commit unknown (no git)'}")
    (out / "versions.txt").write_text("\n".join(lines) + "\n")
    return "PASS", "; ".join(lines[1:4])


def probe(cp, out, fake):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cupy_probe.py")]
                         + (["--fake"] if fake else []), capture_output=True, text=True, timeout=120)
    (out / "probe.txt").write_text(run.stdout + run.stderr)
    want = (ROOT / "benchmarks" / "cupy_probe.expected").read_text().splitlines()
    got = run.stdout.splitlines()
    diff = [f"expected {w!r}, got {g!r}" for w, g in zip(want, got) if w != g]
    if len(want) != len(got):
        diff.append(f"expected {len(want)} lines, got {len(got)}")
    (out / "probe_diff.txt").write_text("\n".join(diff) + ("\n" if diff else ""))
    return ("PASS" if not diff and run.returncode == 0 else "FAIL"), f"{len(diff)} differences"


def gpu_tests(cp, out, fake):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    env.update({"MINIGAN_FAKE_CUPY": "1"} if fake else {"MINIGAN_REAL_GPU": "1"})
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-m", "gpu", "-p", "no:cacheprovider",
                          *GPU_TEST_FILES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    (out / "pytest_gpu.log").write_text(run.stdout + run.stderr)
    last = (run.stdout.strip().splitlines() or ["no output"])[-1]
    return ("PASS" if run.returncode == 0 else "FAIL"), last


def paper_gan(b, dtype, dropout=True):
    G, D = mg.models.paper_mnist(seed=0, backend=b, dtype=dtype)
    if not dropout:
        for layer in D.layers:
            if isinstance(layer, mg.layers.Dropout):
                layer.p_drop = 0.0
    return mg.gan.GAN(G, D, z_dim=100)


def step_compare(cp, out, fake):
    """A whole D step and G step, same parameters, data and noise, float64, no dropout."""
    rng = np.random.default_rng(0)
    x, z_d, z_g = rng.uniform(0, 1, (M, 784)), rng.uniform(-1.7, 1.7, (M, 100)), rng.uniform(-1.7, 1.7, (M, 100))
    host, dev = paper_gan("numpy", "float64", False), paper_gan("cupy", "float64", False)
    host.discriminator_gradients(x, z_d)
    dev.discriminator_gradients(cp.asarray(x), cp.asarray(z_d))
    d_grads = {f"D {k}": (g, dev.D.grads[k]) for k, g in host.D.grads.items()}
    host.generator_gradients(z_g)
    dev.generator_gradients(cp.asarray(z_g))
    g_grads = {f"G {k}": (g, dev.G.grads[k]) for k, g in host.G.grads.items()}
    lines, worst = [], 0.0
    for name, (want, got) in {**d_grads, **g_grads}.items():
        got = mg.backend.to_numpy(got)
        err = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-10)))
        ok = np.allclose(got, want, rtol=1e-10, atol=1e-10)
        worst = max(worst, err)
        lines.append(f"{name:10s} max |cupy - numpy| {np.max(np.abs(got - want)):.3e}  max rel {err:.3e}  "
                     f"{'ok' if ok else 'DIFFERS'}")
    (out / "step_compare.txt").write_text("\n".join(lines) + "\n")
    bad = [line for line in lines if line.endswith("DIFFERS")]
    return ("PASS" if not bad else "FAIL"), f"{len(lines)} gradients, worst relative error {worst:.2e}"


def torch_update(gan, order, torch):
    """The same update of the same model (minigan's initial weights) in PyTorch CUDA eager."""
    nn, F, dev = torch.nn, torch.nn.functional, "cuda"

    def linear(layer):
        W, b = (mg.backend.to_numpy(layer.params[k]) for k in ("W", "b"))
        lin = nn.Linear(*W.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        return lin

    class Maxout(nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.lin, self.units, self.pieces = linear(layer), layer.units, layer.pieces

        def forward(self, x):
            return self.lin(x).view(len(x), self.units, self.pieces).max(dim=2).values

    g, d = gan.G.layers, gan.D.layers
    G = nn.Sequential(linear(g[0]), nn.ReLU(), linear(g[2]), nn.ReLU(), linear(g[4]), nn.Sigmoid()).to(dev)
    D = nn.Sequential(nn.Dropout(d[0].p_drop), Maxout(d[1]), nn.Dropout(d[2].p_drop), Maxout(d[3]),
                      nn.Dropout(d[4].p_drop), linear(d[5])).to(dev)
    d_opt = torch.optim.SGD(D.parameters(), lr=0.1, momentum=0.5)
    g_opt = torch.optim.SGD(G.parameters(), lr=0.1, momentum=0.5)
    bce = F.binary_cross_entropy_with_logits
    ones, zeros = torch.ones(M, 1, device=dev), torch.zeros(M, 1, device=dev)

    def noise():
        return (2 * torch.rand(M, 100, device=dev) - 1) * 3 ** 0.5

    def alternating(x):
        with torch.no_grad():
            fake = G(noise())
        logits = D(torch.cat([x, fake]))
        d_loss = bce(logits[:M], ones) + bce(logits[M:], zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = bce(D(G(noise())), ones)
        g_opt.zero_grad()
        g_loss.backward(inputs=list(G.parameters()))
        g_opt.step()

    def simultaneous(x):
        logits = D(torch.cat([x, G(noise())]))
        d_loss = 0.5 * (bce(logits[:M], ones) + bce(logits[M:], zeros))
        g_loss = bce(logits[M:], ones)
        d_opt.zero_grad()
        g_opt.zero_grad()
        g_loss.backward(retain_graph=True, inputs=list(G.parameters()))
        d_loss.backward(inputs=list(D.parameters()))
        d_opt.step()
        g_opt.step()

    return {"alternating": alternating, "simultaneous": simultaneous}[order]


def timing(cp, out, fake, updates, blocks):
    try:
        import torch
        torch = torch if torch.cuda.is_available() and not fake else None
    except ImportError:
        torch = None
    x_host = np.random.default_rng(1).uniform(0, 1, (M, 784)).astype(np.float32)
    runs = {}
    for order in ("alternating", "simultaneous"):
        gan = paper_gan("cupy", "float32")
        gan.update = order
        x = cp.asarray(x_host)
        runs[f"minigan cupy {order}"] = (lambda g=gan, x=x: g.step(x), cp.cuda.Device().synchronize)
        if torch:
            step = torch_update(paper_gan("numpy", "float32"), order, torch)
            x_t = torch.from_numpy(x_host).cuda()
            runs[f"pytorch cuda eager {order}"] = (lambda s=step, x=x_t: s(x), torch.cuda.synchronize)
    times = {name: [] for name in runs}
    for name, (step, sync) in runs.items():  # warm-up: kernel compiles, cuBLAS handles
        for _ in range(3):
            step()
        sync()
    for block in range(blocks):  # interleaved, the order rotating, so load changes fall on all
        names = list(runs)[block % len(runs):] + list(runs)[:block % len(runs)]
        for name in names:
            step, sync = runs[name]
            sync()
            t = time.perf_counter()
            for _ in range(updates):
                step()
            sync()
            times[name].append(1000 * (time.perf_counter() - t) / updates)
    lines = [f"ms per update, batch {M}, float32, paper MNIST model, median of {blocks} blocks of "
             f"{updates} updates" + (" (STAND-IN ON THE CPU: not GPU times)" if fake else "")]
    lines += [f"{name:34s} {statistics.median(t):8.2f}  (blocks: {', '.join(f'{v:.2f}' for v in t)})"
              for name, t in times.items()]
    if not torch:
        lines.append("pytorch cuda eager: SKIPPED (" + ("--fake" if fake else "no PyTorch with CUDA") + ")")
    (out / "timing.txt").write_text("\n".join(lines) + "\n")
    (out / "timing.json").write_text(json.dumps({k: statistics.median(v) for k, v in times.items()}, indent=1))
    return "PASS", "; ".join(f"{k} {statistics.median(v):.2f} ms" for k, v in times.items())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="gpu-check", help="folder for every result (default gpu-check)")
    p.add_argument("--fake", action="store_true", help="run on minigan.testing.fakecupy (a CPU rehearsal)")
    p.add_argument("--updates", type=int, help="updates per timing block (default 50; 3 with --fake)")
    p.add_argument("--blocks", type=int, help="timing blocks (default 7; 2 with --fake)")
    args = p.parse_args()
    if args.fake:
        os.environ["MINIGAN_FAKE_CUPY"] = "1"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    try:
        cp = mg.backend.get("cupy")
    except RuntimeError as err:
        (out / "summary.txt").write_text(f"FAIL cupy: {err}\n")
        print(f"FAIL cupy: {err}")
        return 1
    parts = [("versions", versions), ("probe", probe), ("pytest -m gpu", gpu_tests),
             ("whole step cupy = numpy (float64, 1e-10)", step_compare),
             ("ms per update", lambda cp, out, fake: timing(cp, out, fake, args.updates or (3 if fake else 50),
                                                            args.blocks or (2 if fake else 7)))]
    summary = []
    for name, part in parts:
        t = time.time()
        try:
            verdict, detail = part(cp, out, args.fake)
        except Exception:
            verdict, detail = "FAIL", traceback.format_exc().strip().splitlines()[-1]
            (out / f"error_{name.split()[0]}.txt").write_text(traceback.format_exc())
        summary.append(f"{verdict} {name}: {detail} ({time.time() - t:.0f} s)")
        print(summary[-1], flush=True)
    summary.append(f"total {time.time() - started:.0f} s" + (" (on the stand-in: --fake)" if args.fake else ""))
    (out / "summary.txt").write_text("\n".join(summary) + "\n")
    print(summary[-1])
    return 1 if any(line.startswith("FAIL") for line in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
