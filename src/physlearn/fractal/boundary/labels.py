"""Workflow step: one shard of an experiment's labels (bounded 0 / divergent 1) on the clean
grid G(N), with each cell's #B(n) counted as the labels stream past.

    python -m physlearn.fractal.boundary.labels --config JSON --experiment E3 --shard I --output F.npz

A shard is a set of cells times a closed range [a, b] of grid indices (a power-of-two width;
neighbouring ranges share their end point). The labels of the range are computed in pieces of
``chunk_size`` learning rates and fed to a :class:`BoundaryCounter` per cell, which gives #B at
the range's own levels; ``counts`` joins the ranges (the coarse levels from the labels at the
ranges' ends). The labels themselves are kept bit-packed unless the experiment says
``keep_labels: false`` (E1/E2 at 2^32: only #B is kept). E10 also keeps the sums of L_t and
1/L_t that shade its strip.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from physlearn import runtime, step
from physlearn.fractal.boundary import design
from physlearn.fractal.boundary.counting import BoundaryCounter, pack_labels
from physlearn.fractal.boundary.experiments import e9_initial_points
from physlearn.fractal.boundary.losses import LOSS_PARAMETERS
from physlearn.fractal.boundary.sweep import loss_sums, sweep_labels


def _groups(table: pd.DataFrame) -> list[pd.DataFrame]:
    """Cells that one sweep call can run together: same loss, criterion, threshold, protocol."""
    keys = ["loss", "criterion", "threshold"] + (["protocol"] if "protocol" in table else [])
    return [g for _, g in table.groupby(keys, sort=False, dropna=False)]


def piece_labels(group: pd.DataFrame, lr: np.ndarray, index: np.ndarray, seed: int, sweep: dict) -> dict:
    """Labels (cells, len(lr)) of one group at grid positions ``index``; for criterion
    ``final`` (E10) also the sums of L_t and of 1/L_t."""
    first = group.iloc[0]
    loss, criterion = first["loss"], first["criterion"]
    params = {k: group[k].to_numpy(dtype=np.float64) for k in LOSS_PARAMETERS[loss]}
    if criterion == "final":
        device = sweep["device"]
        lr_t = torch.as_tensor(lr, device=device)
        out = [loss_sums(loss, lr_t, float(row["x0"]), {k: float(row[k]) for k in params}, float(row["threshold"]))
               for _, row in group.iterrows()]  # fmt: skip
        return {
            "labels": np.stack([o[0].cpu().numpy() for o in out]),
            "sum_loss": np.stack([o[1].cpu().numpy() for o in out]),
            "sum_inverse": np.stack([o[2].cpu().numpy() for o in out]),
        }
    if "protocol" in group and isinstance(first.get("protocol"), str):
        columns = int(group["column"].max()) + 1
        x0 = e9_initial_points(first["protocol"], columns, index, seed)[group["column"].to_numpy(dtype=int)]
    else:
        x0 = group["x0"].to_numpy(dtype=np.float64)
    labels = sweep_labels(
        loss, lr, cells=params, x0=x0, criterion=criterion, threshold=float(first["threshold"]), **sweep
    )
    return {"labels": labels}


def run_shard(table: pd.DataFrame, grid: np.ndarray, start: int, stop: int, seed: int, options: dict, log) -> dict:
    """Counts per cell over the range [start, stop] and, optionally, the packed labels."""
    width = stop - start
    top = int(np.log2(width))
    counters = {c: BoundaryCounter(top) for c in table.index}
    first: dict = {}  # the label at grid index start, per cell
    kept: dict[str, dict] = {"labels": {}, "sum_loss": {}, "sum_inverse": {}}
    sweep = {k: options[k] for k in ("chunk_size", "width", "workers", "device")}
    piece = int(options["piece"])
    began = time.perf_counter()
    for a in range(start, stop + 1, piece):
        index = np.arange(a, min(a + piece, stop + 1))
        for group in _groups(table):
            out = piece_labels(group, grid[index], index, seed, sweep)
            for i, cell in enumerate(group.index):
                counters[cell].update(out["labels"][i])
                first.setdefault(cell, bool(out["labels"][i][0]))
                if options["keep_labels"]:
                    for key, value in out.items():
                        kept[key].setdefault(cell, []).append(value[i])
        done = index[-1] - start + 1
        log.info(f"labels {done}/{width + 1} of the range, {time.perf_counter() - began:.1f} s")
    cells = list(table.index)
    result = {
        "cells": np.asarray(cells, dtype=np.int64),
        "counts": np.stack([counters[c].counts for c in cells]),
        "ends": np.stack([[first[c], counters[c].last[0]] for c in cells]).astype(bool),
    }
    if options["keep_labels"]:
        result["packed"] = np.stack([pack_labels(np.concatenate(kept["labels"][c])) for c in cells])
        for key in ("sum_loss", "sum_inverse"):
            if kept[key]:
                result[key] = np.stack([np.concatenate(kept[key][c]).astype(np.float32) for c in cells])
    return result


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--experiment", required=True, choices=design.EXPERIMENTS)
    ap.add_argument("--shard", type=int, required=True)


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="fractal_boundary", outputs=("output",), extra=_options, argv=argv)
    section = cfg["fractal_boundary"]
    exp = section["experiments"][args.experiment]
    log = step.logger()
    table = design.cells(args.experiment, section)
    cells, start, stop = design.shard_slices(table, section, args.experiment, args.shard)
    grid = design.lr_grid(int(exp["level"]))
    options = {
        "chunk_size": int(section["chunk_size"]),
        "width": int(section["width"]),
        "workers": int(section["workers"]),
        "piece": int(section["piece"]),
        "device": runtime.pick_device(cfg["device"]),
        "keep_labels": bool(exp.get("keep_labels", True)),
    }
    log.info(
        f"{args.experiment} shard {args.shard}: {len(cells)} cells x grid [{start}, {stop}] of 2^{exp['level']}"
        f" on {options['device']}"
    )
    began = time.perf_counter()
    result = run_shard(table.iloc[cells], grid, start, stop, cfg["seed"], options, log)
    seconds = time.perf_counter() - began
    nominal = len(cells) * (stop - start + 1) * 1000
    log.info(f"{seconds:.1f} s, {nominal / max(seconds, 1e-9) / 1e6:.1f} M nominal trajectory-steps/s")
    meta = {
        "experiment": args.experiment,
        "shard": args.shard,
        "start": start,
        "stop": stop,
        "level": int(exp["level"]),
        "seconds": seconds,
        **runtime.provenance(),
    }
    runtime.save_npz(args.output, meta, **result)


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
