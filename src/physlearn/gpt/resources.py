"""What a GPT training job needs, for the resources of its Snakemake rule (and so SLURM's
``--time``, ``--mem`` and ``--gpus``).

Runtime is derived, not guessed: start-up time plus the run's training FLOPs (tokens x FLOPs
per token, plus the evaluations) divided by a sustained-throughput figure from the workflow
config (model FLOP/s actually achieved on the target hardware, e.g. 0.4 x peak on a GPU),
in SLURM minutes with physlearn.resources' safety factor. In a rule::

    resources:
        gpu=1,
        runtime=lambda wc: training_resources(run, flops_per_second=4e14, gpu=True)["runtime"],
        mem_mb=lambda wc: training_resources(run, flops_per_second=4e14, gpu=True)["mem_mb"],

``run`` is the trainer's config dict (physlearn.gpt.train.TrainConfig). A model size whose
vocabulary comes from the data needs ``vocab_size`` (read it from the token sidecar when the
rule's inputs exist, or give an upper bound).
"""

from __future__ import annotations

import functools
import json
import math

import torch

from physlearn.gpt.model import GPT, GPTConfig, flops_per_token, model_config
from physlearn.gpt.train import TrainConfig
from physlearn.resources import STARTUP_SECONDS, slurm_minutes

# Start-up of a GPU job before its first step: the CUDA context, the token files and, with
# ``compile``, torch.compile (19-28 s for GPT-2 small's optimizer on a CPU, docs/benchmarks.md).
# Not measured on a GPU yet; hours of training at the paper's settings dwarf it.
GPU_STARTUP_SECONDS = 120.0
# On a CPU, the laptop runs (tiny GPT, config gpt.flops_per_second 2e10) match start-up +
# FLOPs / 2e10: 60-, 150- and 300-step FOCUS runs took 7.2, 12.6 and 22.8-25.7 s against 10.7,
# 18.8 and 32.1 s estimated (docs/timings/laptop.csv, 2-core Intel Xeon VM at load ~4,
# 2026-12-06); the harmonic head's distances are not in the FLOPs (its 600 steps: 77-90 s, 53 s
# estimated, within the factor 2).


def _model(run: dict, vocab_size: int | None) -> tuple[GPTConfig, int, int]:
    """Model config, parameters without the position embedding (for FLOPs), all parameters."""
    return _counted_model(json.dumps(run.get("model", {"size": "tiny"}), sort_keys=True), vocab_size)


@functools.cache
def _counted_model(model_json: str, vocab_size: int | None) -> tuple[GPTConfig, int, int]:
    # Cached: Snakemake asks for every GPT job's runtime, priority and memory before the first
    # job starts, and building even a meta-device model takes ~45 ms (its init's normal_ calls).
    config = model_config(json.loads(model_json), vocab_size)
    with torch.device("meta"):  # shapes only: no memory, instant even for GPT-2
        model = GPT(config)
    return config, model.num_params(), model.num_params(non_embedding=False)


def training_flops(run: dict, vocab_size: int | None = None) -> float:
    """Model FLOPs of a whole run: training steps plus evaluations (forward only: 1/3)."""
    cfg = TrainConfig.from_dict(run)
    config, n_params, _ = _model(run, vocab_size)
    per_token = flops_per_token(config, n_params)
    train_tokens = cfg.max_iters * cfg.batch_size * cfg.grad_accum * config.block_size
    n_evals = 1 + cfg.max_iters // cfg.eval_interval + 1
    eval_tokens = n_evals * cfg.eval_batches * (cfg.eval_batch_size or cfg.batch_size) * config.block_size
    return per_token * (train_tokens + eval_tokens / 3)


def training_memory_mb(run: dict, vocab_size: int | None = None) -> float:
    """Memory the training itself holds, on whatever device it runs: weights, gradients and two
    optimizer states in fp32 (AdamW: m, v; FOCUS/Signum: m and the parameter EMA), plus the
    activations of one micro-batch (Korthikanti et al. 2022: about 34 bytes x width per token
    and layer in 16-bit, without the attention-matrix term thanks to fused attention; twice
    that in fp32) and its logits (fp32 logits, softmax and gradient)."""
    cfg = TrainConfig.from_dict(run)
    config, _, n_all = _model(run, vocab_size)
    state_bytes = 16 * n_all
    tokens = cfg.batch_size * config.block_size
    bytes_per_activation = 1 if cfg.precision in ("bf16", "fp16") else 2
    activation_bytes = tokens * config.n_layer * 34 * config.n_embd * bytes_per_activation
    logit_bytes = tokens * config.vocab_size * 12
    return (state_bytes + activation_bytes + logit_bytes) / 2**20


def training_resources(
    run: dict,
    *,
    flops_per_second: float,
    gpu: bool,
    vocab_size: int | None = None,
    safety: float = 1.5,
    startup_seconds: float | None = None,
) -> dict:
    """``{"runtime": minutes, "mem_mb": MB, "gpu": 0|1}`` for a training rule.

    ``flops_per_second``: sustained model FLOP/s of the target device (from the workflow
    config). ``gpu``: the job runs on a GPU; then host memory only stages checkpoints (twice
    the weights and optimizer state) on top of the CUDA context, while on a CPU the whole
    training memory is host memory. ``safety``: the margin on that CPU memory (the runtime's
    margin is physlearn.resources.SAFETY). ``startup_seconds``: before the first step (default
    :data:`GPU_STARTUP_SECONDS` on a GPU, physlearn.resources.STARTUP_SECONDS on a CPU).
    """
    if flops_per_second <= 0:
        raise ValueError(f"flops_per_second must be > 0, got {flops_per_second}")
    if startup_seconds is None:
        startup_seconds = GPU_STARTUP_SECONDS if gpu else STARTUP_SECONDS
    seconds = startup_seconds + training_flops(run, vocab_size) / flops_per_second
    if gpu:
        _, _, n_all = _model(run, vocab_size)
        mem_mb = 4000 + 2 * 16 * n_all / 2**20
    else:
        mem_mb = 1500 + safety * training_memory_mb(run, vocab_size)
    return {"runtime": slurm_minutes(seconds), "mem_mb": int(math.ceil(mem_mb / 100) * 100), "gpu": int(gpu)}
