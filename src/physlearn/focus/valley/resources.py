"""What one shard of a narrowing-valley scan needs: SLURM's ``runtime`` for the
``valley_shard`` rule (config ``focus_valley``), from its trajectory-steps."""

from __future__ import annotations

import math

import numpy as np

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

N_OPTIMIZERS = 3  # Adam, Signum, FOCUS (physlearn.focus.valley.sweep.OPTIMIZERS)
# Wall seconds per trajectory-step of a shard job, from the 48 paper-scale shards of session
# 13 (400 pixels x 20 lr x 50 replicates x 3 optimizers x 1000 steps = 1.2e9 trajectory-steps
# in 12.6-21.3 s wall, 9.7-15.0 s of CPU, median 15.7 s; 2-core Intel Xeon VM, two jobs at
# once, 2026-12-06) and the laptop's (1.5e9 in 15.7-21.7 s of CPU): ~13 ns, 14 ns with the
# laptop's smaller shards. Session 12's 58 ns came from a machine at load 5-6.
TRAJECTORY_STEP_SECONDS = 14e-9


def _points(axis) -> int:
    return axis["num"] if isinstance(axis, dict) else 1


def shard_trajectory_steps(section: dict, scan: str, shard: int) -> int:
    """Trajectory-steps of one shard: its pixels (whole chunks, as sweep.ValleyScan splits them)
    x learning rates x replicates x optimizers x steps."""
    spec = section["scans"][scan]
    n_pixels = max(_points(spec["sharpness"]), _points(spec["weight_decay"])) * _points(section["sigma"])
    per_chunk = section["pixels_per_chunk"]
    bounds = np.linspace(0, math.ceil(n_pixels / per_chunk), section["shards"] + 1).round().astype(int)
    pixels = min(bounds[shard + 1] * per_chunk, n_pixels) - bounds[shard] * per_chunk
    return int(pixels) * _points(section["lr"]) * section["replicates"] * N_OPTIMIZERS * section["steps"]


def shard_seconds(section: dict, scan: str, shard: int) -> float:
    return STARTUP_SECONDS + TRAJECTORY_STEP_SECONDS * shard_trajectory_steps(section, scan, shard)


def shard_runtime(section: dict, scan: str, shard: int) -> int:
    """Minutes of one shard job (``slurm_minutes`` of :func:`shard_seconds`)."""
    return slurm_minutes(shard_seconds(section, scan, shard))
