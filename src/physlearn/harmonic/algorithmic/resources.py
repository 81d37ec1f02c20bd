"""What the algorithmic-task training jobs need: SLURM's ``runtime`` for the
``harmonic_algorithmic_train`` rule (one job per model family and task) and the
``harmonic_modular_case_train`` rule (config ``harmonic_algorithmic``)."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Wall seconds of one batch step of a stack (the runs of one training-set size of one task,
# ``loop.train``): STEP_SECONDS + RUN_STEP_SECONDS x runs. Measured, 1 thread on the 2-core
# Intel Xeon VM, idle, 2026-12-06: the paper's MLP job of one task (benchmarks/
# harmonic_paper_job.py, lattice: eight stacks of 40 runs, 0.395 s an epoch of 129 steps and
# 5,160 run-steps; one stack of 320 runs x 29 steps, 0.711 s) and the laptop MLP job (72 s,
# with another job beside it) give ~0.1 ms a step + 77 us a run-step. The transformer: the
# paper job at 5 seeds (10 runs a task, 9.5 M run-steps), one core of the AMD EPYC VM with
# one other job beside it, 2026-12-06, after the last-token and distinct-example changes:
# 6,530 s, 0.69 ms a run-step (1.16 ms before them). Its tasks differ (sequence length and
# vocabulary): lattice 1319 s, modular addition 968, equivalence 1146, genealogy 1395 (1.75 M
# run-steps each) and permutations ~1700 s (2.5 M), so the transformer's cost is per task. The
# laptop job (700 of its 900 epochs on modular addition) took 89-103 s in three runs. The
# MLPs' tasks differ too: the same paper run (5 seeds, stacks of 10 runs, 7000 epochs) took
# 1056 s lattice, 1007 modular addition, 902 equivalence, 1424 genealogy, 863 permutations,
# 85-147 us a run-step beside the 0.1 ms a step (session 18, when the jobs became one per task).
STEP_SECONDS = {"mlp": 1.0e-4, "transformer": 0.0}
RUN_STEP_SECONDS = {"mlp": 7.7e-5, "transformer": 6.9e-4}
TASK_RUN_STEP_SECONDS = {
    "mlp": {
        "lattice": 1.07e-4,
        "modular_addition": 1.01e-4,
        "equivalence": 8.9e-5,
        "genealogy": 1.47e-4,
        "permutations": 8.5e-5,
    },
    "transformer": {
        "lattice": 7.5e-4,
        "modular_addition": 5.5e-4,
        "equivalence": 6.5e-4,
        "genealogy": 8.0e-4,
        "permutations": 6.8e-4,
    },
}


def run_step_seconds(family: str, task: str | None = None) -> float:
    """Wall seconds of one run's batch step: the task's measured cost where there is one,
    else the family's."""
    return TASK_RUN_STEP_SECONDS.get(family, {}).get(task, RUN_STEP_SECONDS[family])


# Harmonic Fig. 4's job (3 runs, one program): 2000 epochs x 32 steps in 40.1 s on the laptop
# (docs/timings/laptop.csv, same machine and date): 0.55 ms a step.
MODULAR_CASE_STEP_SECONDS = 5.5e-4


def stacks(section: dict, family: str) -> list[tuple[int, int]]:
    """(runs, batch steps per epoch) of each stack of one (family, task) job: the main train
    fraction's standard + harmonic run per seed, and, for the MLPs, Fig. 3b's other
    fractions, standard + harmonic per seed of ``data_efficiency``."""
    main = section["train_fraction"]
    runs = {main: 2 * section[family]["seeds"]}
    if family == "mlp":
        for fraction in section["data_efficiency"]["fractions"]:
            if fraction != main:
                runs[fraction] = 2 * section["data_efficiency"]["seeds"]
    steps = lambda fraction: -(-round(section["samples"] * fraction) // section["batch_size"])  # ceil, as loop.train
    return [(n, steps(fraction)) for fraction, n in runs.items()]


def job_runs(section: dict, family: str) -> int:
    """Runs in one (family, task) job."""
    return sum(runs for runs, _ in stacks(section, family))


def epoch_seconds(section: dict, family: str, task: str | None = None) -> float:
    """Wall seconds of one epoch of one task: every stack's steps."""
    step = lambda runs: STEP_SECONDS[family] + run_step_seconds(family, task) * runs
    return sum(steps * step(runs) for runs, steps in stacks(section, family))


def train_seconds(section: dict, family: str, task: str) -> float:
    """Wall seconds of one (family, task) training job: start-up and the task's epochs."""
    return STARTUP_SECONDS + section[family]["epochs"][task] * epoch_seconds(section, family, task)


def train_runtime(section: dict, family: str, task: str) -> int:
    """Minutes of one (family, task) training job (``slurm_minutes`` of :func:`train_seconds`)."""
    return slurm_minutes(train_seconds(section, family, task))


def modular_case_seconds(section: dict) -> float:
    steps = section["modular_case"]["epochs"] * -(-section["samples"] // section["batch_size"])
    return STARTUP_SECONDS + steps * MODULAR_CASE_STEP_SECONDS


def modular_case_runtime(section: dict) -> int:
    """Minutes of harmonic Fig. 4's job: its epochs of full passes."""
    return slurm_minutes(modular_case_seconds(section))
