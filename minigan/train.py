"""Train a GAN on images from the command line: Algorithm 1 with a command line around it.

    python -m minigan.train --preset paper --dataset mnist --epochs 100 --out runs/mnist
    python -m minigan.train --preset paper --backend cupy --epochs 300      # on a GPU

Reads top to bottom: arguments, data, model, loop, checkpoint. Every epoch writes
``OUT/metrics.jsonl`` (one JSON line), ``OUT/samples/epoch_NNNN.png`` (a fixed noise batch)
and ``OUT/checkpoint.npz``; Ctrl-C saves a checkpoint too, and ``--resume`` continues a run
bit-identically on the NumPy backend.
"""
import argparse
import json
import math
import signal
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import backend, checkpoint, data, figures, models
from .gan import GAN, NOISE, OBJECTIVES, UPDATES
from .optim import SGD, ExponentialDecay, LinearRamp

# Defaults: the paper's hyperparameters with Algorithm 1's alternating update and the
# non-saturating generator objective that Section 3 recommends in practice.
DEFAULTS = dict(dataset="mnist", backend="numpy", epochs=25, batch_size=100, k=1,
                lr=0.1, lr_decay=1.000004, lr_floor=1e-6, momentum=0.5, final_momentum=0.7,
                momentum_saturate=250, g_objective="non-saturating", update="alternating",
                noise="uniform", seed=0, dtype="float32", subset=None)

