"""Throughput of the fractal-boundary sweep (spec shared/papers/fractal.md, section 4) against a
straightforward per-trajectory loop, both float64, in the same run.

    python benchmarks/fractal_sweep.py            # G(16): 65,537 learning rates per loss
    python benchmarks/fractal_sweep.py --quick    # G(14), fewer loop trajectories, one round

Workloads: the E1 cell (additive, eps 0.2, wl 0.1, x0 1, criterion A) and the E2 cell
(multiplicative, same parameters), over the clean learning-rate grid G(N), T = 1000.

Measures, interleaved over ``--rounds`` rounds (best time of each kept):

- our sweep (``physlearn.fractal.boundary.sweep.sweep_labels``: a working set of 16,384 trajectories
  advanced as one tensor program, decided trajectories replaced every 25 steps) with 1 thread
  and with 2 threads as two workers on separate chunks (torch single-threaded in each); with
  ``--intra-op`` also with 2 torch intra-op threads on one chunk;
- the per-trajectory loop (``physlearn.fractal.boundary.loop``: numpy float64, one trajectory and one
  step at a time, criterion A with its early stop) on a seeded sample of the same learning
  rates, single-threaded; its labels are checked against the sweep's.

Rates are *useful* trajectory-steps per second: the steps the literal loop takes (it stops a
trajectory at its first loss above 1e8), counted for every grid point in an untimed tensor pass
with the same arithmetic. The sweep computes somewhat more (a decided trajectory runs on until
the next 25-step boundary; NaN windows are replayed); those executed steps are printed too,
but the rates and the speed-up use useful steps, so they compare time per trajectory solved.
The "nominal" rate (grid points x 1000 / wall time) is the spec's unit of cost. Targets (issue 23, item 5): >= 5e7 trajectory-steps/s with 2 threads and >= 100x the loop
single-threaded, for both losses; ``--check`` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch

from physlearn.fractal.boundary import loop as fractal_loop
from physlearn.fractal.boundary.counting import clean_grid
from physlearn.fractal.boundary.sweep import DEFAULT_WIDTH, STEPS, T_STEPS, _derived, sweep_labels
from physlearn.runtime import cpu_name

CELL = {"eps": 0.2, "wl": 0.1}
LOSSES = ("additive", "multiplicative")
FIG2C_TRAJECTORY_STEPS = 100 * 2**20 * 1000  # paper resolution of Fig. 2c (criterion B: no early stop)
TARGET_RATE_2_THREADS = 5e7
TARGET_SPEEDUP = 100.0

# (row name, threads shown, torch threads, workers)
SWEEPS = [
    ("sweep (ours)", "1", 1, 1),
    ("sweep (ours), 2 workers", "2", 1, 2),
]
INTRA_OP = ("sweep (ours), 2 intra-op threads", "2", 2, 1)
TAU = 1e8


def useful_steps(loss: str, lr: np.ndarray) -> np.ndarray:
    """Per learning rate, the GD steps the literal criterion-A loop takes: the first t with
    L_t > 1e8, else T. One untimed pass with the sweep's step (the loop's arithmetic)."""
    torch.set_num_threads(1)
    lr_t = torch.as_tensor(lr)
    x = torch.ones_like(lr_t)
    p = _derived(loss, CELL | {"lr": lr_t})
    first = torch.full(lr_t.shape, T_STEPS, dtype=torch.int64)
    buf: dict = {}
    STEPS[loss](x, p, buf)  # L_0 is never tested
    for t in range(1, T_STEPS + 1):
        crossed = (STEPS[loss](x, p, buf) > TAU) & (first == T_STEPS)
        first[crossed] = t
    return first.numpy()


def time_sweep(loss: str, lr: np.ndarray, torch_threads: int, workers: int) -> tuple[float, int, np.ndarray]:
    """(wall time, executed trajectory-steps, labels) of one sweep over the grid."""
    torch.set_num_threads(torch_threads)
    start = time.perf_counter()
    labels, executed = sweep_labels(loss, lr, CELL, 1.0, "A", workers=workers, return_steps=True)
    return time.perf_counter() - start, executed, labels[0]


def time_loop(loss: str, lr: np.ndarray, sample: np.ndarray) -> tuple[float, int, np.ndarray]:
    """(wall time, executed trajectory-steps, labels) of the loop over the sampled learning rates."""
    torch.set_num_threads(1)
    labels, executed = [], 0
    start = time.perf_counter()
    for j in sample:
        divergent, steps = fractal_loop.run_trajectory(loss, 1.0, float(lr[j]), CELL, "A")
        labels.append(divergent)
        executed += steps
    return time.perf_counter() - start, executed, np.array(labels)


def human_time(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="G(14), 60 loop trajectories per loss, one round")
    ap.add_argument("--level", type=int, help="grid level N of G(N) (default 16; 14 with --quick)")
    ap.add_argument("--loop-trajectories", type=int, help="loop trajectories per loss (default 300; 60 with --quick)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds, best time kept (default 2; 1 with --quick)")
    ap.add_argument("--intra-op", action="store_true", help="also time 2 torch intra-op threads on one chunk")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    level = args.level or (14 if args.quick else 16)
    n_loop = args.loop_trajectories or (60 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 2)
    torch.set_grad_enabled(False)
    lr = clean_grid(level)
    sample = np.sort(np.random.default_rng(0).choice(len(lr), size=min(n_loop, len(lr)), replace=False))

    sweeps = SWEEPS + ([INTRA_OP] if args.intra_op else [])
    sweep_labels("multiplicative", lr[:4097], CELL, 1.0, "A")  # warm up allocator and dispatch
    useful = {loss: useful_steps(loss, lr) for loss in LOSSES}

    best: dict[tuple[str, str], tuple[float, int]] = {}  # (loss, row) -> (seconds, executed)
    mismatches, step_mismatches = {}, {}
    for _ in range(rounds):
        for loss in LOSSES:
            for name, _shown, torch_threads, workers in sweeps:
                seconds, executed, labels = time_sweep(loss, lr, torch_threads, workers)
                if seconds < best.get((loss, name), (float("inf"), 0))[0]:
                    best[(loss, name)] = (seconds, executed)
            seconds, executed, loop_labels = time_loop(loss, lr, sample)
            if seconds < best.get((loss, "loop"), (float("inf"), 0))[0]:
                best[(loss, "loop")] = (seconds, executed)
            mismatches[loss] = int(np.count_nonzero(loop_labels != labels[sample]))
            step_mismatches[loss] = executed - int(useful[loss][sample].sum())
    torch.set_num_threads(1)

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"# Fractal-boundary sweep throughput ({'quick' if args.quick else 'full'} run)\n")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} logical CPUs, load average {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} (1/5/15 min) at the end; python {platform.python_version()}, torch {torch.__version__}, "
        f"numpy {np.__version__}"
    )
    print(
        f"sweep: G({level}) = {len(lr):,} learning rates x {T_STEPS} steps per loss, float64, working set "
        f"{DEFAULT_WIDTH:,}, criterion A; loop: {len(sample)} of those learning rates, numpy float64; "
        f"best of {rounds} interleaved round(s)\n"
    )
    print(
        "| loss | implementation | threads | useful trajectory-steps | wall time | useful trajectory-steps/s "
        "| ns per useful step | executed steps | nominal steps/s (points x 1000) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rates = {}
    for loss in LOSSES:
        for name, shown, _t, _w in [*sweeps, ("loop", "1", 1, 1)]:
            seconds, executed = best[(loss, name)]
            steps = executed if name == "loop" else int(useful[loss].sum())
            rate = steps / seconds
            rates[(loss, name)] = rate
            points = len(lr) if name != "loop" else len(sample)
            label = "per-trajectory numpy loop" if name == "loop" else name
            print(
                f"| {loss} | {label} | {shown} | {steps:.3g} | {seconds:.2f} s | {rate / 1e6:.3g} M "
                f"| {1e9 / rate:.3g} | {executed:.3g} | {points * T_STEPS / seconds / 1e6:.3g} M |"
            )

    print()
    ok = True
    for loss in LOSSES:
        loop_rate = rates[(loss, "loop")]
        speedup = rates[(loss, "sweep (ours)")] / loop_rate
        two = max(rates[(loss, name)] for name, shown, _t, _w in sweeps if shown == "2")
        hit_speedup, hit_rate = speedup >= TARGET_SPEEDUP, two >= TARGET_RATE_2_THREADS
        ok &= hit_speedup and hit_rate
        print(
            f"{loss}: speed-up, single-threaded sweep vs single-threaded loop: {speedup:,.0f}x "
            f"(target >= {TARGET_SPEEDUP:.0f}x: {'met' if hit_speedup else 'MISSED'}); "
            f"sweep with 2 threads: {two / 1e6:.1f} M trajectory-steps/s "
            f"(target >= {TARGET_RATE_2_THREADS / 1e6:.0f} M: {'met' if hit_rate else 'MISSED'}); "
            f"loop {1e6 / loop_rate:.2f} us per trajectory-step; "
            f"labels of the {len(sample)} loop trajectories that differ from the sweep's: {mismatches[loss]}; "
            f"loop steps minus the counted useful steps on them: {step_mismatches[loss]}"
        )
    fig2c_rate = max(rates[("additive", name)] for name, shown, _t, _w in sweeps if shown == "2")
    print(
        f"paper-resolution Fig. 2c (1.05e11 trajectory-steps; criterion B runs bounded trajectories all 1000 steps) "
        f"at the additive 2-thread useful rate: at most {human_time(FIG2C_TRAJECTORY_STEPS / fig2c_rate)} "
        f"on this machine"
    )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
