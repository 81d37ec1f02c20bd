"""Workflow step: one shard of the Geometry model's scaling sweep (Fig. 10): one optimizer,
some N values, every alpha and seed in one tensor program; saves the loss curves.

    python -m physlearn.skills.geometry_scaling_shard --config JSON --optimizer signgd --shard I --output F.npz
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from physlearn import runtime
from physlearn.skills import geometry_experiments as E


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True, help="JSON: seed, device, skills_geometry section")
    ap.add_argument("--optimizer", required=True)
    ap.add_argument("--shard", type=int, required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    cfg = json.loads(args.config)
    geometry = cfg["skills_geometry"]
    section = geometry["scaling"]
    log = runtime.setup(geometry["threads"])
    device = runtime.pick_device(cfg["device"])
    n_values = E.scaling_shards(section)[args.shard]
    log.info(f"scaling {args.optimizer} shard {args.shard + 1}/{section['shards']}: N {n_values} x "
             f"{len(section['alphas'])} alpha x {section['seeds']} seeds x {section['steps']} steps on {device}")
    started = time.perf_counter()
    arrays = E.run_scaling_shard(section, cfg["seed"], args.optimizer, n_values, device, log)
    log.info(f"done in {time.perf_counter() - started:.1f} s")
    n_bad = int((~np.isfinite(arrays["loss"][..., -1])).sum())
    if n_bad:
        log.warning(f"{n_bad} runs diverged (recorded as non-finite loss)")
    meta = {"optimizer": args.optimizer, "shard": args.shard, **runtime.provenance()}
    runtime.save_npz(args.output, meta, **arrays)


if __name__ == "__main__":
    main()
