"""Workflow step: join a scan's shards into one tidy table, one row per
(optimizer, pixel, learning rate), aggregated over replicates.

    python -m physlearn.focus.valley.merge --config JSON --scan NAME --output summary.csv SHARD.npz...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from physlearn import step
from physlearn.focus.valley.sweep import METRICS, ValleyScan


def load_shards(paths: list[Path], scan: ValleyScan) -> dict[str, np.ndarray]:
    """Concatenate shards along the pixel axis and check that together they cover the grid."""
    shards = []
    for path in paths:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            if meta["scan"] != scan.name:
                raise ValueError(f"{path}: holds scan {meta['scan']!r}, expected {scan.name!r}")
            if not np.allclose(data["lr"], scan.lr):
                raise ValueError(f"{path}: learning rates differ from the config; rerun the shard")
            shards.append({k: data[k] for k in ("pixel", "diverged", *METRICS)})
    merged = {k: np.concatenate([s[k] for s in shards], axis=0 if k == "pixel" else 2) for k in shards[0]}
    expected = np.arange(scan.n_pixels)
    if not np.array_equal(np.sort(merged["pixel"]), expected):
        raise ValueError(f"shards of scan {scan.name} cover {len(merged['pixel'])} of {scan.n_pixels} pixels")
    return merged


def best_lr_index(mean: np.ndarray, lr: np.ndarray) -> np.ndarray:
    """Per (optimizer, pixel), the index of the learning rate with the lowest mean (a NaN, a
    diverged cell, never wins; ties go to the smaller learning rate): the rule of
    ``analysis.best_over_lr``, which the figure step applies to the summary's means. Those
    are read back from the CSV at 6 significant digits (``step.save_table``), so the means
    are ranked as written there: two rates that tie in the table tie here too."""
    order = np.argsort(lr, kind="stable")
    as_written = np.char.mod("%.6g", mean).astype(float)
    ranked = np.where(np.isnan(as_written), np.inf, as_written)[:, order]  # (opt, L, P), lr ascending
    return order[np.argmin(ranked, axis=1)]  # argmin takes the first of equal values


def paired_sem(
    final_loss: np.ndarray, diverged: np.ndarray, lr: np.ndarray, optimizers: list[str]
) -> dict[str, np.ndarray]:
    """Per other optimizer q, the standard error over replicates of the paired difference
    (this row's final loss minus q's at q's best learning rate), shape (opt, L, P).

    The replicates of a pixel share their initial points and noise across optimizers and
    learning rates (common random numbers), so the difference of two optimizers' losses is
    far less noisy than their two standard errors combined: the winner maps judge each pixel
    on this paired s.e. The mean difference is the difference of the means, already in the
    table. NaN where either side has a diverged replicate, or with a single replicate."""
    values = final_loss.astype(np.float64)
    n_rep = values.shape[-1]
    clean = ~diverged.any(axis=-1)
    best = best_lr_index(np.where(clean, values.mean(-1), np.nan), lr)  # (opt, P)
    pixels = np.arange(values.shape[2])
    out = {}
    for q, other in enumerate(optimizers):
        at_best = values[q, best[q], pixels, :]  # (P, R)
        sem = np.full(clean.shape, np.nan)
        if n_rep > 1:
            for o in range(len(optimizers)):  # one optimizer at a time: a paper-scale scan stays in memory
                sem[o] = (values[o] - at_best[None]).std(-1, ddof=1) / np.sqrt(n_rep)
        out[other] = np.where(clean & clean[q, best[q], pixels][None, None], sem, np.nan)
    return out


def summarise(scan: ValleyScan, merged: dict[str, np.ndarray], optimizers: list[str]) -> pd.DataFrame:
    """Mean and standard error over replicates, and the paired standard errors of the final
    loss's difference to each optimizer at its best learning rate (:func:`paired_sem`). A cell
    with any diverged replicate keeps its divergence count and NaN means: a divergence is a
    result, not a missing value."""
    n_opt, n_lr, n_pix, n_rep = merged["final_loss"].shape
    diverged = merged["diverged"]
    a, wd, sigma = scan.pixel_values(merged["pixel"])
    index = pd.MultiIndex.from_product([optimizers, range(n_lr), range(n_pix)], names=["optimizer", "lr_index", "p"])
    table = pd.DataFrame(index=index).reset_index()
    table["sharpness"] = np.tile(a, n_opt * n_lr)
    table["weight_decay"] = np.tile(wd, n_opt * n_lr)
    table["sigma"] = np.tile(sigma, n_opt * n_lr)
    table["lr"] = np.repeat(np.tile(scan.lr, n_opt), n_pix)
    clean = ~diverged.any(axis=-1)
    for metric in METRICS:
        values = merged[metric].astype(np.float64)
        mean = np.where(clean, values.mean(-1), np.nan)
        sem = np.where(clean, values.std(-1, ddof=1) / np.sqrt(n_rep) if n_rep > 1 else 0.0, np.nan)
        table[f"mean_{metric}"] = mean.reshape(-1)
        table[f"sem_{metric}"] = sem.reshape(-1)
    for other, sem in paired_sem(merged["final_loss"], diverged, scan.lr, optimizers).items():
        table[f"sem_diff_final_loss_{other}"] = sem.reshape(-1)
    table["replicates"] = n_rep
    table["diverged"] = diverged.sum(-1).reshape(-1)
    return table.drop(columns=["lr_index", "p"]).sort_values(
        ["optimizer", scan.scanned, "sigma", "lr"], kind="stable", ignore_index=True
    )


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--scan", required=True)
    ap.add_argument("shards", type=Path, nargs="+")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="focus_valley", outputs=("output",), extra=_options, argv=argv)
    scan = ValleyScan.from_config(args.scan, cfg["focus_valley"], cfg["seed"])
    with np.load(args.shards[0]) as first:
        optimizers = json.loads(str(first["meta"]))["optimizers"]
    table = summarise(scan, load_shards(args.shards, scan), optimizers)
    step.save_table(table, args.output)


if __name__ == "__main__":
    main()
