"""Workflow step: join the batch-size shards into one tidy table, one row per
(optimizer, batch size, learning rate, replicate).

    python -m physlearn.focus.mnist.merge --config JSON --output runs.csv SHARD.npz...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from physlearn import step
from physlearn.focus.mnist.scan import MnistScan

METRICS = ("test_loss", "test_accuracy", "train_loss")


def shard_table(path: Path | str, scan: MnistScan) -> pd.DataFrame:
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        if not np.allclose(data["lr"], scan.lr) or meta["optimizers"] != scan.optimizers:
            raise ValueError(f"{path}: learning rates or optimizers differ from the config; rerun the shard")
        if meta["replicates"] != scan.replicates or meta["steps"] != scan.steps:
            raise ValueError(f"{path}: replicates or steps differ from the config; rerun the shard")
        G, R, L = data["test_loss"].shape
        index = pd.MultiIndex.from_product(
            [meta["optimizers"], range(R), range(L)], names=["optimizer", "replicate", "lr_index"]
        )
        table = pd.DataFrame(index=index).reset_index()
        table.insert(1, "batch_size", meta["batch_size"])
        table["lr"] = np.tile(data["lr"], G * R)
        for metric in METRICS:
            table[metric] = data[metric].reshape(-1).astype(np.float64)
    table["diverged"] = ~np.isfinite(table["test_loss"])
    return table.drop(columns="lr_index")


def merge(paths: list[Path], scan: MnistScan) -> pd.DataFrame:
    table = pd.concat([shard_table(p, scan) for p in paths], ignore_index=True)
    missing = sorted(set(scan.batch_sizes) - set(table["batch_size"]))
    if missing:
        raise ValueError(f"no shard for batch sizes {missing}")
    return table.sort_values(["optimizer", "batch_size", "lr", "replicate"], kind="stable", ignore_index=True)


def _shards_argument(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("shards", type=Path, nargs="+")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="focus_mnist", outputs=("output",), extra=_shards_argument, argv=argv)
    table = merge(args.shards, MnistScan.from_config(cfg["focus_mnist"], cfg["seed"]))
    step.save_table(table, args.output)


if __name__ == "__main__":
    main()
