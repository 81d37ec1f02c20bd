"""Throughput of the fractal-boundary sweep (spec shared/papers/fractal.md, section 4) against a
straightforward per-trajectory loop, both float64, in the same run.

    python benchmarks/fractal_sweep.py            # G(16): 65,537 learning rates per loss
    python benchmarks/fractal_sweep.py --quick    # G(14), fewer loop trajectories, one round
    python benchmarks/fractal_sweep.py --device cuda --fig2c 20   # a GPU: Fig. 2c at the paper's resolution
    python benchmarks/fractal_sweep.py --fig2c 18 --cells 44,77 --maps-only   # two E3 cells against the authors'

Workloads: the E1 cell (additive, eps 0.2, wl 0.1, x0 1, criterion A) and the E2 cell
(multiplicative, same parameters), over the clean learning-rate grid G(N), T = 1000.

Measures, interleaved over ``--rounds`` rounds (best time of each kept):

- our sweep (``physlearn.fractal.boundary.sweep.sweep_labels``: a working set of trajectories, as
  wide as the laptop's label jobs use (``config.yaml``), advanced as one tensor program,
  decided trajectories replaced every 25 steps) with 1 thread
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

``--device cuda`` runs the sweeps on the GPU with ``config/paper.yaml``'s working set (the
loop stays on the CPU; the 2-thread rows and the targets are the CPU's and are left out).
``--fig2c N`` also times Fig. 2c's E3 sweep (the 10 x 10 (eps, wl) cells, x0 5, criterion B,
no early stop for bounded runs) at G(N) through the workflow's own label code
(``labels.run_shard``), fits each cell's alpha by the workflow's rule and prints it beside
the authors' alpha (spec section 3, E3 table, their N = 20); ``--fig2d N`` does the same for
Fig. 2d (E4, criterion C). N = 20 is the paper's resolution, 1.05e11 trajectory-steps a map;
``--cells`` picks cells (row-major: cell 10 i + j is eps row i, wl column j);
``--authors-grid`` sweeps the authors' grid G'(N) with its dummy label (spec section 2.3)
instead of the workflow's G(N), so that a cell is compared on the authors' points;
``--maps-only`` skips the throughput table.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from physlearn.fractal.boundary import analysis, design
from physlearn.fractal.boundary import labels as label_jobs
from physlearn.fractal.boundary import loop as fractal_loop
from physlearn.fractal.boundary.counting import clean_grid, fit_alpha, gpu_grid
from physlearn.fractal.boundary.sweep import STEPS, T_STEPS, _derived, sweep_labels
from physlearn.runtime import cpu_name

CELL = {"eps": 0.2, "wl": 0.1}
LOSSES = ("additive", "multiplicative")
TARGET_RATE_2_THREADS = 5e7
TARGET_SPEEDUP = 100.0

# (row name, threads shown, torch threads, workers)
SWEEPS = [
    ("sweep (ours)", "1", 1, 1),
    ("sweep (ours), 2 workers", "2", 1, 2),
]
INTRA_OP = ("sweep (ours), 2 intra-op threads", "2", 2, 1)
ON_GPU = [("sweep (ours), cuda", "GPU", 1, 1)]
MAPS = {  # figure -> (experiment, its sweep, the authors' alpha (their G'(20)))
    "2c": ("E3", "additive, x0 5, criterion B", analysis.E3_ALPHA),
    "2d": ("E4", "multiplicative, x0 5, criterion C at 1e16", analysis.E4_ALPHA),
}
# The first level n with #B(n) >= 2 of each E3 cell in the authors' data (their G'(20); -1:
# never), rows eps, columns wl as in analysis.E3_ALPHA (fractal spec section 4.2).
E3_FIRST_FRACTAL_LEVEL = np.array([
    [14, 13, 10, 11, -1, -1, -1, -1, -1, -1],
    [11, 14, 14, 10, 9, 10, 11, -1, -1, -1],
    [12, 12, 14, 10, 10, 8, 10, 9, -1, -1],
    [13, 11, 13, 13, 9, 8, 6, 8, 8, 12],
    [13, 13, 13, 13, 10, 10, 8, 8, 9, 7],
    [11, 10, 12, 11, 11, 8, 9, 10, 6, 7],
    [14, 12, 13, 12, 9, 11, 7, 7, 5, 8],
    [13, 12, 11, 12, 12, 11, 12, 7, 10, 8],
    [13, 12, 13, 11, 12, 9, 7, 8, 10, 10],
    [12, 15, 13, 14, 11, 10, 11, 8, 10, 7],
])  # fmt: skip
TAU = 1e8
REPO = Path(__file__).resolve().parents[1]
SWEEP_KEYS = ("piece", "chunk_size", "width")


def map_cells(experiment: str, level: int):
    """The cells of a map (E3: Fig. 2c, E4: Fig. 2d) at G(level)."""
    return design.cells(experiment, {"experiments": {experiment: {"level": level}}})


def paper_map_steps(experiment: str) -> float:
    """Trajectory-steps of a map at the paper's resolution, G(20)."""
    return design.trajectory_steps(map_cells(experiment, 20))


