"""Workflow step: train every (optimizer, replicate, learning rate) network at one batch size.

    python -m physlearn.focus.mnist.shard --config JSON --data DATA.npz --batch B --output F.npz

Saves arrays of shape (optimizer, replicate, lr) -- ``test_loss``, ``test_accuracy`` and
``train_loss`` (the last mini-batch) -- with the learning rates and a JSON ``meta``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from physlearn import runtime
from physlearn.data.vision import load_dataset
from physlearn.focus.mnist.scan import MnistScan, train_batch_size


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True, help="JSON: seed, device, data.vision.source, focus_mnist")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)

    cfg = json.loads(args.config)
    section = cfg["focus_mnist"]
    log = runtime.setup(section["threads"])
    scan = MnistScan.from_config(section, cfg["seed"])
    device = runtime.pick_device(cfg["device"])
    data = load_dataset(args.data)
    n_models = len(scan.optimizers) * scan.replicates * len(scan.lr)
    log.info(f"{cfg['dataset']} batch {args.batch}: {n_models} networks ({len(scan.optimizers)} optimizers x "
             f"{scan.replicates} replicates x {len(scan.lr)} lr) x {scan.steps} steps on {device}")
    started = time.perf_counter()
    arrays = train_batch_size(scan, data, args.batch, device, log)
    seconds = time.perf_counter() - started
    diverged = ~np.isfinite(arrays["test_loss"])
    log.info(f"batch {args.batch}: done in {seconds:.1f} s; {int(diverged.sum())} networks diverged (recorded)")
    meta = {"batch_size": args.batch, "optimizers": scan.optimizers, "dataset": cfg["dataset"],
            "steps": scan.steps, "replicates": scan.replicates, "seconds": round(seconds, 2), **runtime.provenance()}
    runtime.save_npz(args.output, meta, lr=scan.lr, **arrays)


if __name__ == "__main__":
    main()
