"""Train a GAN on images from the command line: Algorithm 1 with a command line around it.

    python -m minigan.train --preset paper --dataset mnist --epochs 100 --out runs/mnist
    python -m minigan.train --preset paper --backend cupy --epochs 300      # on a GPU
    python -m minigan.train --preset mirza --epochs 100 --out runs/cgan     # conditional (Section 7)

Reads top to bottom: arguments, data, model, loop (:func:`minigan.training.steps`), checkpoint.
Every epoch writes ``OUT/metrics.jsonl`` (one JSON line, with what the classifier of
:mod:`minigan.metrics` sees in 2,000 samples: classes covered, class KL, score, FID),
``OUT/samples/epoch_NNNN.png`` (a fixed noise batch), ``OUT/curves.png`` (the learning curves) and
``OUT/checkpoint.npz``, and warns in words when the run is in trouble (:func:`trouble`); every
``--valid-every`` epochs G is scored on the validation split (Table 1's Parzen protocol) and the
best checkpoint so far is kept as ``OUT/best.npz``. Ctrl-C saves a checkpoint after the current
update, and ``--resume`` continues the run bit-identically on the NumPy backend.
"""
import argparse
import json
import signal
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import backend, checkpoint, cli, data, figures, metrics, models, parzen, rng, training
from .gan import NOISE, OBJECTIVES, UPDATES
from .optim import ExponentialDecay, LinearRamp

# Defaults: the paper's hyperparameters (docs/PAPER.md) with Algorithm 1's alternating update
# and the non-saturating generator objective that Section 3 recommends in practice.
DEFAULTS = dict(dataset="mnist", backend="numpy", epochs=25, batch_size=100, k=1,
                lr=0.1, lr_decay=1.000004, lr_floor=1e-6, momentum=0.5, final_momentum=0.7,
                momentum_saturate=250, g_objective="non-saturating", update="alternating",
                noise="uniform", seed=0, dtype="float32", subset=None, conditional=False)

# What differs from DEFAULTS in the paper's public code for MNIST (goodfeli/adversarial,
# mnist.yaml): one simultaneous update of both nets, with 0.5 on D's loss.
# "first-run": the README's first command, chosen by benchmarks/bench_first_run.py (issue 17): the
# paper's networks and schedules with Algorithm 1's alternating update and batch 50 (twice the updates
# per epoch), which draws all ten digits in balance where "paper" may not (benchmarks/RESULTS.md).
PRESETS = {"paper": dict(update="simultaneous"),
           "first-run": dict(update="alternating", batch_size=50),
           # Mirza & Osindero (2014), the conditional GAN of Section 7 (models.mirza_mnist): lr 0.1
           # divided by 1.00004 every update (ten times the paper's decay) down to 1e-6, momentum
           # 0.5 -> 0.7 (their ramp's length is not given: the paper's 250 epochs), batch 100,
           # dropout 0.5 in both nets, checkpoint chosen on validation (best.npz).
           "mirza": dict(conditional=True, lr_decay=1.00004)}

# Flags that may change when a run is resumed; every other setting is the checkpoint's.
RESUMABLE = ("epochs", "backend")
VALID_SAMPLES = 10_000  # generator samples for the validation score, as Table 1's protocol
QUALITY_SAMPLES = 2_000  # generator samples the classifier reads every epoch: ~0.4 s on 2 cores


