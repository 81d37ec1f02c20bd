"""Workflow step: one shard of the Geometry model's scaling sweep (Fig. 10): some N values,
every optimizer, alpha and seed in one tensor program; saves each optimizer's loss curves.

    python -m physlearn.skills.geometry.scaling_shard --config JSON --shard I \
        --optimizers signgd adam --outputs SIGNGD.npz ADAM.npz

The simulation checkpoints to ``shard-I-of-N.checkpoint.pt`` beside the outputs every 5 minutes
(with a progress line), so a job killed or timed out goes on from there when run again; the
checkpoint is removed once the outputs are written.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from physlearn import runtime, step
from physlearn.skills.geometry import scaling_runs


def options(ap: argparse.ArgumentParser) -> None:
    """The shard and its optimizers; ``--outputs`` takes one file per optimizer, so it is not
    one of :func:`physlearn.step.parse`'s single-path outputs."""
    ap.add_argument("--optimizers", nargs="+", required=True)
    ap.add_argument("--shard", type=int, required=True)
    ap.add_argument("--outputs", type=Path, nargs="+", required=True, help="one per optimizer, in their order")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_geometry", outputs=(), extra=options, argv=argv)
    if len(set(args.optimizers)) != len(args.optimizers):
        raise SystemExit(f"--optimizers repeats a name: {args.optimizers}")
    if len(args.outputs) != len(args.optimizers):
        raise SystemExit(f"{len(args.optimizers)} optimizers but {len(args.outputs)} outputs")
    section = cfg["skills_geometry"]["scaling"]
    log = step.logger()
    device = runtime.pick_device(cfg["device"])
    n_values = scaling_runs.scaling_shards(section)[args.shard]
    log.info(
        f"scaling shard {args.shard + 1}/{section['shards']}: N {n_values} x {args.optimizers} x "
        f"{len(section['alphas'])} alpha x {section['seeds']} seeds x {section['steps']} steps on {device}"
    )
    started = time.perf_counter()
    # a file, not a directory, per shard: shards run at once, and each removes only its own
    checkpoint = args.outputs[0].parent / f"shard-{args.shard}-of-{section['shards']}.checkpoint.pt"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    results = scaling_runs.run_scaling_shard(section, cfg["seed"], args.optimizers, n_values, device, log, checkpoint)
    log.info(f"done in {time.perf_counter() - started:.1f} s")
    for (optimizer, arrays), output in zip(results.items(), args.outputs):
        n_bad = int((~np.isfinite(arrays["loss"][..., -1])).sum())
        if n_bad:
            log.warning(f"{optimizer}: {n_bad} runs diverged (recorded as non-finite loss)")
        meta = {"optimizer": optimizer, "shard": args.shard, **runtime.provenance()}
        runtime.save_npz(output, meta, **arrays)
    checkpoint.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
