"""What the algorithmic-task training jobs need: SLURM's ``runtime`` for the
``harmonic_algorithmic_train`` and ``harmonic_modular_case_train`` rules (config
``harmonic_algorithmic``)."""

from __future__ import annotations

# Seconds per batch step, measured on the 2-core machine: a fixed cost and a cost per run
# (MLP 1 ms + 0.1 ms per run, transformer 3 + 0.5 ms); a GPU job is faster.
STEP_SECONDS = {"mlp": (1e-3, 1e-4), "transformer": (3e-3, 5e-4)}
MODULAR_CASE_STEP_SECONDS = 1.5e-3


def job_runs(section: dict, family: str) -> int:
    """Runs in one (family, task) job: standard + harmonic per seed, plus Fig. 3b's."""
    runs = 2 * section[family]["seeds"]
    if family == "mlp":
        main = section["train_fraction"]
        extra = [f for f in section["data_efficiency"]["fractions"] if f != main]
        runs += 2 * len(extra) * section["data_efficiency"]["seeds"]
    return runs


def train_runtime(section: dict, family: str) -> int:
    """Minutes: steps x (fixed cost + cost per run x runs), summed over the tasks, doubled."""
    fractions = section["data_efficiency"]["fractions"]
    n_train = int(section["samples"] * max(fractions + [section["train_fraction"]]))
    steps_per_epoch = -(-n_train // section["batch_size"])  # ceil
    fixed, per_run = STEP_SECONDS[family]
    seconds = sum(
        section[family]["epochs"][task] * steps_per_epoch * (fixed + per_run * job_runs(section, family))
        for task in section["tasks"]
    )
    return 10 + int(2 * seconds / 60)


def modular_case_runtime(section: dict) -> int:
    """Minutes of harmonic Fig. 4's job: its epochs of full passes, doubled."""
    steps = section["modular_case"]["epochs"] * -(-section["samples"] // section["batch_size"])
    return 10 + int(2 * steps * MODULAR_CASE_STEP_SECONDS / 60)
