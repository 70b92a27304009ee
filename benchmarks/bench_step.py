"""Time one update of the paper's MNIST model against the machine's GEMM limit and PyTorch.

    python benchmarks/bench_step.py [--repeats 9] [--steps 10]

For both update orders (``alternating``, Algorithm 1; ``simultaneous``, the paper's code and
``--preset paper``), batch 100, float32, NumPy backend:

* minigan's ``GAN.step``, in ms per update;
* the matrix products that update runs, and nothing else: the same shapes and memory layouts,
  timed on their own. Their FLOP count over their time is the sgemm rate at the model's shapes,
  and their time is the GEMM-bound limit: an update cannot be faster than its products.
  ``limit / update`` is the fraction of that limit reached;
* when PyTorch is importable (an optional benchmark dependency, never needed by minigan), the
  same networks and the same update in PyTorch's CPU eager mode, and the ratio minigan / PyTorch.

Everything runs in one process, in blocks of ``--steps`` updates, the kinds interleaved (their
order rotates every round) so that a change in the machine's load falls on all of them; each
number is the median over ``--repeats`` blocks. The load average is printed before and after.
Random data: the cost of an update does not depend on the pixels.
"""
import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import minigan as mg

M = 100          # minibatch size (the paper's)
ORDERS = ("alternating", "simultaneous")


# --- the matrix products of one update -------------------------------------------------------

def weights(net):
    """(n_in, n_out) of each weight matrix of a Sequential, input to output."""
    return [l.params["W"].shape for l in net.layers if "W" in l.params]


def forward_products(shapes, batch):
    """y = x @ W for each layer: (batch, n_in) @ (n_in, n_out)."""
    return [("x @ W", batch, n_in, n_out) for n_in, n_out in shapes]


def backward_products(shapes, batch, weights=True, data=False):
    """Output to input: dW = x.T @ dy for each layer (unless ``weights`` is False: D while G's loss
    passes through it), and dx = dy @ W.T for each layer but the first (unless ``data``: dx into
    the data or the noise is never needed). These are exactly the products minigan's backward runs
    (``requires_grad``, ``needs_input_grad``), and the ones PyTorch's autograd runs."""
    out = []
    for i, (n_in, n_out) in reversed(list(enumerate(shapes))):
        out += [("x.T @ dy", batch, n_in, n_out)] if weights else []
        out += [("dy @ W.T", batch, n_in, n_out)] if i > 0 or data else []
    return out


def update_products(G, D, order):
    """Every product of one GAN.step, in the order gan.py runs them."""
    g, d = weights(G), weights(D)
    if order == "alternating":   # D's update on 2m (real and fake as one batch), then G's on m
        return (forward_products(g, M) + forward_products(d, 2 * M) + backward_products(d, 2 * M)
                + forward_products(g, M) + forward_products(d, M)
                + backward_products(d, M, weights=False, data=True) + backward_products(g, M))
    # simultaneous: one pass of D over 2m, back-propagated twice (G's loss, then D's)
    return (forward_products(g, M) + forward_products(d, 2 * M)
            + backward_products(d, 2 * M, weights=False, data=True) + backward_products(g, M)
            + backward_products(d, 2 * M))


def flops(products):
    return sum(2 * batch * n_in * n_out for _, batch, n_in, n_out in products)


def gemm_runner(products, rng):
    """A function that runs exactly these products, with minigan's operand layouts (x and dy
    C-ordered, transposes as views), results allocated as minigan allocates them."""
    calls = []
    for kind, batch, n_in, n_out in products:
        x = rng.random((batch, n_in), dtype=np.float32)
        W = rng.random((n_in, n_out), dtype=np.float32)
        dy = rng.random((batch, n_out), dtype=np.float32)
        calls.append({"x @ W": (x, W), "x.T @ dy": (x.T, dy), "dy @ W.T": (dy, W.T)}[kind])

    def run():
        for a, b in calls:
            a @ b
    return run


# --- PyTorch: the same networks, the same update -----------------------------------------------