def parse_args(argv=None):
    d = DEFAULTS
    p = argparse.ArgumentParser(
        prog="python -m minigan.train", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[0],
        epilog="--preset paper sets what the paper's public code ran on MNIST (goodfeli/"
               "adversarial, mnist.yaml): " + ", ".join(f"--{k.replace('_', '-')} {v}"
                                                       for k, v in PRESETS["paper"].items())
               + " (with 0.5 on D's loss). --preset first-run (the README's first command) sets "
               + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in PRESETS["first-run"].items())
               + f"; the other defaults are already the paper's: batch "
               f"{d['batch_size']}, k={d['k']}, {d['g_objective']} G loss, {d['noise']} z in "
               f"(-sqrt3, sqrt3), lr {d['lr']} divided by {d['lr_decay']} every update (floor "
               f"{d['lr_floor']:g}), momentum {d['momentum']} -> {d['final_momentum']} over "
               f"epochs 1..{d['momentum_saturate']}. The networks (G 100-1200-1200-784, D maxout "
               "240x5 x2 with dropout 0.2/0.5/0.5) are the paper's for every run. Flags given "
               "explicitly override the preset.\n\n--preset mirza (or --conditional) trains Mirza & "
               "Osindero's conditional GAN, G(z | y) and D(x | y) with the digit's label y, with their "
               "lr decay 1.00004; validation and sample grids then hold 1,000 / 10 samples per class."
               "\n\n--resume continues OUT/checkpoint.npz with "
               "the checkpoint's settings; only --epochs, --backend, --log-every, --valid-every and "
               "--data-dir may be given with it (any other flag that differs is refused).\n\nData: "
               "--data-dir, else $MINIGAN_DATA_DIR, else ~/.cache/minigan (downloaded if missing).")
    a = p.add_argument
    a("--preset", choices=sorted(PRESETS),
      help="paper: the paper's code (Table 1); first-run: a recipe that draws all ten digits in "
           "minutes (the README's first command); mirza: Mirza & Osindero's "
           "conditional GAN (Section 7)")
    a("--dataset", choices=data.NAMES, help=f"default {d['dataset']}")
    a("--data-dir", help="folder with mnist/, fashion-mnist/, cifar10/ (see minigan.data)")
    a("--backend", choices=["numpy", "cupy"], help="numpy (CPU, default) or cupy (GPU)")
    a("--epochs", type=cli.integer(1), help=f"train until this epoch (default {d['epochs']})")
    a("--batch-size", type=cli.integer(1), help=f"minibatch size m (default {d['batch_size']})")
    a("--k", type=cli.integer(1), help=f"D updates per G update (default {d['k']})")
    a("--lr", type=cli.real(0, low_open=True), help=f"initial learning rate (default {d['lr']})")
    a("--lr-decay", type=cli.real(1), help=f"lr is divided by this every update (default {d['lr_decay']})")
    a("--lr-floor", type=cli.real(0), help=f"smallest learning rate (default {d['lr_floor']:g})")
    a("--momentum", type=cli.real(0, 1, high_open=True),
      help=f"momentum at epoch 1 (default {d['momentum']}; 0 = plain SGD)")
    a("--final-momentum", type=cli.real(0, 1, high_open=True),
      help=f"momentum from --momentum-saturate on (default {d['final_momentum']})")
    a("--momentum-saturate", type=cli.integer(1),
      help=f"epoch where the momentum ramp ends (default {d['momentum_saturate']})")
    a("--g-objective", choices=OBJECTIVES, help=f"generator loss (default {d['g_objective']})")
    a("--update", choices=UPDATES, help=f"alternating (Algorithm 1, default) or simultaneous")
    a("--noise", choices=NOISE, help=f"z prior: uniform U(-sqrt3, sqrt3) (default) or gaussian")
    a("--seed", type=cli.integer(0), help=f"seed of everything random (default {d['seed']})")
    a("--dtype", choices=["float32", "float64"], help=f"default {d['dtype']}")
    a("--subset", type=cli.integer(1), help="train on the first N training images only (quick runs)")
    a("--conditional", action="store_true", default=None,
      help="condition both nets on the label (Mirza & Osindero's networks; mnist, fashion-mnist)")
    a("--out", default="runs/latest", help="output folder (default runs/latest)")
    a("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    a("--log-every", type=cli.integer(1), default=50,
      help="updates between progress-bar updates and NaN checks (default 50)")
    a("--valid-every", type=cli.integer(0), default=5,
      help="every N epochs, score G on the validation split with the paper's Parzen protocol "
           f"({VALID_SAMPLES:,} samples, sigma chosen on the first 1,000 validation images) and "
           "keep the best checkpoint as OUT/best.npz; the test set is never used (default 5; 0 = never)")
    return p.parse_args(argv)


def make_config(args):
    """Defaults, overridden by the preset, overridden by flags given explicitly."""
    config = dict(DEFAULTS, **PRESETS.get(args.preset, {}))
    config.update({k: v for k, v in vars(args).items() if k in DEFAULTS and v is not None})
    return config


