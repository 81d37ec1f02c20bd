"""Workflow step: run one shard of a narrowing-valley scan and save every trajectory's record.

python -m physlearn.focus.valley.shard --config JSON --scan NAME --shard I --output F.npz
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from physlearn import runtime, step
from physlearn.focus.valley.sweep import METRICS, OPTIMIZERS, ValleyScan, iter_shard


def run_shard(scan: ValleyScan, shard: int, n_shards: int, device, log) -> dict[str, np.ndarray]:
    """Arrays of the shard: ``pixel`` (P,) and each metric and ``diverged`` (opt, L, P, R)."""
    parts: dict[str, list] = {"pixel": [], "diverged": [], **{m: [] for m in METRICS}}
    chunks = scan.shard_chunks(shard, n_shards)
    per_pixel = len(scan.lr) * scan.replicates * len(OPTIMIZERS) * scan.steps
    started = time.perf_counter()
    for done, (pixels, metrics) in enumerate(iter_shard(scan, shard, n_shards, device), start=1):
        parts["pixel"].append(pixels)
        for key, value in metrics.items():
            parts[key].append(value.cpu().numpy())
        elapsed = time.perf_counter() - started
        rate = per_pixel * sum(len(p) for p in parts["pixel"]) / elapsed
        log.info(
            f"scan {scan.name} shard {shard + 1}/{n_shards}: chunk {done}/{len(chunks)} "
            f"done, {elapsed:.1f} s, {rate / 1e6:.1f} M trajectory-steps/s"
        )
    return {
        "pixel": np.concatenate(parts["pixel"]),
        **{k: np.concatenate(v, axis=2) for k, v in parts.items() if k != "pixel"},
    }


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--scan", required=True)
    ap.add_argument("--shard", type=int, required=True)


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="focus_valley", outputs=("output",), extra=_options, argv=argv)
    valley = cfg["focus_valley"]
    log = step.logger()
    scan = ValleyScan.from_config(args.scan, valley, cfg["seed"])
    device = runtime.pick_device(cfg["device"])
    log.info(
        f"scan {scan.name}: {scan.n_pixels} pixels x {len(scan.lr)} lr x {scan.replicates} "
        f"replicates x {len(OPTIMIZERS)} optimizers x {scan.steps} steps on {device}"
    )
    arrays = run_shard(scan, args.shard, valley["shards"], device, log)
    n_div = int(arrays["diverged"].sum())
    if n_div:
        log.warning(f"scan {scan.name} shard {args.shard}: {n_div} trajectories diverged (recorded)")
    meta = {
        "scan": scan.name,
        "shard": args.shard,
        "shards": valley["shards"],
        "optimizers": list(OPTIMIZERS),
        **runtime.provenance(),
    }
    runtime.save_npz(args.output, meta, lr=scan.lr, **arrays)


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
