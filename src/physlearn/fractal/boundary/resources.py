"""Runtime and memory estimates of the fractal label jobs, for Snakemake's ``resources``
(SLURM's time and memory requests at paper scale).
The cost unit is the spec's trajectory-step (one GD update of one scalar trajectory, section
4): a job runs cells x (its learning rates) x T = 1000 of them at most. Criteria A, B and C
stop a trajectory once it is decided, so the work done is a fraction of that nominal count,
each experiment's own; the config's ``rate`` is the throughput of a job that runs every step
(benchmarks/fractal_sweep.py: 0.4-1.8e8 useful steps/s on one CPU core, by loss and CPU; set it
higher on a GPU).
"""

from __future__ import annotations

import math

from physlearn.fractal.boundary import design
from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Wall seconds per nominal trajectory-step, as a multiple of 1 / rate, per experiment (per
# loss where one experiment's shards hold both: E9). Fitted to the label jobs recorded in
# docs/timings (2026-12-06, the 2-core AMD EPYC VM, one job per core, rate 1e8; the slower of
# the two VMs measured, whose fractal sweep runs at about half the Intel VM's rate), so that
# each recorded job's request (x SAFETY, whole minutes) is within twice its wall time and, but
# for one E6 job that shared its core with tests (258 s against 240), at least it. Paper
# scale, seconds per job: E3 75-92, E4 30-89, E6 137-258 (median 160), E7 71-96, E8 9-14, E9
# additive 145-169 and multiplicative 54-76, E10 46; laptop E3 57-63, E5 20, E6 29, E10 37.
# E0, E1, E2 and the segments are start-up alone at these sizes (2-7 s).
RELATIVE_COST = {
    "E0": 0.5,
    "E1": 0.5,
    "E2": 0.5,
    "segments": 0.5,
    "E3": 0.7,
    "E4": 0.6,
    "E5": 0.9,
    "E6": 1.5,
    "E7": 0.6,
    "E8": 0.25,
    "E9": {"additive": 0.8, "multiplicative": 0.4},
    "E10": 3.0,
}


def _cost(experiment: str, loss: str) -> float:
    cost = RELATIVE_COST[experiment]
    return cost[loss] if isinstance(cost, dict) else cost


def _work(table, section: dict, experiment: str, shard: int) -> float:
    """Label job ``shard``'s trajectory-steps, each cell's times its loss's relative cost."""
    cells, first, last = design.shard_slices(table, section, experiment, shard)
    return sum(_cost(experiment, loss) for loss in table["loss"].iloc[cells]) * (last - first + 1) * 1000.0


def label_seconds(section: dict, experiment: str, shard: int | None = None) -> float:
    """Estimated wall seconds of label job ``shard`` (default: the costliest)."""
    table = design.cells(experiment, section)
    shards = range(design.n_shards(section, experiment)) if shard is None else [shard]
    work = max(_work(table, section, experiment, s) for s in shards)
    return STARTUP_SECONDS + work / float(section["rate"])


def label_minutes(section: dict, experiment: str, shard: int | None = None) -> int:
    """Minutes to request for label job ``shard`` (``slurm_minutes`` of :func:`label_seconds`)."""
    return slurm_minutes(label_seconds(section, experiment, shard))


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