def sweep_options(device: str) -> dict:
    """The label jobs' sweep sizes: the schema's defaults under config.yaml's (the laptop
    jobs') on the CPU, under config/paper.yaml's (the GPU jobs') on CUDA."""
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    fields = schema["properties"]["fractal_boundary"]["properties"]
    options = {k: fields[k]["default"] for k in SWEEP_KEYS}
    config = REPO / ("config.yaml" if device == "cpu" else "config/paper.yaml")
    section = yaml.safe_load(config.read_text())["fractal_boundary"]
    return options | {k: section[k] for k in SWEEP_KEYS if k in section}


def useful_steps(loss: str, lr: np.ndarray, device: str = "cpu") -> np.ndarray:
    """Per learning rate, the GD steps the literal criterion-A loop takes: the first t with
    L_t > 1e8, else T. One untimed pass with the sweep's step (the loop's arithmetic)."""
    torch.set_num_threads(1)
    lr_t = torch.as_tensor(lr, device=device)
    x = torch.ones_like(lr_t)
    p = _derived(loss, CELL | {"lr": lr_t})
    first = torch.full(lr_t.shape, T_STEPS, dtype=torch.int64, device=device)
    buf: dict = {}
    STEPS[loss](x, p, buf)  # L_0 is never tested
    for t in range(1, T_STEPS + 1):
        crossed = (STEPS[loss](x, p, buf) > TAU) & (first == T_STEPS)
        first[crossed] = t
    return first.cpu().numpy()


def time_sweep(
    loss: str, lr: np.ndarray, torch_threads: int, workers: int, device: str = "cpu"
) -> tuple[float, int, np.ndarray]:
    """(wall time, executed trajectory-steps, labels) of one sweep over the grid (labels come
    back to the CPU, so a GPU's work is finished when the clock stops)."""
    torch.set_num_threads(torch_threads)
    sizes = {k: v for k, v in sweep_options(device).items() if k != "piece"}
    start = time.perf_counter()
    labels, executed = sweep_labels(
        loss, lr, CELL, 1.0, "A", workers=workers, device=device, return_steps=True, **sizes
    )
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


