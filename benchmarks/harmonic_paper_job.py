"""Wall time of the harmonic paper's MLP training job at the paper's settings (harmonic spec
section 2; Figs. 2, 3a-c, 7), per epoch, and what it makes of the whole job.

    python benchmarks/harmonic_paper_job.py              # 20 seeds (the paper's), 3 epochs
    python benchmarks/harmonic_paper_job.py --seeds 5    # the CPU snapshot's seed cut
    python benchmarks/harmonic_paper_job.py --quick      # 1 seed, 1 epoch

One task's job is every seed x (standard, harmonic) x the eight train fractions of Fig. 3b
(0.8 the main one): 320 runs at 20 seeds, 1000 samples, batch 32. Measured in one run, on
the same runs:

- stacks (ours): ``loop.train``, one stack per training-set size, each stepping through its
  own epoch only (4 to 29 batch steps);
- one stack (the previous trainer): every run in one tensor program on the longest epoch's
  29 steps, the shorter runs frozen on their extra steps. Its work is reproduced by giving
  every run the largest fraction (the same tensors and steps).

Prints seconds per epoch, run-steps per second and the job's projected hours (five tasks x
7000 epochs), each the best of ``--repeats``, with the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace

import torch

from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic import loop as T
from physlearn.runtime import cpu_name

PAPER_SEEDS = [0, 52, 105, 157, 210, 263, 315, 368, 421, 473, 526, 578, 631, 684, 736, 789, 842, 894, 947, 1000]
FRACTIONS = [0.8, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.9]  # main first, then Fig. 3b's
PAPER_EPOCHS, TASKS = 7000, 5


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20, help="seeds (the paper's, first ones; default 20)")
    ap.add_argument("--epochs", type=int, default=3, help="epochs timed (default 3)")
    ap.add_argument("--task", default="lattice", choices=list(D.TASKS))
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a workflow job's)")
    ap.add_argument("--repeats", type=int, default=2, help="repeats, best kept (default 2)")
    ap.add_argument("--quick", action="store_true", help="1 seed, 1 epoch, one repeat (a smoke test)")
    args = ap.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.repeats = 1, 1, 1
    torch.set_num_threads(args.threads)

    task = D.make_task(args.task)
    cfg = T.model_config(task, "mlp")
    runs = [
        T.Run(seed=s, harmonic=h, train_fraction=f, track=f == FRACTIONS[0])
        for f in FRACTIONS
        for s in PAPER_SEEDS[: args.seeds]
        for h in (False, True)
    ]
    one_stack = [replace(r, train_fraction=max(FRACTIONS)) for r in runs]
    settings = T.TrainSettings(epochs=args.epochs)
    steps = {f: -(-D.n_train(settings.samples, f) // settings.batch_size) for f in FRACTIONS}
    work = {
        "stacks (ours)": 2 * args.seeds * sum(steps.values()),
        "one stack (previous)": len(runs) * max(steps.values()),
    }
    print(
        f"{len(runs)} MLP runs on {args.task} ({args.seeds} seeds x 2 x {len(FRACTIONS)} fractions), "
        f"{args.epochs} epochs, {args.threads} thread(s)"
    )
    T.train(task, cfg, runs[:2], T.TrainSettings(epochs=1))  # warm-up
    fns = {
        "stacks (ours)": lambda: T.train(task, cfg, runs, settings),
        "one stack (previous)": lambda: T.train(task, cfg, one_stack, settings),
    }
    best = {name: float("inf") for name in fns}
    for _ in range(args.repeats):
        for name, fn in fns.items():  # taking turns, so that both share the machine's load
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    load = os.getloadavg()[0]
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} logical CPUs, load average {load:.2f} at the end; "
        f"Python {platform.python_version()}, torch {torch.__version__}; best of {args.repeats}\n"
    )
    print("| trainer | run-steps per epoch | s per epoch | run-steps per s | job: 5 tasks x 7000 epochs |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in best.items():
        per_epoch = seconds / args.epochs
        hours = per_epoch * PAPER_EPOCHS * TASKS / 3600
        print(f"| {name} | {work[name]} | {per_epoch:.3f} | {work[name] / per_epoch:,.0f} | {hours:.1f} h |")
    print(f"\nspeed-up: {best['one stack (previous)'] / best['stacks (ours)']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
