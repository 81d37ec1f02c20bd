"""Training throughput of our GPT trainer step against a plain nanoGPT-equivalent loop.

    python benchmarks/gpt_throughput.py                 # CPU: sizes tiny and mini, 1 and 2 threads
    python benchmarks/gpt_throughput.py --quick         # CPU: tiny, 2 threads, fewer steps
    python benchmarks/gpt_throughput.py --device cuda   # GPU: GPT-2 small, bf16 (ours compiled)

Measures, in one run, tokens per second and model FLOPs utilisation (MFU) of:

- **ours**: ``physlearn.gpt.train.Trainer.train_step``, the step the workflow runs: fused
  attention (``scaled_dot_product_attention``), AdamW foreach (CPU) or fused (CUDA), bf16
  autocast and TF32 on a GPU, ``torch.compile`` when asked for (``--compile``; the default
  on CUDA);
- **baseline**: the same model and batches through a plain nanoGPT-style loop with no
  compile and no fused kernels: attention spelled out (``q @ k^T``, mask, softmax, ``@ v``),
  AdamW as a per-parameter loop (``foreach=False``), the same precision.

Both train on random tokens written to a temporary directory. Their steps alternate in
rounds, so that both see the same machine load (the project's machine is shared); the table
gives the median over rounds.

MFU = flops_per_token (6 x parameters + attention, ``physlearn.gpt.model.flops_per_token``)
x tokens/s / peak. Peak: on a GPU, the dense bf16 (or fp16/TF32) datasheet figure
(``physlearn.gpt.resources.PEAK_FLOPS``). On a CPU the datasheet peak depends on boost
clocks that a VM does not show, so the peak is the measured rate of a large fp32 matmul at
the same thread count (``--cpu-peak-gflops`` overrides it): CPU MFU says how close training
gets to the machine's best matmul.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from physlearn.gpt.model import GPT, flops_per_token
from physlearn.gpt.train import TrainConfig, Trainer, autocast_context
from physlearn.runtime import cpu_name, peak_flops

# (model size, sequences per step) per device; the block size comes with the model size.
DEFAULT_RUNS = {"cpu": [("tiny", 16), ("mini", 8)], "cuda": [("gpt2", 16)]}
TARGET_GPU_MFU = 0.45


def write_random_tokens(directory: Path, vocab_size: int, n_tokens: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        rng.integers(0, vocab_size, size=n_tokens, dtype=np.uint16).tofile(directory / f"{split}.bin")
    (directory / "meta.json").write_text(json.dumps({"vocab_size": vocab_size, "dtype": "uint16"}))


class PlainLoop:
    """nanoGPT's training step without compile or fused kernels, on the trainer's batches."""

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        config = trainer.model_config
        self.model = GPT(type(config)(**{**vars(config), "flash": False})).to(trainer.device)
        self.model.load_state_dict(trainer.model.state_dict())
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
            lr=6e-4,
            betas=(0.9, 0.95),
            foreach=False,
            fused=False,
        )
        self.autocast = autocast_context(trainer.precision, trainer.device)
        self.scaler = torch.amp.GradScaler(trainer.device.type, enabled=trainer.precision == "fp16")

    def train_step(self, it: int) -> float:
        cfg = self.trainer.cfg
        for _ in range(cfg.grad_accum):
            x, y = self.trainer.train_windows.next_batch(cfg.batch_size, self.trainer.device)
            with self.autocast:
                _, loss = self.model(x, y)
                loss = loss / cfg.grad_accum
            self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.item()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(step, it0: int, steps: int, device: torch.device) -> float:
    _sync(device)
    start = time.perf_counter()
    for it in range(it0, it0 + steps):
        step(it)
    _sync(device)
    return time.perf_counter() - start


def matmul_flops(device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """Best measured FLOP/s of an n x n fp32 (CPU) or bf16 (GPU) matmul."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    a, b = (torch.randn(n, n, device=device, dtype=dtype) for _ in range(2))
    a @ b
    best = math.inf
    for _ in range(repeats):
        best = min(best, time_steps(lambda _: a @ b, 0, 1, device))
    return 2 * n**3 / best


_CPU_PEAKS: dict[int, float] = {}


def cpu_matmul_peak(threads: int) -> float:
    """The CPU's measured 4096^2 fp32 matmul rate at ``threads``, measured once per count."""
    if threads not in _CPU_PEAKS:
        _CPU_PEAKS[threads] = matmul_flops(torch.device("cpu"), n=4096, repeats=3)
    return _CPU_PEAKS[threads]


