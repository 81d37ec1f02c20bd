"""Each experiment E0-E10 of the spec (section 3) as a table of *cells*: one learning-rate
scan each, with its loss, parameters, initial point, divergence criterion, grid level N and
fit rule. The physics (grids of eps and wl, x0, criteria, fit rules) is the spec's and fixed
here; the config (``fractal_boundary.experiments.<name>``) sets the resolution, the subsets
(dimensions, columns, bounds) and how the jobs are sharded.

Experiments (the config's names):

- ``E0`` pure quadratic (Fig. S2); ``E1``/``E2`` single cells, additive/multiplicative (Figs.
  2a/2b); ``segments`` the E2 cell at a coarse level for the segment picture (Fig. 1b);
- ``E3``/``E4`` the 10 x 10 (eps, wl) maps (Figs. 2c/2d, 3a/3b); ``E5`` the tiny-eps map under
  four bounds (Fig. S3); ``E6`` two cosines (Fig. 4a);
- ``E7``/``E8`` dimension d through the exact 1-D reductions (Figs. 4b/4c; E8 under both
  labelling conventions); ``E9`` random initial points under both protocols (Figs. S4/S5);
- ``E10`` the multiplicative strip at eps = 1e-3 (Fig. 1d).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from physlearn.fractal.boundary.convexity import (
    curvature_ratio,
    curvature_ratio_two_cosines,
    red_line,
    roughness_additive,
)
from physlearn.fractal.boundary.counting import F5_FIRST_LEVEL, clean_grid
from physlearn.fractal.boundary.experiments import e7_reduction, e8_reduction

EXPERIMENTS = ("E0", "E1", "E2", "segments", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10")
TAU = 1e8  # criterion A's threshold in 1-D
BIG = 1e16  # criteria B and C (E3, E4, E6), and E10's final-loss bound
EPS_MAP = np.linspace(0.01, 0.2, 10)  # E3/E4 amplitudes (rows)
WL_MAP = np.linspace(0.01, 1.0, 10)  # E3-E5 wavelengths (columns)
EPS_TINY = 10.0 ** np.linspace(-10, -2, 10)  # E5 amplitudes
EPS1_TWO = np.linspace(0, 0.008, 20)  # E6, wavelength 0.3
EPS2_TWO = np.linspace(0, 0.02, 20)  # E6, wavelength 0.5
WL1_TWO, WL2_TWO = 0.3, 0.5
SINGLE = {"eps": 0.2, "wl": 0.1}  # E1, E2, E7-E9

COLUMNS = (
    "experiment", "cell", "loss", "eps", "wl", "eps1", "wl1", "eps2", "wl2", "x0", "criterion", "threshold",
    "rule", "first_level", "last_level", "min_levels", "level",
)  # fmt: skip


def _table(experiment: str, level: int, rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    for key in COLUMNS:
        if key not in table:
            table[key] = np.nan
    table["experiment"] = experiment
    table["level"] = level
    table["cell"] = np.arange(len(table))
    return table[[*COLUMNS, *[c for c in table.columns if c not in COLUMNS]]]


def cells(name: str, section: dict) -> pd.DataFrame:
    """The cells of experiment ``name`` at the resolution of ``section["experiments"][name]``."""
    exp = section["experiments"][name]
    level = int(exp["level"])
    one = {"x0": 1.0, "criterion": "A", "threshold": TAU}
    if name == "E0":
        rows = [{"loss": "quadratic", **one, "rule": "F6", "first_level": 0}]
    elif name in ("E1", "E2", "segments"):
        loss = "additive" if name == "E1" else "multiplicative"
        rows = [{"loss": loss, **SINGLE, **one, "rule": "F1", "min_levels": -1}]  # E1/E2 coded no minimum
    elif name in ("E3", "E4"):
        additive = name == "E3"
        rows = [
            {
                "loss": "additive" if additive else "multiplicative",
                "eps": e,
                "wl": w,
                "x0": 5.0,
                "criterion": "B" if additive else "C",
                "threshold": BIG,
                "rule": "F1",
                "theta": roughness_additive(e, w) if additive else e,
                "R": curvature_ratio(e, w) if additive else np.nan,
            }
            for e in EPS_MAP
            for w in WL_MAP
        ]
    elif name == "E5":
        rows = [
            {
                "loss": "multiplicative",
                "eps": e,
                "wl": w,
                "x0": 5.0,
                "criterion": "C",
                "threshold": float(b),
                "rule": "F4",
                "first_level": min(8, level - 2),
                "bound": float(b),
                "red_line": red_line(w, float(b)),
            }
            for b in exp["bounds"]
            for e in EPS_TINY
            for w in WL_MAP
        ]
    elif name == "E6":
        e1, e2 = np.meshgrid(EPS1_TWO, EPS2_TWO, indexing="ij")
        ratio = curvature_ratio_two_cosines(e1.ravel(), WL1_TWO, e2.ravel(), WL2_TWO)
        rows = [
            {
                "loss": "two_cosines",
                "eps1": a,
                "wl1": WL1_TWO,
                "eps2": b,
                "wl2": WL2_TWO,
                "x0": 5.0,
                "criterion": "B",
                "threshold": BIG,
                "rule": "F2",
                "R": r,
            }
            for a, b, r in zip(e1.ravel(), e2.ravel(), ratio, strict=True)
        ]
    elif name == "E7":
        rows = []
        for d in exp["dims"]:
            run = e7_reduction(int(d), tau=TAU)
            rows.append({"loss": run["loss"], **run["cells"], "x0": run["x0"], "criterion": "A",
                         "threshold": run["threshold"], "rule": "F3", "d": int(d)})  # fmt: skip
    elif name == "E8":
        rows = []
        for convention, criterion in (("literal", "A"), ("abs", "A_abs")):
            for d in exp["dims"]:
                run = e8_reduction(int(d), tau=TAU)
                rows.append({"loss": run["loss"], **run["cells"], "x0": run["x0"], "criterion": criterion,
                             "threshold": run["threshold"], "rule": "F3", "d": int(d), "convention": convention})  # fmt: skip
    elif name == "E9":
        rows = [
            {
                "loss": loss,
                **SINGLE,
                "x0": np.nan,  # drawn per trajectory (initial_points)
                "criterion": "A",
                "threshold": TAU,
                "rule": "F5",
                "first_level": min(F5_FIRST_LEVEL[loss], level - 2),
                "protocol": protocol,
                "column": column,
            }
            for loss in ("additive", "multiplicative")
            for protocol in ("as_coded", "intended")
            for column in range(int(exp["columns"]))
        ]
    elif name == "E10":
        rows = [{"loss": "multiplicative", "eps": 1e-3, "wl": 0.1, "x0": 1.0, "criterion": "final",
                 "threshold": BIG, "rule": "F6", "first_level": min(6, level - 2)}]  # fmt: skip
    else:
        raise ValueError(f"unknown fractal experiment {name!r}; expected one of {EXPERIMENTS}")
    return _table(name, level, rows)


def lr_grid(level: int) -> np.ndarray:
    """The clean grid G(N) every experiment uses (spec section 2.3's recommendation)."""
    return clean_grid(level)


def shards(section: dict, name: str) -> tuple[int, int]:
    """(cell shards, learning-rate shards) of an experiment; the learning-rate shards split
    the 2^N grid steps into equal power-of-two ranges."""
    exp = section["experiments"][name]
    lr_shards = int(exp.get("lr_shards", 1))
    if lr_shards & (lr_shards - 1) or lr_shards > 2 ** int(exp["level"]):
        raise ValueError(f"fractal_boundary.experiments.{name}.lr_shards: {lr_shards} is not a power of two <= 2^N")
    return int(exp.get("cell_shards", 1)), lr_shards


def n_shards(section: dict, name: str) -> int:
    c, lr = shards(section, name)
    return c * lr


def shard_slices(table: pd.DataFrame, section: dict, name: str, shard: int) -> tuple[np.ndarray, int, int]:
    """(cell indices, first grid index, last grid index) of job ``shard``: cell shard
    ``shard // lr_shards`` and the closed learning-rate range of ``shard % lr_shards``
    (neighbouring ranges share their end point)."""
    cell_shards, lr_shards = shards(section, name)
    c, r = divmod(shard, lr_shards)
    cell_sets = np.array_split(np.arange(len(table)), cell_shards)
    width = 2 ** int(table["level"].iloc[0]) // lr_shards
    return cell_sets[c], r * width, (r + 1) * width


def trajectory_steps(table: pd.DataFrame, steps: int = 1000) -> float:
    """Nominal trajectory-steps of an experiment: cells x (2^N + 1) x T (the spec's cost unit)."""
    return float(len(table) * (2.0 ** int(table["level"].iloc[0]) + 1) * steps)


def fit_kwargs(row) -> dict:
    """The :func:`physlearn.fractal.boundary.counting.fit_alpha` keywords of a cell row."""
    out = {"rule": row["rule"]}
    if not _missing(row.get("first_level")):
        out["first_level"] = int(row["first_level"])
    if not _missing(row.get("last_level")):
        out["last_level"] = int(row["last_level"])
    if not _missing(row.get("min_levels")):
        out["min_levels"] = None if int(row["min_levels"]) < 0 else int(row["min_levels"])
    return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
