"""SLURM runtimes shared by the experiments' resources modules (the ``runtime`` resource of
the rules).

Each ``physlearn/<paper>/<experiment>/resources.py`` estimates a job's wall time in seconds
from its config, as start-up + work units x a measured cost per unit, and
:func:`slurm_minutes` turns that into the minutes its rule declares. No workflow step imports
this module, so editing it reruns nothing.
"""

from __future__ import annotations

import math

# Python, torch, the config and the outputs of a job that does no work: the figure, merge and
# report jobs of a laptop run took 1-6 s, median 4.8 s (docs/timings/laptop.csv; 2-core Intel
# Xeon VM at load ~4, 2026-12-06).
STARTUP_SECONDS = 5.0
# The margin on an estimate. Modest: the per-unit costs are already wall times of a loaded
# 2-core VM, and SLURM rounds every job up to a whole minute.
SAFETY = 1.3


def slurm_minutes(seconds: float, safety: float = SAFETY) -> int:
    """The SLURM runtime (minutes, ``sbatch -t``) for an estimated wall time: ``safety`` x
    ``seconds``, rounded up to a whole minute, at least 1."""
    if seconds < 0:
        raise ValueError(f"slurm_minutes: a negative wall time ({seconds} s)")
    return max(1, math.ceil(safety * seconds / 60))