def measure(size: str, batch_size: int, args, device: str, threads: int, workdir: Path) -> dict:
    vocab = args.vocab or (50304 if size.startswith("gpt2") else 4096)
    data = workdir / f"data-{vocab}"
    if not data.exists():
        data.mkdir()
        write_random_tokens(data, vocab)
    compile_ours = args.compile if args.compile is not None else device == "cuda"
    cfg = TrainConfig.from_dict(
        {
            "data_dir": str(data),
            "model": {"size": size},
            "batch_size": batch_size,
            "grad_accum": 1,
            "max_iters": 10**6,
            "warmup_iters": 10,
            "lr_decay_iters": 10**6,
            "device": device,
            "threads": threads,
            "compile": compile_ours,
            "precision": args.precision,
            "eval_batches": 1,
        }
    )
    ours = Trainer(cfg, workdir / "out")
    baseline = PlainLoop(ours)
    dev = ours.device
    it = 0
    for step in (ours.train_step, baseline.train_step):  # warm-up (and compilation)
        time_steps(step, it, args.warmup, dev)
    it += args.warmup
    times = {"ours": [], "baseline": []}
    for _ in range(args.rounds):
        times["ours"].append(time_steps(ours.train_step, it, args.steps, dev))
        times["baseline"].append(time_steps(baseline.train_step, it, args.steps, dev))
        it += args.steps
    tokens = args.steps * ours.tokens_per_step
    per_token = flops_per_token(ours.model_config, ours.n_params)
    if dev.type == "cuda":
        peak = peak_flops(torch.cuda.get_device_name(), ours.precision)
    else:
        peak = args.cpu_peak_gflops * 1e9 if args.cpu_peak_gflops else cpu_matmul_peak(threads)
    rows = []
    for name in ("ours", "baseline"):
        tokens_per_s = tokens / statistics.median(times[name])
        rows.append(
            {
                "implementation": name,
                "size": size,
                "params": ours.n_params,
                "device": str(dev),
                "threads": threads,
                "precision": ours.precision,
                "compiled": compile_ours and name == "ours",
                "tokens_per_step": ours.tokens_per_step,
                "tokens_per_s": tokens_per_s,
                "model_flops": per_token * tokens_per_s,
                "mfu": per_token * tokens_per_s / peak if peak else math.nan,
                "peak": peak,
            }
        )
    del ours, baseline
    if dev.type == "cuda":
        torch.cuda.empty_cache()
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--sizes", nargs="+", help="model sizes, each optionally SIZE:BATCH (default: per device)")
    ap.add_argument("--threads", type=int, nargs="+", help="torch threads (CPU default: 1 2; --quick: 2)")
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    ap.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="torch.compile our step (default: on CUDA only)",
    )
    ap.add_argument("--vocab", type=int, help="vocabulary (default 50304 for gpt2 sizes, 4096 otherwise)")
    ap.add_argument("--steps", type=int, help="steps per round (default 20 CPU, 10 CUDA)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, help="untimed steps first (default 3 CPU, 10 CUDA: compilation)")
    ap.add_argument("--cpu-peak-gflops", type=float, help="CPU peak for MFU (default: measured 4096^2 fp32 matmul)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--check", action="store_true", help=f"exit 1 when GPU MFU is below {TARGET_GPU_MFU * 100:.0f}%%"
    )  # %% for argparse
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("--device cuda: no CUDA device here; nothing measured", file=sys.stderr)
        return 2
    cuda = args.device == "cuda"
    args.steps = args.steps or (5 if args.quick else 10 if cuda else 20)
    args.warmup = args.warmup or (10 if cuda else 3)
    if args.quick:
        args.rounds = min(args.rounds, 2)
    runs = DEFAULT_RUNS[args.device][:1] if args.quick else DEFAULT_RUNS[args.device]
    if args.sizes:
        runs = [(s.split(":")[0], int(s.split(":")[1]) if ":" in s else 8) for s in args.sizes]
    threads_list = [torch.get_num_threads()] if cuda else (args.threads or ([2] if args.quick else [1, 2]))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size, batch_size in runs:
            for threads in threads_list:
                rows += measure(size, batch_size, args, args.device, threads, Path(tmp))

    device = torch.device(args.device)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("# GPT training throughput: our trainer step vs a plain nanoGPT-equivalent loop\n")
    if cuda:
        name = torch.cuda.get_device_name()
        print(
            f"device: {name}; peak {rows[0]['peak'] or float('nan'):.3g} FLOP/s ({rows[0]['precision']}, datasheet); "
            f"a 2048^2 bf16 matmul runs at {matmul_flops(device) / 1e12:.0f} TFLOP/s"
        )
    else:
        peaks = ", ".join(f"{t} thread(s): {p / 1e9:.0f} GFLOP/s" for t, p in sorted(_CPU_PEAKS.items())) or "given"
        print(
            f"device: {cpu_name()}, {os.cpu_count()} logical CPUs; CPU peak for MFU = measured 4096^2 fp32 "
            f"matmul rate: {peaks}"
        )
    print(
        f"load average {load:.2f} at the end; python {platform.python_version()}, torch {torch.__version__}; "
        f"median of {args.rounds} rounds of {args.steps} steps after {args.warmup} warm-up steps\n"
    )
    print(
        "| implementation | model | params | device | threads | precision | compiled | tokens/step | tokens/s "
        "| model FLOP/s | MFU | ours / baseline |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for ours, base in zip(rows[::2], rows[1::2]):
        for row in (ours, base):
            speedup = f"{ours['tokens_per_s'] / base['tokens_per_s']:.2f}x" if row is ours else ""
            print(
                f"| {row['implementation']} | {row['size']} | {row['params'] / 1e6:.2f}M | {row['device']} "
                f"| {row['threads']} | {row['precision']} | {'yes' if row['compiled'] else 'no'} "
                f"| {row['tokens_per_step']:,} | {row['tokens_per_s']:,.0f} | {row['model_flops'] / 1e9:,.1f} G "
                f"| {row['mfu']:.1%} | {speedup} |"
            )
        if cuda and ours["size"] == "gpt2":
            hit = ours["mfu"] >= TARGET_GPU_MFU
            ok &= hit
            print(
                f"\nGPT-2 small, ours: MFU {ours['mfu']:.1%} (target >= {TARGET_GPU_MFU:.0%}: {'met' if hit else 'MISSED'})"
            )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
