"""Runtime and memory estimates of the fractal label jobs, for Snakemake's ``resources``
(SLURM's time and memory requests at paper scale).

The cost unit is the spec's trajectory-step (one GD update of one scalar trajectory, section
4): a job runs cells x (its learning rates) x T = 1000 of them at most (criteria A and C stop
early, so the real count is lower). The config's ``rate`` is the measured throughput
(benchmarks/fractal_sweep.py: 0.8-1.8e8 useful steps/s on one CPU core; a GPU is faster).
SAFETY covers the slow cases: the multiplicative loss runs at about half the additive rate,
and E8's runaway trajectories at a fraction of it (spec section 4.3).
"""

from __future__ import annotations

import math

from physlearn.fractal.boundary import design

SAFETY = 4.0
MIN_MINUTES = 2


def shard_steps(section: dict, experiment: str) -> float:
    """Trajectory-steps of one label job of ``experiment`` (the largest shard)."""
    table = design.cells(experiment, section)
    cell_shards, lr_shards = design.shards(section, experiment)
    cells = math.ceil(len(table) / cell_shards)
    lrs = 2 ** int(table["level"].iloc[0]) // lr_shards + 1
    return float(cells * lrs * 1000)


def label_minutes(section: dict, experiment: str) -> int:
    """Wall-clock minutes to request for one label job."""
    seconds = SAFETY * shard_steps(section, experiment) / float(section["rate"])
    return max(MIN_MINUTES, math.ceil(seconds / 60))


def label_mem_mb(section: dict, experiment: str) -> int:
    """Memory of one label job: the working arrays of a piece (about 40 bytes per trajectory
    in flight: x, lr, x0, statistics, labels), the kept labels (1 byte each until packed),
    and 1 GB for Python and torch."""
    table = design.cells(experiment, section)
    cell_shards, lr_shards = design.shards(section, experiment)
    cells = math.ceil(len(table) / cell_shards)
    lrs = 2 ** int(table["level"].iloc[0]) // lr_shards + 1
    piece = min(int(section["piece"]), lrs)
    kept = (
        cells * lrs * (5 if experiment == "E10" else 1)
        if section["experiments"][experiment].get("keep_labels", True)
        else 0
    )
    return 1000 + math.ceil((40 * cells * piece + 2 * kept) / 2**20)