def resumed_config(args, saved, path="the checkpoint"):
    """The checkpoint's configuration, with only the RESUMABLE flags taken from ``args``; any
    other flag given with a different value is refused, naming both values."""
    explicit = {k: v for k, v in vars(args).items() if k in DEFAULTS and v is not None}
    asked = dict(PRESETS.get(args.preset, {}), **explicit)
    for k, v in asked.items():
        if k not in RESUMABLE and k in saved and saved[k] != v:
            source = "" if k in explicit else f" (set by --preset {args.preset})"
            raise cli.Failure(
                f"--resume: --{k.replace('_', '-')} {v}{source} conflicts with the checkpoint's "
                f"{saved[k]}. A resumed run keeps its settings; only --epochs, --backend, "
                "--log-every, --valid-every and --data-dir may change. Drop the flag, or start a new run "
                "with another --out.")
    config = dict(saved, **{k: asked[k] for k in RESUMABLE if k in asked})
    config.setdefault("conditional", False)  # checkpoints from before conditional GANs
    missing = set(DEFAULTS) - set(config)
    if missing:
        raise cli.Failure(f"--resume: {path}: its configuration lacks {sorted(missing)}; it was "
                          "not written by this version of minigan.train. Start a new run with another --out.")
    return config


def main(argv=None):
    """The command line; a user's mistake ends with one message and exit status 2."""
    return cli.run("python -m minigan.train", _main, argv)


def _main(argv):
    args = parse_args(argv)
    out = Path(args.out)
    ckpt_path = out / "checkpoint.npz"
    if args.resume:
        if not ckpt_path.is_file():
            raise cli.Failure(f"--resume: no checkpoint at {ckpt_path}; start without --resume")
        saved, state = checkpoint.read(ckpt_path)
        config = resumed_config(args, saved, ckpt_path)
        if config["epochs"] <= state["epoch"]:
            raise cli.Failure(f"--resume: {ckpt_path} has already trained {state['epoch']} epochs; "
                              f"pass --epochs greater than {state['epoch']} to train on")
    else:
        if ckpt_path.exists():
            raise cli.Failure(f"{ckpt_path} exists: pass --resume to continue that run, or "
                              "choose another --out")
        config, state = make_config(args), dict(epoch=0, batch=0, step=0)
    if config["conditional"] and config["dataset"] == "cifar10":
        raise cli.Failure("--conditional: Mirza & Osindero's nets are for 28x28 images; use "
                          "--dataset mnist or fashion-mnist")
    cli.output_folder(out / "samples")  # before any work: a bad --out fails now, not in an hour
    xp = backend.get(config["backend"])

    # Data: the paper's split, training part only (validation and test are for minigan.evaluate).
    x_host, y_host = data.load(config["dataset"], "train", args.data_dir)
    if config["subset"] is not None and config["subset"] > len(x_host):
        raise cli.Failure(f"--subset {config['subset']}: {config['dataset']} has only "
                          f"{len(x_host)} training images")
    x_host, y_host = x_host[:config["subset"]], y_host[:config["subset"]]
    y_host = y_host if config["conditional"] else None  # labels only for a conditional GAN
    if args.valid_every:  # the first 1,000 validation images: sigma is chosen on these, as Table 1
        x_valid = xp.asarray(data.load(config["dataset"], "valid", args.data_dir)[0][:parzen.N_VALID])
    if len(x_host) < config["batch_size"] * config["k"]:
        raise cli.Failure(f"{len(x_host)} training images are fewer than one update's "
                          f"k * batch size = {config['k'] * config['batch_size']}")

    # Model, schedules, and a fixed noise batch whose samples we watch improve.
    gan = models.build(config, mean_image=x_host.mean(axis=0))
    z_fixed = gan.noise(100, backend.default_rng(np.random.SeedSequence([config["seed"], 0]), xp))
    y_fixed = gan.class_rows(10)  # conditional: one row of the grid per class
    if args.resume:
        state = checkpoint.restore(ckpt_path, gan)
        if state["batch"] and (xp is not np or not state.get("rng_states")):  # CuPy: no states
            rng.reseed(gan, config["seed"], state["epoch"] + 1, state["batch"])
    lr_at = ExponentialDecay(config["lr"], config["lr_decay"], config["lr_floor"])
    momentum_at = LinearRamp(config["momentum"], config["final_momentum"], config["momentum_saturate"])
    (out / "config.json").write_text(json.dumps(config, indent=2))
    if not metrics.available(config["dataset"]):
        tqdm.write(f"note: sample metrics (classes covered, FID) are not available for {config['dataset']}: "
                   f"minigan has a classifier only for {', '.join(metrics.DATASETS)}")
    history = [json.loads(line) for line in open(out / "metrics.jsonl")] if args.resume and \
        (out / "metrics.jsonl").is_file() else []

    interrupted = []
    previous_handler = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    started, step = time.time(), state["step"]
    last_saved = state["step"] if args.resume else None  # the update the file on disk holds
    again = f"--resume --out {out}" + (f" --data-dir {args.data_dir}" if args.data_dir else "")
    bar, best = None, state.get("best_valid")
    try:
        for r in training.steps(gan, x_host, config["epochs"], config["batch_size"], lr_at,
                                momentum_at, config["seed"], state, args.log_every, y_host):
            if bar is None:  # disable=None: no bar when stderr is not a terminal (a log file)
                bar = tqdm(total=r["batches"], initial=r["batch"] - 1, unit="step", disable=None,
                           desc=f"epoch {r['epoch']}/{config['epochs']}", dynamic_ncols=True)
            bar.update()
            step = r["step"]
            if step % args.log_every == 0:
                bar.set_postfix({"D": f"{float(r['d_loss']):.3f}", "G": f"{float(r['g_loss']):.3f}",
                                 "D(x)": f"{float(r['d_real']):.2f}", "D(G(z))": f"{float(r['d_fake']):.2f}"})
            if "means" in r:  # the end of an epoch: metrics, checkpoint, grid
                bar.close()
                bar, improved = None, False
                record = {"epoch": r["epoch"], "step": step, **r["means"], "lr": r["lr"],
                          "momentum": r["momentum"], "seconds": round(time.time() - started, 2)}
                if metrics.available(config["dataset"]):
                    record.update(quality(gan, config))
                if args.valid_every and r["epoch"] % args.valid_every == 0:
                    record.update(validate(gan, x_valid, config["seed"]))
                    improved = best is None or record["valid_ll"] > best
                    best = record["valid_ll"] if improved else best
                position = dict(training.position(r), best_valid=best)
                checkpoint.save(ckpt_path, gan, config, position)
                last_saved = step
                if improved:
                    checkpoint.save(out / "best.npz", gan, config, position)
                history.append(record)
                record["trouble"] = trouble(history, config)
                report(out, history, gan.sample(z=z_fixed, y=y_fixed), config, improved)
            if interrupted:  # Ctrl-C: save after this update (unless the epoch end just did)
                if bar is not None:
                    bar.close()
                if last_saved != step:
                    try:
                        checkpoint.save(ckpt_path, gan, config, dict(training.position(r), best_valid=best))
                    except checkpoint.CheckpointError as err:
                        raise cli.Interrupted(
                            f"\ninterrupted in epoch {r['epoch']} after update {step}, but the "
                            f"run had diverged since its last check ({err}). "
                            f"{_kept(ckpt_path, last_saved)}") from None
                raise cli.Interrupted(f"\ninterrupted in epoch {r['epoch']} after update {step}: "
                                  f"saved {ckpt_path}; continue with {again}")
    except (training.Diverged, checkpoint.CheckpointError) as err:
        if bar is not None:
            bar.close()
        hint = " or --g-objective non-saturating" if config["g_objective"] == "minimax" else ""
        raise cli.Failure(f"{err}. Training stopped. {_kept(ckpt_path, last_saved)} Try a "
                          f"smaller --lr, --dtype float64{hint}.") from None
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    print(f"done: {config['dataset']} to epoch {config['epochs']}, {step} updates, "
          f"{time.time() - started:.0f} s this session; samples in {out / 'samples'}, "
          f"checkpoint {ckpt_path}")


