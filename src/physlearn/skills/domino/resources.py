"""What the grokking (Fig. 13) and modularity (Fig. 19) training jobs need: SLURM's
``runtime`` for ``skills_grokking_runs`` and ``skills_modularity_runs`` (config
``skills_networks``), with the multiply-add cost of physlearn.skills.parity.resources."""

from __future__ import annotations

from physlearn.resources import slurm_minutes
from physlearn.skills.parity.resources import network_seconds

GROKKING_OPTIMIZERS = 2  # SignGD and Adam, one network per seed each
# With stop_at_threshold a grokking run ends once its test accuracy passes the threshold: at
# the laptop settings Adam's network did so after 2841 of 10,000 steps and SignGD's after 331
# (laptop run's log, 2026-12-06). The estimate counts this share of the steps.
GROKKING_STOP_SHARE = 0.3


def grokking_macs(grokking: dict) -> float:
    """Multiply-adds of the job: networks x steps x (training pairs x the MLP after the first
    layer, whose inputs are per-number projections: p x 2d x width once a step)."""
    p, hidden = grokking["p"], grokking["hidden"]
    pairs = round(p * p * grokking["train_fraction"])
    widths = [*hidden, p]
    per_pair = hidden[0] + sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    per_step = pairs * per_pair + p * 2 * grokking["embedding"] * hidden[0]
    steps = grokking["steps"] * (GROKKING_STOP_SHARE if grokking["stop_at_threshold"] else 1.0)
    return GROKKING_OPTIMIZERS * grokking["seeds"] * steps * per_step


def grokking_runtime(grokking: dict) -> int:
    """Minutes of the grokking job."""
    return slurm_minutes(network_seconds(grokking_macs(grokking), grokking["dtype"]))


def modularity_macs(modularity: dict) -> float:
    """Multiply-adds of the job: (non-modular + modular) x inits networks [2, *hidden, 2] x steps
    x samples (the stop at ``stop_when_learned`` can only end it sooner)."""
    widths = [2, *modularity["hidden"], 2]
    per_sample = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return 2 * modularity["inits"] * modularity["steps"] * modularity["n_samples"] * per_sample


def modularity_runtime(modularity: dict) -> int:
    """Minutes of the modularity job."""
    return slurm_minutes(network_seconds(modularity_macs(modularity), modularity["dtype"]))
