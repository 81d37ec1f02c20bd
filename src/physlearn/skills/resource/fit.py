"""Workflow step: fit the Resource model's wasted resource N0 to the Geometry model (Figs. 6, 7).

For every setting of a study, the Geometry model runs (all seeds, batched with the other
settings it may share a tensor program with), and the Resource model runs at every N0 of
the config's log grid at once (one [n_N0, K] tensor program per setting). The best N0 is the
one whose skill-strength curves s_i(t) lie closest to the Geometry model's (mean over seeds):
the root-mean-square difference over every skill and recorded step
(:func:`physlearn.skills.resource.model.curve_distance`). Each seed's curves are fitted on
their own too (column ``best_seeds``: how many seeds pick that N0), so that the figures can
give the best N0 an interval over seeds; the mean curves alone would hide the seed spread.

Studies:
  ablations  Fig. 6's panels: the default setup and the spec's eight ablations.
  sweeps     Fig. 7's bottom row: learning rate, gradient noise and batch size scanned, at the
             authors' Fig. 7 setup (config ``sweeps.geometry``) and N0 grid (``sweeps.n0``).

    python -m physlearn.skills.resource.fit --config JSON --study ablations|sweeps \
        --fits fits.csv --curves curves.csv
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

from physlearn import step
from physlearn.skills.geometry.model import BATCHABLE, GeometryConfig, simulate_many
from physlearn.skills.resource import model as R
from physlearn.skills.resource import settings

# Fig. 6: each panel changes one thing of the default setup (N 1000, 10 skills, alpha 2,
# lr 3e-4, SignGD, B 1024, 3000 steps); the paper's best N0 per panel (spec section 3). The
# exponential panel changes three, as the authors' notebook (scripts/Fig6_resource_N0.ipynb,
# mode 'exp') runs it: p_i proportional to 3^-i over 5 skills, at lr 1e-4.
PANELS = {
    "default": ({}, 0.003),
    "alpha 4": ({"alpha": 4.0}, 0.006),
    "N 100": ({"n_params": 100}, 0.006),
    "100 skills": ({"n_skills": 100}, 0.01),
    "lr 1e-4": ({"lr": 1e-4}, 0.001),
    "noise 1e-3": ({"noise": 1e-3}, 0.06),
    "Adam": ({"optimizer": "adam"}, 0.08),
    "B 16": ({"batch_size": 16}, 0.05),
    "p ~ 3^-i": ({"frequencies": "3^-i", "n_skills": 5, "lr": 1e-4}, 0.006),
}
SWEEP_KEYS = {"lr": "lr", "noise": "noise", "batch_size": "batch_size"}  # config key -> GeometryConfig field
STUDIES = ("ablations", "sweeps")


def study_settings(section: dict, study: str) -> list[dict]:
    """[{"panel", "variable", "value", "config": GeometryConfig, "paper_n0"}] of one study."""
    out = []
    if study == "ablations":
        for name, (changes, paper_n0) in PANELS.items():
            changes = dict(changes)
            if changes.get("frequencies") == "3^-i":
                n = changes["n_skills"]
                changes["frequencies"] = tuple(float(3.0**-i) for i in range(1, n + 1))
            config = settings.geometry_base(section, **changes)
            out.append({"panel": name, "variable": "panel", "value": np.nan, "config": config, "paper_n0": paper_n0})
    elif study == "sweeps":
        for key, field in SWEEP_KEYS.items():
            for value in section["sweeps"][key]:
                value = int(value) if field == "batch_size" else float(value)
                config = settings.sweep_base(section, **{field: value})
                out.append(
                    {"panel": f"{key}={value:g}", "variable": key, "value": value, "config": config, "paper_n0": np.nan}
                )
    else:
        raise ValueError(f"study must be one of {STUDIES}, got {study!r}")
    return out


def batch_groups(configs: list[GeometryConfig]) -> list[list[int]]:
    """Indices of configs that can share one Geometry tensor program (differ only in BATCHABLE)."""
    groups: dict[tuple, list[int]] = {}
    for i, c in enumerate(configs):
        key = tuple((f.name, getattr(c, f.name)) for f in dataclasses.fields(c) if f.name not in BATCHABLE)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def run_study(section: dict, study: str, seeds: list[int], log=print) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fits: one row per setting and N0 with the curve distance, curves: the Geometry mean,
    the best-fitting Resource curves and each seed's Geometry curves (``seed`` -1 for the first
    two), one row per setting, model, seed, step and skill)."""
    studies = study_settings(section, study)
    grid = settings.n0_grid(section, study)
    every = section["record_every"]
    geometry = [None] * len(studies)
    for group in batch_groups([s["config"] for s in studies]):
        start = time.time()
        run = simulate_many([studies[i]["config"] for i in group], seeds, record_every=every)
        for k, i in enumerate(group):
            geometry[i] = {"step": run["step"], "s": run["s"][k], "frequencies": run["frequencies"][k]}
        log(f"geometry {[studies[i]['panel'] for i in group]}: {time.time() - start:.1f} s")

    fits, curves = [], []
    for setting, geo in zip(studies, geometry):
        c = setting["config"]
        reference = np.nanmean(geo["s"], axis=0)  # [R, K], mean over seeds
        resource = R.simulate(geo["frequencies"], R.eta_eff(c.lr, c.n_params), grid, c.steps, record_every=every)
        if not np.array_equal(resource["step"], geo["step"]):
            raise RuntimeError("the two models recorded different steps")
        distance = R.curve_distance(reference, resource["s"])  # [n_N0]
        n0, best = R.best_n0(distance, grid)
        best_seeds = np.zeros(len(grid), dtype=int)  # how many seeds' own curves pick each N0
        for seed_s in geo["s"]:
            if not np.isfinite(seed_s).all():
                continue  # a diverged seed (counted in diverged_seeds) picks no N0
            best_seeds[R.best_n0(R.curve_distance(seed_s, resource["s"]), grid)[1]] += 1
        diverged = int((~np.isfinite(geo["s"])).any(axis=(1, 2)).sum())
        log(f"{setting['panel']}: best N0 {n0:.3g} (paper {setting['paper_n0']}), distance {distance[best]:.4f}")
        fits.append(
            pd.DataFrame(
                {
                    "study": study,
                    "panel": setting["panel"],
                    "variable": setting["variable"],
                    "value": setting["value"],
                    "paper_n0": setting["paper_n0"],
                    "n0": grid,
                    "distance": distance,
                    "best": np.arange(len(grid)) == best,
                    "best_seeds": best_seeds,
                    "n_params": c.n_params,
                    "n_skills": c.n_skills,
                    "lr": c.lr,
                    "noise": c.noise,
                    "batch_size": c.batch_size,
                    "optimizer": c.optimizer,
                    "task_vectors": c.task_vectors,
                    "steps": c.steps,
                    "seeds": len(seeds),
                    "diverged_seeds": diverged,
                }
            )
        )
        K = geo["frequencies"].shape[0]
        # the seed-mean and best-N0 curves the figures draw, and each seed's own Geometry curves
        # (model "geometry_seed"), on which the figures give their curve measures an interval
        drawn = [("geometry", -1, reference), ("resource", -1, resource["s"][best])]
        for model, seed, s in drawn + [("geometry_seed", i, seed_s) for i, seed_s in enumerate(geo["s"])]:
            curves.append(
                pd.DataFrame(
                    {
                        "panel": setting["panel"],
                        "model": model,
                        "seed": seed,
                        "n0": n0 if model == "resource" else np.nan,
                        "step": np.repeat(geo["step"], K),
                        "skill": np.tile(np.arange(1, K + 1), len(geo["step"])),
                        "p": np.tile(geo["frequencies"], len(geo["step"])),
                        "s": s.reshape(-1),
                    }
                )
            )
    return pd.concat(fits, ignore_index=True), pd.concat(curves, ignore_index=True)


def main(argv=None) -> None:
    args, cfg = step.parse(
        __doc__,
        section="skills_resource",
        outputs=("fits", "curves"),
        argv=argv,
        extra=lambda ap: ap.add_argument("--study", choices=STUDIES, required=True),
    )
    section = cfg["skills_resource"]
    experiment = STUDIES.index(args.study)  # ablations and sweeps draw different seeds
    fits, curves = run_study(section, args.study, settings.seeds(cfg, experiment), log=step.logger().info)
    step.save_table(fits, args.fits)
    step.save_table(curves, args.curves)


if __name__ == "__main__":
    main()