def validate(gan, x_valid, seed):
    """Table 1's score on the validation images: VALID_SAMPLES samples of G (from their own
    noise, not the training stream), sigma chosen on ``x_valid``; the best mean log-likelihood.
    A conditional G draws VALID_SAMPLES / 10 samples per class, Mirza & Osindero's protocol."""
    clock = time.time()
    samples = gan.sample(VALID_SAMPLES, seed=seed).astype(x_valid.dtype)
    sigma, scores = parzen.select_sigma(x_valid, samples, progress=False)
    return dict(valid_ll=float(scores.max()), valid_sigma=sigma, valid_seconds=round(time.time() - clock, 2))


def quality(gan, config):
    """What the classifier of :mod:`minigan.metrics` sees in QUALITY_SAMPLES samples of G (from their
    own noise, not the training stream): classes covered, class KL, score, FID (of 2,000 samples, so
    higher than the 10,000-sample FID of ``minigan.evaluate``), the class histogram."""
    q = metrics.sample_quality(gan.sample(QUALITY_SAMPLES, seed=config["seed"]), config["dataset"])
    return {"classes_covered": q["classes_covered"], "class_kl": round(q["class_kl"], 4),
            "score": round(q["score"], 3), "fid": round(q["fid"], 2), "class_histogram": q["class_histogram"]}


