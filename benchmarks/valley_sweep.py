"""Throughput of the narrowing-valley sweep (FOCUS spec section 2) against the authors'
style of code, and the projected cost of full-resolution Fig. 2a on this machine.

    python benchmarks/valley_sweep.py            # 1000 steps, 64 pixels x 20 lr x 50 replicates
    python benchmarks/valley_sweep.py --quick    # a few seconds

Measures, in one run:

- our vectorised sweep (``physlearn.focus.valley.sweep.iter_shard``: one chunk of 64 pixels x 20
  learning rates x 50 replicates x 3 optimizers advanced as one tensor program, float32) with
  torch threads = 1 and = 2;
- the per-trajectory Python loop, "the way the authors ran it"
  (``physlearn.focus.valley.loop``: numpy, one trajectory and one step at a time,
  ``np.random.randn`` per step), on a few trajectories of every optimizer, single-threaded;

and prints trajectory-steps per second, the single-thread speed-up, and the projected wall
time of full-resolution Fig. 2a (96 x 100 x 20 x 50 x 1000 x 3 = 2.88e10 trajectory-steps).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch

from physlearn.focus.valley import loop as valley_loop
from physlearn.focus.valley.sweep import OPTIMIZERS, ValleyScan, iter_shard
from physlearn.runtime import cpu_name

FIG2A_TRAJECTORY_STEPS = 96 * 100 * 20 * 50 * 1000 * 3
TARGET_RATE_2_THREADS = 50e6
TARGET_SPEEDUP = 500.0


def sweep_scan(steps: int, pixels: int, pixels_per_chunk: int, replicates: int, n_lr: int, dtype: str) -> ValleyScan:
    """A Fig. 2a-like scan with the paper's lr grid and replicates but fewer pixels: 2 sharpness
    values (spanning the paper's range) x pixels/2 noise levels."""
    if pixels % 2:
        raise SystemExit("--pixels must be even")
    section = {
        "steps": steps,
        "replicates": replicates,
        "c": 0.1,
        "angle_deg": 30.0,
        "init_scale": 1e-4,
        "lr": {"start": 1e-3, "stop": 1.0, "num": n_lr, "scale": "log"},
        "sigma": {"start": 0.0, "stop": 3.0, "num": pixels // 2, "scale": "linear"},
        "dtype": dtype,
        "shards": 1,
        "threads": 1,
        "pixels_per_chunk": pixels_per_chunk,
        "optimizers": {
            "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            "signum": {"beta1": 0.9},
            "focus": {"beta1": 0.9, "beta2": 0.9, "gamma": 0.2},
        },
        "scans": {
            "sharpness": {"sharpness": {"start": 0.1, "stop": 1000.0, "num": 2, "scale": "log"}, "weight_decay": 0.1}
        },
    }
    return ValleyScan.from_config("sharpness", section, seed=0)


def time_sweep(scan: ValleyScan, threads: int, repeats: int, device: str) -> float:
    """Best wall time of ``repeats`` full passes over the scan with ``threads`` torch threads."""
    torch.set_num_threads(threads)
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _pixels, metrics in iter_shard(scan, 0, 1, device=device):
            metrics["final_loss"].cpu()  # wait for the result
        best = min(best, time.perf_counter() - start)
    return best


def time_loop(trajectories: int, steps: int, seed: int = 0) -> tuple[float, int]:
    """Wall time of the per-trajectory loop: ``trajectories`` of each optimizer at pixels spread
    over the Fig. 2a grid, lr 0.01 ... 0.1, wd 0.1, noise from np.random.randn per step."""
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for k in range(trajectories):
        a = float(10 ** rng.uniform(-1, 3))
        sigma = float(rng.uniform(0, 3))
        lr = float(10 ** rng.uniform(-2, -1))
        for name in OPTIMIZERS:
            opt = valley_loop.make_optimizer(name, lr, 0.1)
            p0 = 1e-4 * np.random.randn(2)
            valley_loop.run_trajectory(opt, p0, a, sigma, steps)
    return time.perf_counter() - start, trajectories * len(OPTIMIZERS) * steps


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
    ap.add_argument("--quick", action="store_true", help="200 steps, fewer loop trajectories, one repeat")
    ap.add_argument("--steps", type=int, help="steps per trajectory (default 1000; 200 with --quick)")
    ap.add_argument("--pixels", type=int, default=64, help="grid pixels of the sweep (default 64: one chunk)")
    ap.add_argument("--pixels-per-chunk", type=int, default=64)
    ap.add_argument("--replicates", type=int, default=50)
    ap.add_argument("--lrs", type=int, default=20, help="learning rates")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts to time")
    ap.add_argument(
        "--loop-trajectories", type=int, help="per-optimizer trajectories of the loop (default 8; 1 with --quick)"
    )
    ap.add_argument("--repeats", type=int, help="sweep repeats, best time kept (default 2; 1 with --quick)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="also time the sweep on this device")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    steps = args.steps or (200 if args.quick else 1000)
    loop_traj = args.loop_trajectories or (1 if args.quick else 8)
    repeats = args.repeats or (1 if args.quick else 2)
    torch.set_grad_enabled(False)
    scan = sweep_scan(steps, args.pixels, args.pixels_per_chunk, args.replicates, args.lrs, args.dtype)

    # Warm up (allocator, first-call dispatch) on a short run.
    warm = sweep_scan(5, args.pixels, args.pixels_per_chunk, args.replicates, args.lrs, args.dtype)
    time_sweep(warm, 1, 1, "cpu")

    rows = []  # (implementation, threads, trajectory-steps, seconds)
    for threads in args.threads:
        rows.append(
            ("vectorised sweep (ours)", str(threads), scan.trajectory_steps, time_sweep(scan, threads, repeats, "cpu"))
        )
    if args.device == "cuda":
        if torch.cuda.is_available():
            time_sweep(warm, 1, 1, "cuda")
            rows.append(
                (
                    f"vectorised sweep, {torch.cuda.get_device_name()}",
                    "gpu",
                    scan.trajectory_steps,
                    time_sweep(scan, 1, repeats, "cuda"),
                )
            )
        else:
            print("note: --device cuda asked for, but no CUDA device is available", file=sys.stderr)
    torch.set_num_threads(1)
    loop_seconds, loop_steps = time_loop(loop_traj, steps)
    rows.append(("per-trajectory numpy loop (authors' style)", "1", loop_steps, loop_seconds))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# Narrowing-valley sweep throughput ({'quick' if args.quick else 'full'} run)\n")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} logical CPUs, load average {load:.2f} at the end; "
        f"python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}"
    )
    print(
        f"sweep: {scan.n_pixels} pixels (chunks of {scan.pixels_per_chunk}) x {len(scan.lr)} lr x "
        f"{scan.replicates} replicates x {len(OPTIMIZERS)} optimizers x {steps} steps, {scan.dtype}, "
        f"best of {repeats}"
    )
    print(
        f"loop: {loop_traj} trajectories x {len(OPTIMIZERS)} optimizers x {steps} steps, float64, "
        f"np.random.randn per step\n"
    )
    print(
        "| implementation | threads | trajectory-steps | wall time | trajectory-steps/s | ns per trajectory-step "
        "| full Fig. 2a (2.88e10), wall |"
    )
    print("|---|---|---|---|---|---|---|")
    rates = {}
    for name, threads, n, seconds in rows:
        rate = n / seconds
        rates[(name, threads)] = rate
        print(
            f"| {name} | {threads} | {n:.3g} | {seconds:.2f} s | {rate / 1e6:.3g} M | {1e9 / rate:.3g} "
            f"| {human_time(FIG2A_TRAJECTORY_STEPS / rate)} |"
        )

    loop_rate = loop_steps / loop_seconds
    sweep_1 = rates.get(("vectorised sweep (ours)", "1"))
    sweep_2 = rates.get(("vectorised sweep (ours)", "2"))
    print()
    print(
        f"per-trajectory loop: {1e6 / loop_rate:.1f} us per trajectory-step "
        f"(the spec quotes ~25 us for the authors' code); full Fig. 2a: "
        f"{FIG2A_TRAJECTORY_STEPS / loop_rate / 3600:.0f} CPU-hours"
    )
    ok = True
    if sweep_1:
        speedup = sweep_1 / loop_rate
        hit = speedup >= TARGET_SPEEDUP
        ok &= hit
        print(
            f"speed-up, single-threaded sweep vs single-threaded loop: {speedup:,.0f}x "
            f"(target >= {TARGET_SPEEDUP:.0f}x: {'met' if hit else 'MISSED'})"
        )
    if sweep_2:
        hit = sweep_2 >= TARGET_RATE_2_THREADS
        ok &= hit
        print(
            f"sweep with 2 threads: {sweep_2 / 1e6:.1f} M trajectory-steps/s "
            f"(target >= {TARGET_RATE_2_THREADS / 1e6:.0f} M: {'met' if hit else 'MISSED'})"
        )
        if sweep_1:
            print(f"2 threads vs 1 thread: {sweep_2 / sweep_1:.2f}x")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
