"""Workflow step: train the sparse-parity networks of Fig. 2 and write their per-step curves.

    python -m physlearn.skills.parity.runs --config JSON --experiment frequency|compositional --output F.csv

``frequency``: independent tasks t1, t2 with task 2's frequency p2 (columns p2, seed, step,
task, accuracy, loss). ``compositional``: outputs [x3^x4, x1^x2, x1^x2^x3^x4] and the
control whose third task is x5^x6^x7^x8 (columns experiment, seed, step, task, accuracy,
loss; Fig. 16 reads this file). Accuracy is (out > 0.5) == label on every training row,
loss the task's MSE on every training row, both of the network after ``step`` updates.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from physlearn import runtime, step
from physlearn.skills.parity import model as P


def tidy(history: P.ParityHistory, keys: dict[str, np.ndarray], task_names) -> pd.DataFrame:
    """One row per (model, step, task); ``keys`` are per-model columns (task names per model
    when ``task_names`` is a list of lists)."""
    steps, n_models, k = history.accuracy.shape
    step, model, task = np.meshgrid(np.arange(steps), np.arange(n_models), np.arange(k), indexing="ij")
    step, model, task = step.ravel(), model.ravel(), task.ravel()
    names = np.array(task_names, dtype=object)
    table = {name: values[model] for name, values in keys.items()}
    table.update(
        step=step,
        task=names[model, task] if names.ndim == 2 else names[task],
        accuracy=history.accuracy.numpy().ravel(),
        loss=history.loss.numpy().ravel(),
    )
    table = pd.DataFrame(table)
    diverged = history.diverged.numpy()[model]
    table.loc[diverged, "loss"] = np.nan  # a diverged network is recorded, its curve is not a result
    return table


def main(argv=None) -> None:
    args, cfg = step.parse(
        __doc__,
        section="skills_networks",
        outputs=("output",),
        argv=argv,
        extra=lambda ap: ap.add_argument("--experiment", choices=["frequency", "compositional"], required=True),
    )
    torch.set_flush_denormal(True)  # Adam's tiny second moments otherwise slow CPUs several-fold
    section, log, device = cfg["skills_networks"]["parity"], step.logger(), runtime.pick_device(cfg["device"])
    start = time.time()
    if args.experiment == "frequency":
        p2, seed, history = P.frequency_experiment(section, cfg["seed"], device=device, log=log)
        table = tidy(history, {"p2": p2, "seed": seed}, section["independent_tasks"])
    else:
        experiments, name, seed, history = P.compositional_experiment(section, cfg["seed"], device=device, log=log)
        table = tidy(history, {"experiment": name, "seed": seed}, [experiments[n] for n in name])
        table = table[["experiment", "seed", "step", "task", "accuracy", "loss"]]
    n_models = history.accuracy.shape[1]
    log.info(
        f"{args.experiment}: {n_models} networks x {history.accuracy.shape[0]} steps in "
        f"{time.time() - start:.1f} s; {int(history.diverged.sum())} diverged; {runtime.provenance()}"
    )
    step.save_table(table, args.output)


if __name__ == "__main__":
    main()
