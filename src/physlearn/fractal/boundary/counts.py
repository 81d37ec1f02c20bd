"""Workflow step: join the label shards of one experiment into #B(n), n = 0 .. N, per cell, and
fit the box-counting dimension alpha by the cell's fit rule (spec sections 2.5, 2.6).

    python -m physlearn.fractal.boundary.counts --config JSON --experiment E3 \
        --output counts.csv --labels labels.npz SHARD.npz ...

``counts.csv``: one row per cell, its design columns (:mod:`design`), ``alpha``, ``stderr``,
``fit_levels``, ``B0`` .. ``BN``, and where the labels were kept the first divergent and the
last bounded learning rate. ``labels.npz``: the joined bit-packed labels (and E10's loss sums)
when every shard kept them, else only the cell indices.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from physlearn import runtime, step
from physlearn.fractal.boundary import design
from physlearn.fractal.boundary.counting import count_boundaries, fit_alpha, pack_labels, unpack_labels


def join_counts(ranges: list[dict], level: int) -> np.ndarray:
    """#B(n), n = 0 .. N, of each cell from its learning-rate ranges (in grid order): level n
    >= m = log2(#ranges) is the sum of the ranges' own counts (their level n - m); the levels
    below come from the labels at the ranges' ends, which lie on the grid G(m)."""
    m = int(np.log2(len(ranges)))
    ends = np.concatenate([[r["ends"][:, 0] for r in ranges], [ranges[-1]["ends"][:, 1]]]).T  # (cells, 2^m + 1)
    coarse = count_boundaries(ends)
    fine = sum(r["counts"] for r in ranges)  # (cells, N - m + 1): levels m .. N
    if fine.shape[1] != level - m + 1:
        raise ValueError(f"ranges hold levels up to {fine.shape[1] - 1 + m}, expected N = {level}")
    if not np.array_equal(coarse[:, m], fine[:, 0]):
        raise ValueError("the ranges' ends disagree with their counts at the joining level")
    return np.concatenate([coarse[:, :m], fine], axis=1)


def read_shards(paths: list) -> list[dict]:
    out = []
    for path in paths:
        with np.load(path) as z:
            item = {k: z[k] for k in z.files if k != "meta"}
            item["meta"] = json.loads(str(z["meta"]))
        out.append(item)
    return out


def join(shards: list[dict], table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The counts table and the joined label arrays of an experiment's shards."""
    level = int(table["level"].iloc[0])
    by_cells: dict[tuple, list[dict]] = {}
    for s in shards:
        by_cells.setdefault(tuple(s["cells"]), []).append(s)
    counts = np.zeros((len(table), level + 1), dtype=np.int64)
    keep = all("packed" in s for s in shards)
    arrays: dict[str, dict] = {"packed": {}, "sum_loss": {}, "sum_inverse": {}}
    for cells, ranges in by_cells.items():
        ranges = sorted(ranges, key=lambda s: s["meta"]["start"])
        idx = np.asarray(cells)
        counts[idx] = join_counts(ranges, level)
        if keep:
            pieces = []
            for j, r in enumerate(ranges):
                n = r["meta"]["stop"] - r["meta"]["start"] + 1
                labels = unpack_labels(r["packed"], n)
                pieces.append(labels if j == len(ranges) - 1 else labels[:, :-1])  # shared end point once
            for i, cell in enumerate(cells):
                arrays["packed"][cell] = np.concatenate([p[i] for p in pieces])
            for key in ("sum_loss", "sum_inverse"):
                if all(key in r for r in ranges):
                    for i, cell in enumerate(cells):
                        parts = [r[key][i] if j == len(ranges) - 1 else r[key][i][:-1] for j, r in enumerate(ranges)]
                        arrays[key][cell] = np.concatenate(parts)
    out = table.copy()
    fits = [fit_alpha(counts[i], **design.fit_kwargs(row)) for i, (_, row) in enumerate(table.iterrows())]
    out["alpha"] = [f.alpha for f in fits]
    out["stderr"] = [f.stderr for f in fits]
    out["fit_levels"] = [f.levels for f in fits]
    out["first_boundary_level"] = [int(np.argmax(c >= 2)) if (c >= 2).any() else -1 for c in counts]
    grid = design.lr_grid(level)
    joined: dict = {"cells": np.arange(len(table))}
    if keep and len(arrays["packed"]) == len(table):
        labels = np.stack([arrays["packed"][c] for c in range(len(table))])
        first_div = [int(np.argmax(y)) if y.any() else -1 for y in labels]
        out["first_divergent_lr"] = [grid[j] if j >= 0 else np.nan for j in first_div]
        out["last_bounded_lr"] = [grid[j - 1] if j > 0 else np.nan for j in first_div]
        joined["packed"] = pack_labels(labels)
        joined["n_labels"] = np.int64(labels.shape[1])
        for key in ("sum_loss", "sum_inverse"):
            if len(arrays[key]) == len(table):
                joined[key] = np.stack([arrays[key][c] for c in range(len(table))])
    for n in range(level + 1):
        out[f"B{n}"] = counts[:, n]
    return out, joined


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--experiment", required=True, choices=design.EXPERIMENTS)
    ap.add_argument("shards", nargs="+")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="fractal_boundary", outputs=("output", "labels"), extra=_options, argv=argv)
    section = cfg["fractal_boundary"]
    table = design.cells(args.experiment, section)
    shards = read_shards(args.shards)
    expected = design.n_shards(section, args.experiment)
    if len(shards) != expected:
        raise ValueError(f"{args.experiment}: {len(shards)} shards given, the config makes {expected}")
    out, joined = join(shards, table)
    step.save_table(out, args.output)
    seconds = sum(s["meta"]["seconds"] for s in shards)
    runtime.save_npz(args.labels, {"experiment": args.experiment, "label_seconds": seconds}, **joined)
    step.logger().info(f"{args.experiment}: {len(out)} cells, alpha median {out['alpha'].median():.3f}")


if __name__ == "__main__":
    main()
