"""Runtime and memory estimates of the fractal label jobs, for Snakemake's ``resources``
(SLURM's time and memory requests at paper scale).
The cost unit is the spec's trajectory-step (one GD update of one scalar trajectory, section
4): a job runs cells x (its learning rates) x T = 1000 of them at most. Criteria A, B and C
stop a trajectory once it is decided, so the work done is a fraction of that nominal count,
each experiment's own; the config's ``rate`` is the throughput of a job that runs every step
(benchmarks/fractal_sweep.py: 0.8-1.8e8 steps/s on one CPU core; set it higher on a GPU).
"""

from __future__ import annotations

import math

from physlearn.fractal.boundary import design
from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Wall seconds per nominal trajectory-step, as a multiple of 1 / rate, per experiment: the
# laptop label jobs of 2026-12-06 (2-core Intel Xeon VM, rate 1e8) took E3 30 s for 6.6e9
# nominal steps (0.4), E4 13 s for 3.3e9 (0.25), E5 15 s for 1.6e9 (0.6), E6 18 s for 1.6e9
# (0.8), E7 31 s for 6.6e9 (0.4), E8 22 s for 6.6e9 (0.25), E9 11 s for 2.6e9 (0.2), E10 13 s
# of CPU for 1.0e9 (1.3: it records every step, no stop), start-up included; E0, E1, E2 and
# the segments are start-up alone at these sizes (1.5-5 s).
RELATIVE_COST = {
    "E0": 0.5,
    "E1": 0.5,
    "E2": 0.5,
    "segments": 0.5,
    "E3": 0.5,
    "E4": 0.3,
    "E5": 0.6,
    "E6": 0.8,
    "E7": 0.5,
    "E8": 0.25,
    "E9": 0.25,
    "E10": 1.3,
}


def shard_steps(section: dict, experiment: str) -> float:
    """Trajectory-steps of one label job of ``experiment`` (the largest shard)."""
    table = design.cells(experiment, section)
    cell_shards, lr_shards = design.shards(section, experiment)
    cells = math.ceil(len(table) / cell_shards)
    lrs = 2 ** int(table["level"].iloc[0]) // lr_shards + 1
    return float(cells * lrs * 1000)


def label_seconds(section: dict, experiment: str) -> float:
    """Estimated wall seconds of one label job (its largest shard)."""
    return STARTUP_SECONDS + RELATIVE_COST[experiment] * shard_steps(section, experiment) / float(section["rate"])


def label_minutes(section: dict, experiment: str) -> int:
    """Minutes to request for one label job (``slurm_minutes`` of :func:`label_seconds`)."""
    return slurm_minutes(label_seconds(section, experiment))


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
