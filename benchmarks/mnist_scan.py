"""Wall time of the MNIST batch-size scan (FOCUS spec section 3; Figs. 2c/2d) at the paper's
network grid, per batch size: the learning rates trained in cache-sized chunks (ours) against
all of them as one program (the trainer until session 18), in the same run.

    python benchmarks/mnist_scan.py                       # batches 16, 64, 256, 1024; 20 steps
    python benchmarks/mnist_scan.py --batches 512 --steps 40
    python benchmarks/mnist_scan.py --quick               # batch 64, 3 steps

A batch-size job trains 240 BatchNorm MLPs (AdamW and FOCUS at gammas 0, 0.2, 0.4 x 3
replicates x 20 learning rates; five hidden layers of 128) for 400 steps on the 8x8 digits.
``physlearn.focus.mnist.scan.train_batch_size`` trains the learning rates in chunks whose
widest activation tensor stays under ``CHUNK_ACTIVATION_BYTES``; the baseline is the same
function with that limit lifted, so every learning rate is in one program. Both return the
same numbers (checked here). Prints seconds per step, the speed-up and the job's projected
seconds (400 steps), each the best of ``--repeats``, with the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from physlearn.data.vision import load_digits_split
from physlearn.focus.mnist import scan as S
from physlearn.runtime import cpu_name

REPO = Path(__file__).resolve().parents[1]


def paper_section() -> dict:
    """config/paper.yaml's ``focus_mnist``, with the schema defaults it leaves out."""
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())["focus_mnist"]
    return {"dtype": "float32", "eval_chunk": 2048, **paper}


def timed(scan, data, batch: int, steps: int, limit: int) -> tuple[float, dict]:
    S.CHUNK_ACTIVATION_BYTES = limit
    started = time.perf_counter()
    out = S.train_batch_size(scan, data, batch, "cpu", steps=steps)
    return time.perf_counter() - started, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, nargs="+", default=[16, 64, 256, 1024])
    ap.add_argument("--steps", type=int, default=20, help="steps timed (default 20)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a workflow job's)")
    ap.add_argument("--repeats", type=int, default=1, help="repeats, best kept (default 1)")
    ap.add_argument("--quick", action="store_true", help="batch 64, 3 steps (a smoke test)")
    args = ap.parse_args(argv)
    if args.quick:
        args.batches, args.steps, args.repeats = [64], 3, 1
    torch.set_num_threads(args.threads)
    data, _ = load_digits_split(0.2, 0)
    scan = S.MnistScan.from_config(paper_section(), seed=0)
    chunked_limit = S.CHUNK_ACTIVATION_BYTES
    print(f"# {cpu_name()}, {os.cpu_count()} CPUs, {args.threads} torch thread(s), torch {torch.__version__},")
    print(
        f"# Python {platform.python_version()}; 240 networks of 75k weights, {args.steps} steps, best of {args.repeats}"
    )
    print(
        "| batch | chunks | chunked (ours), s/step | one program, s/step | speed-up | job (400 steps), ours | one program | same numbers |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for batch in args.batches:
        ours, one = float("inf"), float("inf")
        for _ in range(args.repeats):  # the two take turns
            seconds, a = timed(scan, data, batch, args.steps, chunked_limit)
            ours = min(ours, seconds)
            seconds, b = timed(scan, data, batch, args.steps, 2**62)
            one = min(one, seconds)
        same = all(np.allclose(a[k], b[k], rtol=1e-5, atol=0, equal_nan=True) for k in a)
        S.CHUNK_ACTIVATION_BYTES = chunked_limit
        chunks = len(S.lr_chunks(len(scan.lr), len(scan.gammas) * scan.replicates, batch, max(scan.hidden)))
        per_ours, per_one = ours / args.steps, one / args.steps
        print(
            f"| {batch} | {chunks} | {per_ours:.3f} | {per_one:.3f} | {one / ours:.2f}x | "
            f"{400 * per_ours:.0f} s | {400 * per_one:.0f} s | {'yes' if same else 'NO'} |",
            flush=True,
        )
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"# load average at the end: {load}; {sys.platform}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
