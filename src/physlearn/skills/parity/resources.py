"""What the sparse-parity training jobs need: SLURM's ``runtime`` for ``skills_parity_runs``
(config ``skills_networks.parity``). The cost model is shared with the Domino experiment's
networks (physlearn.skills.domino.resources): full-batch MLP steps, all networks of a job in
one program."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Wall seconds per multiply-add of a full-batch step (forward, backward and Adam) in float32,
# 1 thread: the largest of the laptop jobs' rates (2-core Intel Xeon VM at load ~4,
# 2026-12-06, their logs): parity compositional 4 networks x 1500 steps x 1.75e7 MACs in
# 30.0 s (2.9e-10), parity frequency 10 x 638 steps x 1.7e7 in 27.8 s (2.6e-10), grokking
# 2841 Adam steps x 4.6e7 in 26.3 s (2.0e-10), modularity 16 x 1000 steps x 1.04e7 in 30.5 s
# (1.8e-10). float64 costs twice as much.
MAC_SECONDS = 2.9e-10
DTYPE_FACTOR = {"float32": 1.0, "float64": 2.0}


def network_seconds(macs: float, dtype: str) -> float:
    """Start-up + the multiply-adds of every network-step of a job, at :data:`MAC_SECONDS`."""
    return STARTUP_SECONDS + MAC_SECONDS * DTYPE_FACTOR[dtype] * macs


def runs_macs(parity: dict, experiment: str) -> float:
    """Multiply-adds of one experiment's job: networks x steps x samples x hidden x (bits + tasks)
    (the stop at ``stop_when_learned`` can only end it sooner)."""
    if experiment == "frequency":
        networks, tasks, steps = parity["seeds"] * len(parity["p2"]), len(parity["independent_tasks"]), parity["steps"]
    elif experiment == "compositional":
        networks, tasks = 2 * parity["seeds"], len(parity["compositional_tasks"])  # with the control
        steps = parity["compositional_steps"]
    else:
        raise ValueError(f"unknown parity experiment {experiment!r}")
    return networks * steps * parity["n_samples"] * parity["hidden"] * (parity["n_bits"] + tasks)


def runs_runtime(parity: dict, experiment: str) -> int:
    """Minutes of one experiment's job."""
    return slurm_minutes(network_seconds(runs_macs(parity, experiment), parity["dtype"]))
