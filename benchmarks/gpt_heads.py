"""Training-step time of the harmonic-loss paper's GPT heads: our loss against the whole mixed
distribution.

    python benchmarks/gpt_heads.py            # the laptop scale: tiny GPT, vocab 2048, batch 16, 1 thread
    python benchmarks/gpt_heads.py --vocab 50304 --batch-size 4
    python benchmarks/gpt_heads.py --quick    # one round of 3 steps: that it runs, no timing
    python benchmarks/gpt_heads.py --device cuda --size gpt2 --vocab 50257 --batch-size 8
                                              # the paper's model; adds each loss's peak GPU memory

Both of that paper's GPTs mix 1% of uniform probability into the head's distribution
(``uniform_mix``, harmonic spec section 1). Measured in one run, per head (standard and
harmonic, each with mix 0.01; the FOCUS runs' plain head, mix 0, for scale):

- **ours**: ``Trainer.train_step`` as the workflow runs it: the loss takes the mixed
  probability at the target only (``physlearn.gpt.model.uniform_mix_cross_entropy``: one
  logsumexp over the vocabulary);
- **baseline**: the same step with the loss computed from the whole mixed distribution,
  ``F.nll_loss(mix_uniform(log_softmax(logits)))``, as the heads did before (log_softmax and
  logaddexp over every token, forward and backward).

The two steps alternate in rounds on the same trainer (same machine load); the table gives
the median ms per step. Both losses are checked to agree on the first batch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from physlearn.gpt import model as gpt_model
from physlearn.gpt.model import mix_uniform, uniform_mix_cross_entropy
from physlearn.gpt.train import TrainConfig, Trainer
from physlearn.runtime import cpu_name

sys.path.insert(0, str(Path(__file__).parent))
from gpt_throughput import write_random_tokens  # noqa: E402

HEADS = {
    "standard, mix 0.01": {"head_options": {"uniform_mix": 0.01}},
    "harmonic, mix 0.01": {"head": "harmonic", "head_options": {"uniform_mix": 0.01}},
    "standard, no mix (FOCUS)": {},
}


def whole_distribution_loss(logits, targets, mix=0.0, ignore_index=-1):
    """The baseline: NLL of the whole mixed distribution (what the loss equals)."""
    log_probs = F.log_softmax(logits.float(), dim=-1)
    if mix:
        log_probs = mix_uniform(log_probs, mix)
    return F.nll_loss(log_probs.view(-1, log_probs.shape[-1]), targets.view(-1), ignore_index=ignore_index)


def measure(name: str, model: dict, args, data_dir: Path, out_dir: Path) -> dict:
    cfg = TrainConfig.from_dict(
        dict(
            data_dir=str(data_dir),
            model={"size": args.size, **model},
            lr=6e-3,
            min_lr=3e-4,
            max_iters=10**6,
            warmup_iters=10,
            lr_decay_iters=10**6,
            batch_size=args.batch_size,
            threads=args.threads,
            device=args.device,
            precision=args.precision,
        )
    )
    trainer = Trainer(cfg, out_dir)
    x, y = trainer.train_windows.next_batch(cfg.batch_size, trainer.device)
    with torch.no_grad():
        logits, ours = trainer.model(x, y)
        mix = getattr(trainer.model.lm_head, "uniform_mix", 0.0)
        baseline = whole_distribution_loss(logits, y, mix)
    assert abs(ours.item() - baseline.item()) < 1e-5 * abs(baseline.item()), (ours.item(), baseline.item())

    times = {"ours": [], "baseline": []}
    peak_gb = {"ours": 0.0, "baseline": 0.0}  # CUDA only
    cuda = trainer.device.type == "cuda"
    it = 0
    for _ in range(args.rounds):
        for label in ("ours", "baseline"):
            gpt_model.uniform_mix_cross_entropy = (
                uniform_mix_cross_entropy if label == "ours" else whole_distribution_loss
            )
            for _ in range(args.warmup):
                trainer.train_step(it)
                it += 1
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            started = time.perf_counter()
            for _ in range(args.steps):
                trainer.train_step(it)  # returns loss.item(): on CUDA, each step ends synchronised
                it += 1
            times[label].append((time.perf_counter() - started) / args.steps * 1e3)
            if cuda:
                peak_gb[label] = max(peak_gb[label], torch.cuda.max_memory_allocated() / 2**30)
    gpt_model.uniform_mix_cross_entropy = uniform_mix_cross_entropy
    ours_ms, base_ms = statistics.median(times["ours"]), statistics.median(times["baseline"])
    return {"head": name, "ours": ours_ms, "baseline": base_ms, "speedup": base_ms / ours_ms, "peak_gb": peak_gb}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--size", default="tiny", help="model size (physlearn.gpt.model.MODEL_SIZES; the paper's: gpt2)")
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    ap.add_argument("--vocab", type=int, default=2048, help="vocabulary (the laptop's BPE: 2048)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the laptop's GPT jobs: 1)")
    ap.add_argument("--steps", type=int, default=20, help="timed steps per round")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps before each round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one round of 3 steps after 1 (the test suite's check)")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.steps, args.warmup = 1, 3, 1
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: this machine has no CUDA device")
    torch.set_num_threads(args.threads)
    where = torch.cuda.get_device_name(0) if args.device == "cuda" else f"{cpu_name()}, {args.threads} thread(s)"
    print(f"# GPT head loss: {where}, torch {torch.__version__}, precision {args.precision}")
    print(f"# GPT size {args.size}, token vocabulary {args.vocab}, batch {args.batch_size}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        write_random_tokens(data_dir, args.vocab)
        for i, (name, model) in enumerate(HEADS.items()):
            rows.append(measure(name, model, args, data_dir, Path(tmp) / f"run{i}"))
    memory = args.device == "cuda"
    print(f"{'head':<26} {'ours ms/step':>13} {'baseline ms/step':>17} {'speed-up':>9}", end="")
    print(f" {'ours peak GB':>13} {'baseline peak GB':>17}" if memory else "")
    for r in rows:
        print(f"{r['head']:<26} {r['ours']:>13.1f} {r['baseline']:>17.1f} {r['speedup']:>8.2f}x", end="")
        print(f" {r['peak_gb']['ours']:>13.2f} {r['peak_gb']['baseline']:>17.2f}" if memory else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
