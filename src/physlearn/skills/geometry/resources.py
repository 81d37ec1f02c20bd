"""What the Geometry-model jobs need: SLURM's ``runtime`` (and a scaling shard's ``mem_mb``)
for ``skills_geometry_scaling_shard``, ``skills_geometry_modular_figure`` and
``skills_geometry_figure`` (config ``skills_geometry``)."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes
from physlearn.skills.geometry.scaling_runs import scaling_shards

FLOPS_PER_DRAW = 50  # one skill draw from the Zipf distribution, shared by the optimizers
# Figs. 10 and 18 simulate N values x seeds, each reading its [N, skills] task vectors twice a
# step for its rows (alpha x optimizer runs that share them), plus per-N work worth ~150 more N
# (the draws, the updates; scaling_runs balances shards by the same N + 150). Wall seconds per
# (N + 150) x skill x seed x step: ELEMENT_SECONDS + ROW_SECONDS x rows, fitted with one job per
# core (2-core AMD EPYC VM, 2026-12-06) to Fig. 18's paper job (1 row, 4 seeds, 100k steps, 1000
# skills: 3.85e-10 over N 20-500, 472 s in all) and to a scaling shard at 2000 steps (14 rows,
# N 32-572: 9.64e-10; benchmarks/geometry_sweep.py has the same kernels). Task vectors beyond
# CACHE_BYTES (N = 1000: 4 MB against a 1 MB L2) cost OUT_OF_CACHE_FACTOR more (Fig. 18's
# N = 1000: 1.24; the shard with N = 1000: 1.07). Session 13's constants, 2.2-4x these, were
# fitted on a machine at load 5-8, and declared 44 min for Fig. 18's 8 min.
ELEMENT_SECONDS = 3.4e-10
ROW_SECONDS = 4.45e-11
N_OVERHEAD = 150
CACHE_BYTES = 3e6
OUT_OF_CACHE_FACTOR = 1.2
# Figs. 4, 5 and 15 (one job each): wall seconds per run-step of simulate_many, from the
# paper-scale Fig. 15 job (3 optimizers x 3 noise x 2 skill counts x 4 seeds x 15,000 steps
# simulated in 25.3 s; its log, same run).
RUN_STEP_SECONDS = 2.34e-5
FIG15_OPTIMIZERS = 3  # Adam, AdEMAMix, Lion (physlearn.skills.geometry.experiments)


def scaling_shard_cost(scaling: dict, shard: int) -> tuple[float, int]:
    """(FLOPs, bytes) of one scaling shard: two products of [optimizers x alphas, N] x
    [N, skills] per seed and step, and the skill draws; the task vectors in float32."""
    n_sum = sum(scaling_shards(scaling)[shard])
    draws = scaling["seeds"] * len(scaling["alphas"])
    runs = draws * len(scaling["optimizers"])
    flops = scaling["steps"] * (4 * runs * scaling["n_skills"] * n_sum + FLOPS_PER_DRAW * draws * scaling["batch_size"])
    memory = 4 * scaling["seeds"] * scaling["n_skills"] * n_sum * 4 + 16 * runs * 256 * scaling["n_skills"]
    return flops, memory


def n_values_seconds(n_values, n_skills: int, seeds: int, steps: int, rows: int) -> float:
    """Start-up + steps x seeds x skills x the sum of (N + 150) over the N values (x
    :data:`OUT_OF_CACHE_FACTOR` for task vectors beyond :data:`CACHE_BYTES`), each at
    ELEMENT_SECONDS + ROW_SECONDS x rows."""
    cached = [1.0 if 4 * n * n_skills <= CACHE_BYTES else OUT_OF_CACHE_FACTOR for n in n_values]
    elements = n_skills * sum(factor * (n + N_OVERHEAD) for n, factor in zip(n_values, cached))
    return STARTUP_SECONDS + (ELEMENT_SECONDS + ROW_SECONDS * rows) * steps * seeds * elements


def scaling_shard_seconds(scaling: dict, shard: int) -> float:
    rows = len(scaling["alphas"]) * len(scaling["optimizers"])
    n_values = scaling_shards(scaling)[shard]
    return n_values_seconds(n_values, scaling["n_skills"], scaling["seeds"], scaling["steps"], rows)


def scaling_shard_resources(scaling: dict, shard: int) -> dict[str, int]:
    """``runtime`` (minutes) and ``mem_mb`` of one scaling shard."""
    _, memory = scaling_shard_cost(scaling, shard)
    return {"runtime": slurm_minutes(scaling_shard_seconds(scaling, shard)), "mem_mb": 1500 + memory // 10**6}


def modular_runtime(modular: dict) -> int:
    """Minutes of Fig. 18's job (one simulation per N value and seed, then the figure)."""
    seconds = n_values_seconds(modular["n_params"], modular["n_skills"], modular["seeds"], modular["steps"], rows=1)
    return slurm_minutes(seconds)


def figure_runs(section: dict, figure: str) -> int:
    """Runs that Fig. 4 (``ratio``), 5 (``sequence``) or 15 (``optimizers``) simulates."""
    if figure == "ratio":  # optimizers x p1/p2 ratios x seeds
        return len(section["lr"]) * len(section["frequency_ratios"]) * section["seeds"]
    if figure == "sequence":  # alphas x skill counts x seeds
        return len(section["alphas"]) * len(section["n_skills"]) * section["seeds"]
    if figure == "optimizers":
        return FIG15_OPTIMIZERS * len(section["noise"]) * len(section["n_skills"]) * section["seeds"]
    raise ValueError(f"unknown geometry figure {figure!r}")


def figure_runtime(section: dict, figure: str) -> int:
    """Minutes of one of the small figures' jobs: start-up + run-steps x :data:`RUN_STEP_SECONDS`."""
    seconds = STARTUP_SECONDS + RUN_STEP_SECONDS * figure_runs(section, figure) * section["steps"]
    return slurm_minutes(seconds)