def torch_update(G_np, D_np, order, torch):
    """A function doing one update of the paper's model in PyTorch eager, from minigan's
    initial weights: Linear/ReLU/sigmoid G, dropout + maxout D, BCE on logits, SGD momentum 0.5
    (torch.optim.SGD: v = mu v + g, p -= lr v, the same cost as pylearn2's form)."""
    nn, F = torch.nn, torch.nn.functional

    def linear(layer):
        W, b = layer.params["W"], layer.params["b"]
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

    g, d = G_np.layers, D_np.layers
    G = nn.Sequential(linear(g[0]), nn.ReLU(), linear(g[2]), nn.ReLU(), linear(g[4]), nn.Sigmoid())
    D = nn.Sequential(nn.Dropout(d[0].p_drop), Maxout(d[1]), nn.Dropout(d[2].p_drop), Maxout(d[3]),
                      nn.Dropout(d[4].p_drop), linear(d[5]))
    d_opt = torch.optim.SGD(D.parameters(), lr=0.1, momentum=0.5)
    g_opt = torch.optim.SGD(G.parameters(), lr=0.1, momentum=0.5)
    bce = F.binary_cross_entropy_with_logits
    ones, zeros = torch.ones(M, 1), torch.zeros(M, 1)
    noise = lambda: (2 * torch.rand(M, 100) - 1) * 3 ** 0.5  # noqa: E731 (U(-sqrt 3, sqrt 3))

    def stats(logits):  # what GAN.step returns
        with torch.no_grad():
            return torch.sigmoid(logits[:M]).mean(), torch.sigmoid(logits[M:]).mean()

    def alternating(x):
        with torch.no_grad():
            fake = G(noise())
        logits = D(torch.cat([x, fake]))
        d_loss = bce(logits[:M], ones) + bce(logits[M:], zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        stats(logits)
        g_loss = bce(D(G(noise())), ones)
        g_opt.zero_grad()
        g_loss.backward(inputs=list(G.parameters()))  # not D's: the same products as minigan
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
        stats(logits)

    return {"alternating": alternating, "simultaneous": simultaneous}[order]


# --- the machine ---------------------------------------------------------------------------------

def machine(torch):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [f"{datetime.datetime.now():%Y-%m-%d %H:%M}  {platform.platform()}",
             f"{cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
             f"NumPy {np.__version__}, minigan {mg.__version__}"
             + (f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)" if torch
                else ", PyTorch not installed")]
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
           if k in os.environ}
    lines.append(f"thread variables: {env or 'none set'}")
    try:
        from threadpoolctl import threadpool_info
        for p in threadpool_info():
            lines.append(f"thread pool: {p['internal_api']} {p.get('version')} "
                         f"({os.path.basename(p['filepath'])}), {p['num_threads']} threads")
    except ImportError:
        lines.append("thread pools: threadpoolctl not installed")
    return lines


def load():
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- the benchmark -------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=9, help="blocks per kind (median over them)")
    p.add_argument("--steps", type=int, default=10, help="updates per block")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    torch = None if args.no_torch else torch

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (M, 784)).astype(np.float32)
    kinds, products = {}, {}
    for order in ORDERS:
        G, D = mg.models.paper_mnist(seed=0)
        gan = mg.gan.GAN(G, D, 100, update=order)
        kinds[f"minigan {order}"] = lambda gan=gan: gan.step(x)
        products[order] = update_products(G, D, order)
        kinds[f"GEMMs {order}"] = gemm_runner(products[order], rng)
        if torch:
            step, x_t = torch_update(G, D, order, torch), torch.from_numpy(x)
            kinds[f"PyTorch {order}"] = lambda step=step: step(x_t)

    for line in machine(torch):
        print(line)
    print(f"before: {load()}")
    for run in kinds.values():  # warm-up: thread pools, allocator, PyTorch's first calls
        for _ in range(3):
            run()
    times = {k: [] for k in kinds}
    names = list(kinds)
    for r in range(args.repeats):
        for k in names[r % len(names):] + names[:r % len(names)]:  # rotate the order each round
            start = time.perf_counter()
            for _ in range(args.steps):
                kinds[k]()
            times[k].append((time.perf_counter() - start) / args.steps)
    print(f"after:  {load()}")
    print(f"median of {args.repeats} interleaved blocks of {args.steps} updates, batch {M}, float32")

    for order in ORDERS:
        t = {k.split()[0]: statistics.median(v) for k, v in times.items() if k.endswith(order)}
        f = flops(products[order])
        print(f"\n{order} update: {len(products[order])} matrix products, {f / 1e9:.3f} GFLOP")
        print(f"  minigan          {t['minigan'] * 1e3:7.1f} ms   "
              f"(blocks: {', '.join(f'{s * 1e3:.1f}' for s in times[f'minigan {order}'])})")
        print(f"  its GEMMs alone  {t['GEMMs'] * 1e3:7.1f} ms   sgemm at these shapes: "
              f"{f / t['GEMMs'] / 1e9:.0f} GFLOP/s")
        print(f"  fraction of the GEMM-bound limit: {t['GEMMs'] / t['minigan']:.0%}")
        if torch:
            print(f"  PyTorch eager    {t['PyTorch'] * 1e3:7.1f} ms   "
                  f"(blocks: {', '.join(f'{s * 1e3:.1f}' for s in times[f'PyTorch {order}'])})")
            print(f"  minigan / PyTorch: {t['minigan'] / t['PyTorch']:.2f}")


if __name__ == "__main__":
    main()