D_HAS_WON = 0.02  # a mean D(G(z)) below this over a whole epoch: D rejects (nearly) every sample
FEW_CLASSES = 8   # fewer classes covered than this, from epoch 3 on and not rising: G draws some digits only


def trouble(history, config=None):
    """Warnings, in a student's words with what to try, from the records of the epochs so far (the last
    is the current one; dicts with ``d_fake``, ``g_loss`` and, where measured, ``classes_covered``).
    Empty when the run looks healthy. Never stops the run: a GAN can recover. ``config`` (the run's
    settings) keeps the advice from suggesting the recipe the run already uses.

    Few classes are a verdict only from epoch 3 and while the count is not rising: the first command's
    healthy runs cover 5-10 classes at epoch 2 and, once, 7 at epoch 3 on the way to 10
    (benchmarks/RESULTS.md, "Does a healthy first run warn?")."""
    now, low = history[-1], min(history[:-1], key=lambda m: m["g_loss"], default=None)
    before = history[-2] if len(history) > 1 else {}
    try_this = _what_to_try(config or {})
    found = []
    if now["d_fake"] < D_HAS_WON and low is not None and now["g_loss"] > low["g_loss"]:
        found.append(
            f"D has won: D(G(z)) averaged {now['d_fake']:.3f} over epoch {now['epoch']} and G's loss has climbed "
            f"from {low['g_loss']:.2f} (epoch {low['epoch']}) to {now['g_loss']:.2f}. D rejects every sample, so G "
            f"learns little from it and often collapses to one shape. Try {try_this}.")
    covered = now.get("classes_covered", 10)
    if covered < FEW_CLASSES and now["epoch"] >= 3 and covered <= before.get("classes_covered", 0):
        found.append(
            f"the samples cover only {covered} of 10 classes (class KL {now['class_kl']:.2f}; "
            "0 is balanced): G draws some digits and not others (mode collapse). Look at the sample grid; "
            f"train a few more epochs, and if it stays, try {try_this}.")
    return found


def _what_to_try(config):
    """What to change, in flags; the first command's recipe is not suggested to a run that uses it,
    and a run on the minimax loss is first pointed to the one Section 3 recommends."""
    if all(config.get(k) == v for k, v in PRESETS["first-run"].items()):
        advice = "a smaller --lr (0.05) or another --seed"
    else:
        advice = ("Algorithm 1's alternating update with more, smaller batches (--preset first-run), a "
                  "smaller --lr (0.05), or another --seed")
    if config.get("g_objective") == "minimax":   # log(1 - D(G(z))) saturates once D rejects the samples
        advice = f"G's non-saturating loss (--g-objective non-saturating, Section 3), {advice}"
    return advice


def report(out, history, grid, config, improved):
    """The epoch's record (the last of ``history``, every epoch's record so far, as metrics.jsonl holds
    them): a line in metrics.jsonl and on the screen, the sample grid, the curves."""
    record = history[-1]
    with open(out / "metrics.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
    figures.save_grid(grid, out / "samples" / f"epoch_{record['epoch']:04d}.png",
                      title=f"{config['dataset']}, epoch {record['epoch']}")
    figures.curves(history, out / "curves.png")
    scored = (f", validation {record['valid_ll']:.1f} nats" + (" (best)" if improved else "")
              if "valid_ll" in record else "")
    seen = (f", {record['classes_covered']} classes (KL {record['class_kl']:.2f}), FID {record['fid']:.1f}"
            if "fid" in record else "")
    tqdm.write(f"epoch {record['epoch']}/{config['epochs']}: D loss {record['d_loss']:.3f}, "
               f"G loss {record['g_loss']:.3f}, D(x) {record['d_real']:.2f}, "
               f"D(G(z)) {record['d_fake']:.2f}{seen}{scored}, {record['seconds']:.0f} s")
    for warning in record.get("trouble", []):
        tqdm.write(f"warning: {warning}")


def _kept(ckpt_path, step):
    """What is left on disk after a failure, truthfully."""
    if step is None:
        return "No checkpoint was written: the run failed before the end of its first epoch."
    return f"The last good checkpoint, {ckpt_path} (after update {step}), is kept unchanged."


if __name__ == "__main__":
    main()
