"""Workflow step: train the non-modular and modular networks of Fig. 19 (a common and a rare
skill) and write each network's learning steps and the quantiles of the skill curves.

    python -m physlearn.skills.domino.modularity_runs --config JSON --runs runs.csv --curves curves.csv

runs.csv: measured_on (task_rows or all_samples), variant, init, skill, learning_step (first
step with the skill's MSE below the threshold; NaN if never), steps_run. curves.csv:
measured_on, variant, step, skill, and the 25/50/75% quantiles of that MSE over inits.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from physlearn import runtime, step
from physlearn.skills.domino import modularity as M


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_networks", outputs=("runs", "curves"), argv=argv)
    torch.set_flush_denormal(True)  # Adam's tiny second moments otherwise slow CPUs several-fold
    section, log, device = cfg["skills_networks"]["modularity"], step.logger(), runtime.pick_device(cfg["device"])
    start = time.time()
    out = M.train(section, cfg["seed"], device=device, log=log)
    variants = np.array(out["variants"])
    runs, curves = [], []
    for where in M.MEASURES:
        mse, learned = out["task_mse"][where], out["learning_step"][where]
        steps_run, n_variants, n_inits, n_skills = mse.shape
        v, i, k = np.meshgrid(np.arange(n_variants), np.arange(n_inits), np.arange(n_skills), indexing="ij")
        runs.append(
            pd.DataFrame(
                {
                    "measured_on": where,
                    "variant": variants[v.ravel()],
                    "init": i.ravel(),
                    "skill": k.ravel() + 1,
                    "learning_step": learned.ravel(),
                    "steps_run": steps_run,
                }
            )
        )
        q = np.nanquantile(mse, [0.25, 0.5, 0.75], axis=2)  # (3, steps, variants, skills)
        s, v, k = np.meshgrid(np.arange(steps_run), np.arange(n_variants), np.arange(n_skills), indexing="ij")
        curves.append(
            pd.DataFrame(
                {
                    "measured_on": where,
                    "variant": variants[v.ravel()],
                    "step": s.ravel(),
                    "skill": k.ravel() + 1,
                    "mse_q25": q[0].ravel(),
                    "mse_median": q[1].ravel(),
                    "mse_q75": q[2].ravel(),
                }
            )
        )
    log.info(
        f"{n_variants * n_inits} networks x {steps_run} steps in {time.time() - start:.1f} s; {runtime.provenance()}"
    )
    runs, curves = pd.concat(runs, ignore_index=True), pd.concat(curves, ignore_index=True)
    step.save_table(runs, args.runs)
    step.save_table(curves, args.curves)


if __name__ == "__main__":
    main()
