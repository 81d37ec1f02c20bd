"""What the algorithmic-task training jobs need: SLURM's ``runtime`` for the
``harmonic_algorithmic_train`` and ``harmonic_modular_case_train`` rules (config
``harmonic_algorithmic``)."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Wall seconds per run and batch step, all runs of a task stacked in one program, in cache
# (few runs) and growing with the stack beyond ~RUNS_IN_CACHE runs: cost per step = per-run
# cost x runs x (1 + runs / RUNS_IN_CACHE). Fitted, 1 thread on the 2-core Intel Xeon VM
# (2026-12-06): the laptop MLP job, 22 runs x 41,250 steps in 83.6 s (load ~4; its lattice
# task 2.0 ms a step), and the paper-scale MLP job's lattice task, 320 runs at 139 ms a step
# (236 epochs of 29 steps in 951 s; /work/paper run at load 5-6). The transformer from its
# laptop job: 6 runs x 6,500 steps in 44.3 s.
RUN_STEP_SECONDS = {"mlp": 6.1e-5, "transformer": 8.8e-4}
RUNS_IN_CACHE = 52
# Harmonic Fig. 4's job (3 runs, one program): 2000 epochs x 32 steps in 40.1 s on the laptop
# (docs/timings/laptop.csv, same machine and date): 0.55 ms a step.
MODULAR_CASE_STEP_SECONDS = 5.5e-4


def job_runs(section: dict, family: str) -> int:
    """Runs in one (family, task) job: standard + harmonic per seed, plus Fig. 3b's."""
    runs = 2 * section[family]["seeds"]
    if family == "mlp":
        main = section["train_fraction"]
        extra = [f for f in section["data_efficiency"]["fractions"] if f != main]
        runs += 2 * len(extra) * section["data_efficiency"]["seeds"]
    return runs


def train_steps(section: dict, family: str) -> int:
    """Batch steps of one family's job, summed over its tasks (each epoch steps through the
    largest training split)."""
    fractions = section["data_efficiency"]["fractions"]
    n_train = int(section["samples"] * max(fractions + [section["train_fraction"]]))
    steps_per_epoch = -(-n_train // section["batch_size"])  # ceil
    return sum(section[family]["epochs"][task] * steps_per_epoch for task in section["tasks"])


def train_seconds(section: dict, family: str) -> float:
    runs = job_runs(section, family)
    step = RUN_STEP_SECONDS[family] * runs * (1 + runs / RUNS_IN_CACHE)
    return STARTUP_SECONDS + train_steps(section, family) * step


def train_runtime(section: dict, family: str) -> int:
    """Minutes of one family's training job (``slurm_minutes`` of :func:`train_seconds`)."""
    return slurm_minutes(train_seconds(section, family))


def modular_case_seconds(section: dict) -> float:
    steps = section["modular_case"]["epochs"] * -(-section["samples"] // section["batch_size"])
    return STARTUP_SECONDS + steps * MODULAR_CASE_STEP_SECONDS


def modular_case_runtime(section: dict) -> int:
    """Minutes of harmonic Fig. 4's job: its epochs of full passes."""
    return slurm_minutes(modular_case_seconds(section))
