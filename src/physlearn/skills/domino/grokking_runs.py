"""Workflow step: train the grokking networks of Fig. 13 (modular addition), SignGD and Adam,
and write their per-step curves.

    python -m physlearn.skills.domino.grokking_runs --config JSON --output curves.csv

Columns: optimizer, seed, step, train_accuracy, train_loss, test_accuracy, test_loss (of the
network after ``step`` updates; full batch).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from physlearn import runtime, step
from physlearn.skills.domino import grokking as G
from physlearn.skills.parity.model import DTYPES

OPTIMIZERS = ("signgd", "adam")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_networks", outputs=("output",), argv=argv)
    torch.set_flush_denormal(True)  # Adam's tiny second moments otherwise slow CPUs several-fold
    section, log, device = cfg["skills_networks"]["grokking"], step.logger(), runtime.pick_device(cfg["device"])
    tables = []
    for optimizer in OPTIMIZERS:
        start = time.time()
        history = G.train(optimizer, section, cfg["seed"], dtype=DTYPES[section["dtype"]], device=device, log=log)
        steps, seeds = history["test_accuracy"].shape
        log.info(f"{optimizer}: {seeds} networks x {steps} steps in {time.time() - start:.1f} s")
        at, seed = np.meshgrid(np.arange(steps), np.arange(seeds), indexing="ij")
        tables.append(
            pd.DataFrame(
                {
                    "optimizer": optimizer,
                    "seed": seed.ravel(),
                    "step": at.ravel(),
                    **{k: v.ravel() for k, v in history.items()},
                }
            )
        )
    log.info(f"{runtime.provenance()}")
    step.save_table(pd.concat(tables, ignore_index=True), args.output)


if __name__ == "__main__":
    main()
