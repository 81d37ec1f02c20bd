"""What one batch-size job of the MNIST scan needs: SLURM's ``runtime`` and ``mem_mb`` for the
``mnist_shard`` rule, from the network sizes and the step count."""

from __future__ import annotations

PIXELS = {"mnist": 784, "digits": 64}
CPU_FLOPS_PER_THREAD = 5e9  # conservative for small BatchNorm MLPs; a GPU is far faster


def job_size(section: dict, dataset: str, batch: int) -> tuple[float, int]:
    """(FLOPs, activation bytes) of one batch-size job: 6 FLOPs per weight, example and
    network per step; about 8 saved float32 activation tensors per layer for the backward
    pass (the input layer's are per replicate, not per network)."""
    pixels = PIXELS[dataset]
    dims = [pixels, *section["hidden"], 10]
    weights = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    lrs = section["lr"]["num"] if isinstance(section["lr"], dict) else 1
    networks = (1 + len(section["focus"]["gammas"])) * section["replicates"] * lrs
    flops = 6 * networks * batch * weights * section["steps"]
    activations = networks * batch * sum(dims[1:]) + section["replicates"] * batch * pixels
    return flops, 8 * 4 * activations


def job_resources(section: dict, dataset: str, batch: int) -> dict[str, int]:
    """``runtime`` (minutes) and ``mem_mb`` of one batch-size job (config ``focus_mnist``)."""
    flops, memory = job_size(section, dataset, batch)
    return {
        "runtime": 10 + int(flops / (CPU_FLOPS_PER_THREAD * section["threads"]) / 60),
        "mem_mb": 2000 + memory // 10**6,
    }
