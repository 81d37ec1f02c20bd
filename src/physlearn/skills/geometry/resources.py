"""What one shard of Fig. 10's scaling sweep needs: SLURM's ``runtime`` and ``mem_mb`` for the
``skills_geometry_scaling_shard`` rule (config ``skills_geometry.scaling``)."""

from __future__ import annotations

from physlearn.skills.geometry.scaling_runs import scaling_shards

FLOPS_PER_SECOND = 2e9  # conservative: small products on one thread; a GPU is faster
FLOPS_PER_DRAW = 50  # one skill draw from the Zipf distribution, shared by the optimizers


def scaling_shard_cost(scaling: dict, shard: int) -> tuple[float, int]:
    """(FLOPs, bytes) of one scaling shard: two products of [optimizers x alphas, N] x
    [N, skills] per seed and step, and the skill draws; the task vectors in float32."""
    n_sum = sum(scaling_shards(scaling)[shard])
    draws = scaling["seeds"] * len(scaling["alphas"])
    runs = draws * len(scaling["optimizers"])
    flops = scaling["steps"] * (4 * runs * scaling["n_skills"] * n_sum + FLOPS_PER_DRAW * draws * scaling["batch_size"])
    memory = 4 * scaling["seeds"] * scaling["n_skills"] * n_sum * 4 + 16 * runs * 256 * scaling["n_skills"]
    return flops, memory


def scaling_shard_resources(scaling: dict, shard: int) -> dict[str, int]:
    """``runtime`` (minutes) and ``mem_mb`` of one scaling shard."""
    flops, memory = scaling_shard_cost(scaling, shard)
    return {"runtime": 10 + int(flops / FLOPS_PER_SECOND / 60), "mem_mb": 1500 + memory // 10**6}
