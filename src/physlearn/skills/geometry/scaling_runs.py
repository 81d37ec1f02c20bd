"""The Geometry model's scaling sweep (skills spec section 2, Fig. 10): its N grid, shards,
record steps and configs, and one shard's simulation.

Apart from the figures' analyses and claims (:mod:`physlearn.skills.geometry.experiments`):
a job's code inputs are the modules it imports, and a shard runs for hours at the paper's
settings, so it must not rerun when a claim changes. This module imports the simulation only.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from physlearn.skills.geometry.model import GeometryConfig, simulate_many


def derive_seeds(root: int, experiment: str, n: int) -> list[int]:
    """n seeds for one experiment, derived from the config's root seed."""
    state = np.random.SeedSequence([int(root), zlib.crc32(experiment.encode())]).generate_state(n)
    return [int(s) for s in state]


def scaling_n_params(section: dict) -> list[int]:
    """The N grid (integers, unique, sorted), always with the N at which alpha_S is measured."""
    grid = section["n_params"]
    if isinstance(grid, dict):
        make = np.geomspace if grid.get("scale", "linear") == "log" else np.linspace
        grid = make(grid["start"], grid["stop"], grid["num"])
    return sorted({int(round(n)) for n in grid} | {int(section["steps_n_params"])})


def scaling_shards(section: dict) -> list[list[int]]:
    """N values per shard, balanced by cost (a step costs about N + 150 of N = 1's time):
    the largest first, each to the least loaded shard."""
    loads = [[0.0, []] for _ in range(section["shards"])]
    for n in sorted(scaling_n_params(section), reverse=True):
        target = min(loads, key=lambda load: load[0])
        target[0] += n + 150
        target[1].append(n)
    return [sorted(n_list) for _, n_list in loads]


def scaling_record_steps(section: dict) -> np.ndarray:
    """Log-spaced record points over the run, and every step of the alpha_S window."""
    lo, hi = section["fit_steps"]
    log_points = np.geomspace(1, section["steps"], section["records"])
    return np.unique(np.r_[np.round(log_points).astype(np.int64), np.arange(lo, min(hi, section["steps"]) + 1)])


def scaling_configs(section: dict, optimizer: str, n_params: int) -> list[GeometryConfig]:
    return [
        GeometryConfig(
            n_params=n_params,
            n_skills=section["n_skills"],
            alpha=a,
            loss="ce",
            task_vectors="gaussian",
            optimizer=optimizer,
            lr=section["lr"],
            batch_size=section["batch_size"],
            steps=section["steps"],
        )
        for a in section["alphas"]
    ]


def run_scaling_shard(
    section: dict, root_seed: int, optimizers: Sequence[str], n_values, device="cpu", log=None, checkpoint=None
) -> dict[str, dict]:
    """Per optimizer, loss curves [N, alpha, seed, R] over some N values, all in one tensor
    program: the N values and optimizers share their skill draws, and the optimizers of one
    N share its matrix products. A run's numbers do not depend on what else is in the shard.
    ``checkpoint``: see :func:`simulate_many`."""
    seeds = derive_seeds(root_seed, "geometry-scaling", section["seeds"])
    configs = [c for n in n_values for o in optimizers for c in scaling_configs(section, o, n)]
    out = simulate_many(
        configs,
        seeds,
        device=device,
        record_steps=scaling_record_steps(section),
        record_skills=False,
        checkpoint=checkpoint,
    )
    loss = out["loss"].reshape(len(n_values), len(optimizers), len(section["alphas"]), len(seeds), -1)
    results = {}
    for k, optimizer in enumerate(optimizers):
        if log:
            for n, curves in zip(n_values, loss[:, k]):
                log.info(
                    f"scaling {optimizer} N={n}: final median loss per alpha "
                    f"{np.round(np.median(curves[:, :, -1], axis=1), 4).tolist()}"
                )
        results[optimizer] = {
            "n_params": np.asarray(n_values),
            "alpha": np.asarray(section["alphas"], dtype=np.float64),
            "seed": np.asarray(seeds),
            "step": out["step"],
            "loss": np.ascontiguousarray(loss[:, k]),
        }
    return results