# What the paper's public code ran for MNIST (shared/PAPER_FACTS.md; goodfeli/adversarial,
# mnist.yaml): the architecture and initialisation are those of minigan.models.paper_mnist.
PRESETS = {"paper": dict(batch_size=100, k=1, lr=0.1, lr_decay=1.000004, lr_floor=1e-6,
                         momentum=0.5, final_momentum=0.7, momentum_saturate=250,
                         g_objective="non-saturating", update="simultaneous", noise="uniform")}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m minigan.train", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[0],
        epilog="--preset paper sets what the paper's public code ran on MNIST "
               "(goodfeli/adversarial, mnist.yaml): batch 100, k=1, the SIMULTANEOUS update "
               "with 0.5 on D's loss, non-saturating G loss, z ~ U(-sqrt3, sqrt3)^100, "
               "momentum SGD with lr 0.1 divided by 1.000004 every update (floor 1e-6) and "
               "momentum 0.5 -> 0.7 linearly over epochs 1..250. The networks (G 100-1200-1200-784, "
               "D maxout 240x5 x2 with dropout 0.2/0.5/0.5) are the paper's for every run. "
               "Flags given explicitly override the preset. Data: --data-dir, else "
               "$MINIGAN_DATA_DIR, else ~/.cache/minigan (downloaded if missing).")
    a = p.add_argument
    a("--preset", choices=sorted(PRESETS), help="start from the paper's hyperparameters")
    a("--dataset", choices=["mnist", "fashion-mnist", "cifar10"], help="default mnist")
    a("--data-dir", help="folder with mnist/, fashion-mnist/, cifar10/ (see minigan.data)")
    a("--backend", choices=["numpy", "cupy"], help="numpy (CPU, default) or cupy (GPU)")
    a("--epochs", type=int, help="train until this epoch (default 25)")
    a("--batch-size", type=int, help="minibatch size m (default 100)")
    a("--k", type=int, help="discriminator updates per generator update (default 1)")
    a("--lr", type=float, help="initial learning rate of both nets (default 0.1)")
    a("--lr-decay", type=float, help="lr is divided by this after every update (default 1.000004)")
    a("--lr-floor", type=float, help="smallest learning rate (default 1e-6)")
    a("--momentum", type=float, help="momentum at epoch 1 (default 0.5; 0 = plain SGD)")
    a("--final-momentum", type=float, help="momentum from --momentum-saturate on (default 0.7)")
    a("--momentum-saturate", type=int, help="epoch where the momentum ramp ends (default 250)")
    a("--g-objective", choices=OBJECTIVES, help="generator loss (default non-saturating)")
    a("--update", choices=UPDATES, help="alternating (Algorithm 1, default) or simultaneous")
    a("--noise", choices=NOISE, help="z prior: uniform U(-sqrt3, sqrt3) (default) or gaussian")
    a("--seed", type=int, help="seed of everything random (default 0)")
    a("--dtype", choices=["float32", "float64"], help="default float32")
    a("--subset", type=int, help="train on the first N training images only (quick runs)")
    a("--out", default="runs/latest", help="output folder (default runs/latest)")
    a("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    a("--log-every", type=int, default=50, help="updates between progress-bar/NaN checks")
    return p.parse_args(argv)


def make_config(args):
    """Defaults, overridden by the preset, overridden by flags given explicitly."""
    config = dict(DEFAULTS, **PRESETS.get(args.preset, {}))
    config.update({k: v for k, v in vars(args).items() if k in DEFAULTS and v is not None})
    return config


def build_gan(config, mean_image=None):
    """The paper's networks and Algorithm 1's trainer for ``config`` (a dict as in DEFAULTS)."""
    kwargs = dict(mean_image=mean_image, seed=config["seed"], backend=config["backend"],
                  dtype=config["dtype"])
    G, D = models.paper_cifar10(**kwargs) if config["dataset"] == "cifar10" else models.paper_mnist(**kwargs)
    return GAN(G, D, z_dim=100, k=config["k"], noise=config["noise"],
               objective=config["g_objective"], update=config["update"],
               d_optimizer=SGD(D, config["lr"], config["momentum"]),
               g_optimizer=SGD(G, config["lr"], config["momentum"]), seed=config["seed"])


def load_images(name, split, data_dir=None):
    """``data.load(...)[0]``, or exit with its message (what is missing, what to do) for a command line."""
    try:
        return data.load(name, split, data_dir)[0]
    except (data.DownloadError, FileNotFoundError, ValueError) as err:
        sys.exit(f"cannot load {name} ({split}): {err}")


def reseed(gan, seed, *position):
    """Fresh generators for noise and dropout from ``SeedSequence([seed, *position])``: a
    position in the run fixes every random draw, so a run can resume anywhere."""
    holders = checkpoint.random_holders(gan)
    seeds = np.random.SeedSequence([seed, *position]).spawn(len(holders))
    for h, s in zip(holders, seeds):
        h.rng = backend.default_rng(s, gan.xp)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.out)
    ckpt_path = out / "checkpoint.npz"
    if args.resume:
        if not ckpt_path.exists():
            sys.exit(f"--resume: no checkpoint at {ckpt_path}; start without --resume")
        config, state = checkpoint.read(ckpt_path)
        if args.epochs is not None:
            config["epochs"] = args.epochs
    else:
        if ckpt_path.exists():
            sys.exit(f"{ckpt_path} exists: pass --resume to continue that run, or choose "
                     "another --out")
        config, state = make_config(args), dict(epoch=0, batch=0, step=0)
    xp = backend.get(config["backend"])

    # Data: the paper's split, training part only (validation and test are for minigan.evaluate).
    x_host = load_images(config["dataset"], "train", args.data_dir)[:config["subset"]]
    x_train = xp.asarray(x_host.astype(config["dtype"]))
    per_step = config["batch_size"] * config["k"]  # k minibatches of m for one step
    n_batches = len(x_host) // per_step
    if n_batches == 0:
        sys.exit(f"{len(x_host)} training images are fewer than one step's "
                 f"k * batch_size = {per_step}")

    # Model, schedules, and a fixed noise batch whose samples we watch improve.
    gan = build_gan(config, mean_image=x_host.mean(axis=0))
    reseed(gan, config["seed"], 0)  # epochs count from 1: position 0 is the fixed noise's own
    z_fixed = gan.noise(100)
    if args.resume:
        state = checkpoint.restore(ckpt_path, gan)
    lr_at = ExponentialDecay(config["lr"], config["lr_decay"], config["lr_floor"])
    momentum_at = LinearRamp(config["momentum"], config["final_momentum"], config["momentum_saturate"])
    (out / "samples").mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2))

    interrupted = []
    previous_handler = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    epoch, step, start_batch = state["epoch"] + 1, state["step"], state["batch"]
    started = time.time()
    try:
        while epoch <= config["epochs"]:
            order = np.random.default_rng([config["seed"], epoch]).permutation(len(x_host))
            order = xp.asarray(order[:n_batches * per_step])
            if start_batch and "rng_states" not in state:  # CuPy: resume draws anew here
                reseed(gan, config["seed"], epoch, start_batch)
            elif not start_batch:
                reseed(gan, config["seed"], epoch)
            for opt in (gan.d_optimizer, gan.g_optimizer):
                opt.momentum = momentum_at(epoch)
            sums = {}
            bar = tqdm(range(start_batch, n_batches), desc=f"epoch {epoch}/{config['epochs']}",
                       initial=start_batch, total=n_batches, unit="step", dynamic_ncols=True)
            for batch in bar:
                for opt in (gan.d_optimizer, gan.g_optimizer):
                    opt.lr = lr_at(step)
                stats = gan.step(x_train[order[batch * per_step:(batch + 1) * per_step]])
                step += 1
                sums = {k: sums.get(k, 0) + v for k, v in stats.items()}
                if step % args.log_every == 0 or batch == n_batches - 1:
                    shown = {k: float(v) for k, v in stats.items()}  # waits for the GPU
                    if not all(map(math.isfinite, shown.values())):
                        bar.close()
                        sys.exit(f"non-finite loss at epoch {epoch}, update {step}: {shown}. "
                                 f"Training stopped; the last good checkpoint {ckpt_path} is "
                                 "intact. Try a smaller --lr, --dtype float64, or "
                                 "--g-objective non-saturating.")
                    bar.set_postfix({"D": f"{shown['d_loss']:.3f}", "G": f"{shown['g_loss']:.3f}",
                                     "D(x)": f"{shown['d_real']:.2f}", "D(G(z))": f"{shown['d_fake']:.2f}"})
                if interrupted:
                    checkpoint.save(ckpt_path, gan, config, dict(epoch=epoch - 1, batch=batch + 1, step=step))
                    bar.close()
                    sys.exit(f"\ninterrupted in epoch {epoch} after update {step}: saved "
                             f"{ckpt_path}; continue with --resume --out {out}")
            bar.close()
            done = n_batches - start_batch
            metrics = {"epoch": epoch, "step": step, **{k: float(v) / done for k, v in sums.items()},
                       "lr": lr_at(step - 1), "momentum": momentum_at(epoch),
                       "seconds": round(time.time() - started, 2)}
            with open(out / "metrics.jsonl", "a") as f:
                f.write(json.dumps(metrics) + "\n")
            figures.save_grid(gan.G.forward(z_fixed, train=False), out / "samples" / f"epoch_{epoch:04d}.png",
                              title=f"{config['dataset']}, epoch {epoch}")
            checkpoint.save(ckpt_path, gan, config, dict(epoch=epoch, batch=0, step=step))
            state, start_batch, epoch = {}, 0, epoch + 1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    print(f"done: {config['dataset']} to epoch {config['epochs']}, {step} updates, "
          f"{time.time() - started:.0f} s this session; samples in {out / 'samples'}, "
          f"checkpoint {ckpt_path}")


if __name__ == "__main__":
    main()
