"""What harmonic Fig. 1's job needs: SLURM's ``runtime`` for ``harmonic_toy_points``."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Wall seconds per Adam step of one seed's 2-D harmonic classifier: the laptop job, 5 seeds x
# 10,000 steps and its figure in 8.0 s (docs/timings/laptop.csv; 2-core Intel Xeon VM at load
# ~4, 2026-12-06), less start-up: 61 us.
SEED_STEP_SECONDS = 6.1e-5


def points_seconds(section: dict) -> float:
    return STARTUP_SECONDS + SEED_STEP_SECONDS * section["seeds"] * section["steps"]


def points_runtime(section: dict) -> int:
    """Minutes of the job (``slurm_minutes`` of :func:`points_seconds`)."""
    return slurm_minutes(points_seconds(section))
