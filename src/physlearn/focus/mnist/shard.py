"""Workflow step: train every (optimizer, replicate, learning rate) network at one batch size.

    python -m physlearn.focus.mnist.shard --config JSON --data DATA.npz --batch B --output F.npz

Saves arrays of shape (optimizer, replicate, lr) -- ``test_loss``, ``test_accuracy`` and
``train_loss`` (the last mini-batch) -- with the learning rates and a JSON ``meta``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from physlearn import runtime, step
from physlearn.data.vision import load_dataset
from physlearn.focus.mnist.scan import MnistScan, train_batch_size


def _batch_option(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--batch", type=int, required=True)


def main(argv=None) -> None:
    args, cfg = step.parse(
        __doc__, section="focus_mnist", inputs=("data",), outputs=("output",), extra=_batch_option, argv=argv
    )
    section = cfg["focus_mnist"]
    log = step.logger()
    scan = MnistScan.from_config(section, cfg["seed"])
    device = runtime.pick_device(cfg["device"])
    data = load_dataset(args.data)
    n_models = len(scan.optimizers) * scan.replicates * len(scan.lr)
    log.info(
        f"{cfg['dataset']} batch {args.batch}: {n_models} networks ({len(scan.optimizers)} optimizers x "
        f"{scan.replicates} replicates x {len(scan.lr)} lr) x {scan.steps} steps on {device}"
    )
    started = time.perf_counter()
    arrays = train_batch_size(scan, data, args.batch, device, log)
    seconds = time.perf_counter() - started
    diverged = ~np.isfinite(arrays["test_loss"])
    log.info(f"batch {args.batch}: done in {seconds:.1f} s; {int(diverged.sum())} networks diverged (recorded)")
    meta = {
        "batch_size": args.batch,
        "optimizers": scan.optimizers,
        "dataset": cfg["dataset"],
        "steps": scan.steps,
        "replicates": scan.replicates,
        "seconds": round(seconds, 2),
        **runtime.provenance(),
    }
    runtime.save_npz(args.output, meta, lr=scan.lr, **arrays)


if __name__ == "__main__":
    main()
