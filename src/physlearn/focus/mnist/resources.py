"""What one batch-size job of the MNIST scan needs: SLURM's ``runtime`` and ``mem_mb`` for the
``mnist_shard`` rule, from the network sizes and the step count."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

PIXELS = {"mnist": 784, "digits": 64}
# Wall-time costs of a batch-size job, fitted to the paper-scale digits scan with one job per
# core (240 networks of 75k weights, 128 wide, 400 steps, 1 thread; 2-core AMD EPYC VM,
# 2026-12-06; docs/timings/paper.csv): batches 2 to 256 took 54 to 305 s, within 8% of
# 5 s + 7.1e-9 s per weight and network-step (the optimizer's passes over every weight) +
# 2.3e-11 s per FLOP (43 GFLOP/s). Until session 18 one program trained all 240 networks and,
# from batch 512 on, a FLOP cost 2.1-2.2x that (126 MB activation tensors); the learning-rate
# chunks of ``scan.lr_chunks`` keep every batch size at the in-cache rate.
WEIGHT_STEP_SECONDS = 7.1e-9
FLOP_SECONDS = 2.3e-11


def layer_widths(section: dict, dataset: str) -> list[int]:
    """Input pixels, the hidden widths, 10 classes."""
    return [PIXELS[dataset], *section["hidden"], 10]


def network_weights(section: dict, dataset: str) -> int:
    """Weights of one network (biases left out)."""
    dims = layer_widths(section, dataset)
    return sum(a * b for a, b in zip(dims[:-1], dims[1:]))


def job_size(section: dict, dataset: str, batch: int) -> tuple[float, int]:
    """(FLOPs, activation bytes) of one batch-size job: 6 FLOPs per weight, example and
    network per step; about 8 saved float32 activation tensors per layer for the backward
    pass (the input layer's are per replicate, not per network)."""
    dims = layer_widths(section, dataset)
    weights = network_weights(section, dataset)
    flops = 6 * job_networks(section) * batch * weights * section["steps"]
    activations = job_networks(section) * batch * sum(dims[1:]) + section["replicates"] * batch * dims[0]
    return flops, 8 * 4 * activations


def job_networks(section: dict) -> int:
    """Networks trained at once: (AdamW + one FOCUS per gamma) x replicates x learning rates."""
    lrs = section["lr"]["num"] if isinstance(section["lr"], dict) else 1
    return (1 + len(section["focus"]["gammas"])) * section["replicates"] * lrs


def job_seconds(section: dict, dataset: str, batch: int) -> float:
    """Start-up + network-steps x their per-weight cost + FLOPs x the cost of one."""
    flops, _ = job_size(section, dataset, batch)
    network_steps = job_networks(section) * section["steps"]
    return (
        STARTUP_SECONDS + WEIGHT_STEP_SECONDS * network_weights(section, dataset) * network_steps + FLOP_SECONDS * flops
    )


def job_resources(section: dict, dataset: str, batch: int) -> dict[str, int]:
    """``runtime`` (minutes) and ``mem_mb`` of one batch-size job (config ``focus_mnist``)."""
    _, memory = job_size(section, dataset, batch)
    return {"runtime": slurm_minutes(job_seconds(section, dataset, batch)), "mem_mb": 2000 + memory // 10**6}