def alpha_map(figure: str, level: int, cells: list[int] | None, device: str, authors_grid: bool = False) -> None:
    """Time the sweep of map ``figure`` ("2c" or "2d") at G(level) (or the authors' G'(level)
    with its dummy label) through the workflow's label code, and print each cell's alpha (and
    first fractal level) beside the authors'."""
    experiment, what, authors = MAPS[figure]
    table = map_cells(experiment, level)
    if cells:
        table = table.iloc[cells]
    options = sweep_options(device) | {"workers": 1, "device": torch.device(device), "keep_labels": False}
    log = logging.getLogger("fractal_sweep")
    torch.set_num_threads(1)
    start = time.perf_counter()
    grid = gpu_grid(level, dummy=True) if authors_grid else design.lr_grid(level)
    result = label_jobs.run_shard(table, grid, 0, 2**level, 0, options, log)
    seconds = time.perf_counter() - start
    nominal = design.trajectory_steps(table)
    rate = nominal / seconds
    paper = paper_map_steps(experiment)
    where = torch.cuda.get_device_name() if device.startswith("cuda") else f"{cpu_name()}, 1 torch thread"
    grid_name = "the authors' grid G'" if authors_grid else "G"
    print(
        f"\n# Fig. {figure} ({experiment}: {what}) on {grid_name}({level}), {len(table)} cells, on {where}\n\n"
        f"{nominal:.3g} trajectory-steps in {human_time(seconds)}: {rate / 1e6:,.0f} M nominal trajectory-steps/s "
        f"(working set {options['width']:,}, chunks of {options['chunk_size']:,}); the paper's resolution "
        f"(100 cells x G(20), {paper:.3g} trajectory-steps) at this rate: {human_time(paper / rate)}\n"
    )
    additive = experiment == "E3"  # the authors' first fractal levels are known for E3 only
    theirs_too = " / authors'" if additive else ""
    print(
        f"| cell | eps | wl | theta | #B({level}) | first level #B >= 2, ours{theirs_too} "
        f"| alpha (ours, N {level}) | authors' alpha (N 20) | ours - authors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for counts, (_, row) in zip(result["counts"], table.iterrows(), strict=True):
        fit = fit_alpha(counts, **design.fit_kwargs(row))
        cell = int(row["cell"])
        first = int(np.argmax(counts >= 2)) if (counts >= 2).any() else -1
        theirs = authors.ravel()[cell]
        their_first = E3_FIRST_FRACTAL_LEVEL.ravel()[cell] if additive else None
        rows.append((row["theta"], fit.alpha - theirs, first == their_first))
        firsts = f"{first} / {their_first}" if additive else f"{first}"
        print(
            f"| {cell} | {row['eps']:.4f} | {row['wl']:.2f} | {row['theta']:.4f} | {int(counts[-1])} | {firsts} "
            f"| {fit.alpha:.3f} +- {fit.stderr:.3f} | {theirs:.2f} | {fit.alpha - theirs:+.3f} |"
        )
    theta, gap, same_first = (np.array(v) for v in zip(*rows, strict=True))
    print(
        f"\n|ours - authors'| over {len(rows)} cells: median {np.median(abs(gap)):.3f}, "
        f"{np.sum(abs(gap) <= 0.02)} within 0.02, max {abs(gap).max():.3f}"
    )
    if additive:
        fractal = theta >= 0.09
        for name, mask in (("same first level", fractal & same_first), ("another first level", fractal & ~same_first)):
            if mask.any():
                print(
                    f"theta_+ >= 0.09, {name}: {mask.sum()} cells, |ours - authors'| median "
                    f"{np.median(abs(gap[mask])):.3f}, max {abs(gap[mask]).max():.3f}"
                )
    print("(docs/benchmarks.md, 'Fig. 2c against the authors' table': how to read these)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="G(14), 60 loop trajectories per loss, one round")
    ap.add_argument("--level", type=int, help="grid level N of G(N) (default 16; 14 with --quick)")
    ap.add_argument("--loop-trajectories", type=int, help="loop trajectories per loss (default 300; 60 with --quick)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds, best time kept (default 2; 1 with --quick)")
    ap.add_argument("--intra-op", action="store_true", help="also time 2 torch intra-op threads on one chunk")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where the sweeps run (default cpu)")
    ap.add_argument("--fig2c", type=int, metavar="N", help="also time Fig. 2c's E3 sweep at G(N) (20: the paper's)")
    ap.add_argument("--fig2d", type=int, metavar="N", help="also time Fig. 2d's E4 sweep at G(N) (20: the paper's)")
    ap.add_argument("--cells", help="comma-separated map cells for --fig2c/--fig2d (0-99, row-major; default all)")
    ap.add_argument("--maps-only", action="store_true", help="skip the throughput table, run --fig2c/--fig2d alone")
    ap.add_argument("--authors-grid", action="store_true", help="the maps on the authors' grid G'(N) and its dummy")
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: this machine has no CUDA device")
    maps = {figure: level for figure, level in (("2c", args.fig2c), ("2d", args.fig2d)) if level is not None}
    if args.maps_only and not maps:
        ap.error("--maps-only needs --fig2c N or --fig2d N")
    torch.set_grad_enabled(False)
    cells = [int(c) for c in args.cells.split(",")] if args.cells else None
    if cells and not all(0 <= c < 100 for c in cells):
        ap.error(f"--cells: the maps have cells 0-99, got {args.cells}")
    if args.maps_only:
        for figure, level in maps.items():
            alpha_map(figure, level, cells, args.device, args.authors_grid)
        return 0

    gpu = args.device == "cuda"
    level = args.level or (14 if args.quick else 20 if gpu else 16)
    n_loop = args.loop_trajectories or (60 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 2)
    lr = clean_grid(level)
    sample = np.sort(np.random.default_rng(0).choice(len(lr), size=min(n_loop, len(lr)), replace=False))

    sweeps = ON_GPU if gpu else SWEEPS + ([INTRA_OP] if args.intra_op else [])
    sweep_labels("multiplicative", lr[:4097], CELL, 1.0, "A", device=args.device)  # warm up allocator and dispatch
    useful = {loss: useful_steps(loss, lr, args.device) for loss in LOSSES}

    best: dict[tuple[str, str], tuple[float, int]] = {}  # (loss, row) -> (seconds, executed)
    mismatches, step_mismatches = {}, {}
    for _ in range(rounds):
        for loss in LOSSES:
            for name, _shown, torch_threads, workers in sweeps:
                seconds, executed, labels = time_sweep(loss, lr, torch_threads, workers, args.device)
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
    if gpu:
        print(f"sweeps on {torch.cuda.get_device_name()}; the loop on the CPU")
    print(
        f"sweep: G({level}) = {len(lr):,} learning rates x {T_STEPS} steps per loss, float64, working set "
        f"{sweep_options(args.device)['width']:,}, criterion A; loop: {len(sample)} of those learning rates, numpy float64; "
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
        loop_text = (
            f"loop {1e6 / loop_rate:.2f} us per trajectory-step; "
            f"labels of the {len(sample)} loop trajectories that differ from the sweep's: {mismatches[loss]}; "
            f"loop steps minus the counted useful steps on them: {step_mismatches[loss]}"
        )
        if gpu:  # the targets are the CPU's
            speedup = rates[(loss, ON_GPU[0][0])] / loop_rate
            print(f"{loss}: speed-up, GPU sweep vs single-threaded CPU loop: {speedup:,.0f}x; {loop_text}")
            continue
        speedup = rates[(loss, "sweep (ours)")] / loop_rate
        two = max(rates[(loss, name)] for name, shown, _t, _w in sweeps if shown == "2")
        hit_speedup, hit_rate = speedup >= TARGET_SPEEDUP, two >= TARGET_RATE_2_THREADS
        ok &= hit_speedup and hit_rate
        print(
            f"{loss}: speed-up, single-threaded sweep vs single-threaded loop: {speedup:,.0f}x "
            f"(target >= {TARGET_SPEEDUP:.0f}x: {'met' if hit_speedup else 'MISSED'}); "
            f"sweep with 2 threads: {two / 1e6:.1f} M trajectory-steps/s "
            f"(target >= {TARGET_RATE_2_THREADS / 1e6:.0f} M: {'met' if hit_rate else 'MISSED'}); {loop_text}"
        )
    fastest = "GPU" if gpu else "2"
    fig2c_rate = max(rates[("additive", name)] for name, shown, _t, _w in sweeps if shown == fastest)
    print(
        f"paper-resolution Fig. 2c (1.05e11 trajectory-steps; criterion B runs bounded trajectories all 1000 steps) "
        f"at the additive {'GPU' if gpu else '2-thread'} useful rate: at most "
        f"{human_time(paper_map_steps('E3') / fig2c_rate)} on this machine"
    )
    for figure, level in maps.items():
        alpha_map(figure, level, cells, args.device, args.authors_grid)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
