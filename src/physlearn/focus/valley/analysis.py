"""From the per-learning-rate summary to the maps: best learning rate, winner per pixel,
and the noise level where Adam stops winning. Pure functions on pandas tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from physlearn.plotting import rgb

# The paper's colours (spec section 2).
COLOURS = {"adam": rgb(244, 111, 67), "signum": rgb(251, 221, 133), "focus": rgb(128, 166, 226)}
LABELS = {"adam": "Adam", "signum": "Signum", "focus": "FOCUS"}
SIGN_METHODS = ("signum", "focus")
DIVERGED = "diverged"


def best_over_lr(summary: pd.DataFrame, scanned: str) -> pd.DataFrame:
    """Per (optimizer, pixel): the learning rate with the lowest mean final loss and that
    row's numbers. A pixel where every learning rate diverged keeps NaN losses."""
    keys = ["optimizer", scanned, "sigma"]
    ranked = summary.assign(_rank=summary["mean_final_loss"].fillna(np.inf))
    best = ranked.sort_values([*keys, "_rank", "lr"], kind="stable").groupby(keys, sort=True).head(1)
    counts = summary.assign(_div=summary["diverged"] > 0).groupby(keys)["_div"].sum()
    best = best.drop(columns="_rank").set_index(keys)
    best["lrs_diverged"] = counts
    best.loc[best["mean_final_loss"].isna(), "lr"] = np.nan
    return best.reset_index().rename(columns={"lr": "best_lr"})


def winners(best: pd.DataFrame, scanned: str, optimizers=tuple(COLOURS)) -> pd.DataFrame:
    """One row per pixel: the optimizer (of ``optimizers``) with the lowest best loss, and the
    margin to the runner-up. 'diverged' where all of them diverged."""
    wide = best.pivot_table(index=[scanned, "sigma"], columns="optimizer", values="mean_final_loss", dropna=False)
    wide = wide[list(optimizers)]
    filled = wide.fillna(np.inf).to_numpy()
    order = np.argsort(filled, axis=1, kind="stable")
    name = np.array(optimizers)[order[:, 0]]
    name = np.where(np.isinf(filled.min(axis=1)), DIVERGED, name)
    sorted_loss = np.take_along_axis(filled, order, axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf where both diverged
        margin = sorted_loss[:, 1] - sorted_loss[:, 0]
    out = wide.reset_index()
    out.columns.name = None
    out["winner"] = name
    out["margin"] = np.where(np.isfinite(margin), margin, np.nan)
    return out


def win_grid(win: pd.DataFrame, scanned: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scanned values, sigma values, winner names as a 2-D array [scanned, sigma])."""
    rows = np.sort(win[scanned].unique())
    cols = np.sort(win["sigma"].unique())
    grid = win.pivot(index=scanned, columns="sigma", values="winner").loc[rows, cols].to_numpy()
    return rows, cols, grid


def adam_boundary(win: pd.DataFrame, scanned: str) -> pd.Series:
    """Noise level where Adam stops winning, per scanned value: the width of Adam's region
    along sigma (grid spacing times the number of sigma values Adam wins). For a clean
    boundary this is the first sigma a sign method wins; unlike that, isolated speckle
    pixels move it by one grid step only."""
    sigmas = np.sort(win["sigma"].unique())
    step = np.diff(sigmas).mean() if len(sigmas) > 1 else 0.0
    adam_wins = (win["winner"] == "adam").groupby(win[scanned]).sum()
    return (adam_wins * step + sigmas[0]).rename("adam_boundary_sigma")


def nearest(values: np.ndarray, target: float, log: bool = False) -> float:
    values = np.asarray(values, dtype=float)
    d = np.abs(np.log(values) - np.log(target)) if log else np.abs(values - target)
    return float(values[np.argmin(d)])


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])
