"""From the per-learning-rate summary to the maps: best learning rate, winner per pixel,
and the noise level where Adam stops winning. Pure functions on pandas tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from physlearn.claims import MeanInterval, interval_verdict
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
    """One row per pixel: the optimizer (of ``optimizers``) with the lowest best loss, the
    margin to the runner-up, 'diverged' where all of them diverged; and which differences are
    decided (:func:`decided_columns`): ``beats_<i>_<j>`` is True where i's loss lies below j's
    beyond the 95% t interval of the difference, ``winner_decided`` where the winner beats every
    other optimizer so."""
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
    decided = decided_columns(best, scanned, optimizers, wide.index)
    for column, values in decided.items():
        out[column] = values
    beats = [
        all(decided[f"beats_{w}_{o}"][k] == 1.0 for o in optimizers if o != w) if w in optimizers else False
        for k, w in enumerate(name)
    ]
    out["winner_decided"] = np.asarray(beats, dtype=bool)
    return out


def decided_columns(best: pd.DataFrame, scanned: str, optimizers, index: pd.Index) -> dict[str, np.ndarray]:
    """``beats_<i>_<j>`` per pixel of ``index`` (``replicates`` too): whether optimizer i's
    best mean final loss lies below j's: 1 where the 95% t interval of the difference (j - i) over
    the replicates lies above 0, 0 where it lies wholly at or below 0 (a tie is no win), NaN
    where it straddles 0 (undecided). The s.e. is the paired one of the merge step (``sem_diff_final_loss_<j>`` in
    i's row, at both best learning rates); a table without it (an older summary) falls back
    to the two standard errors combined, which ignores the pairing and only widens the
    interval. A diverged optimizer (NaN loss) is beaten by every one that did not diverge;
    with one replicate the interval is the point (decided on the means)."""

    def pivot(column: str) -> pd.DataFrame:
        return best.pivot_table(index=[scanned, "sigma"], columns="optimizer", values=column, dropna=False).reindex(
            index=index
        )

    loss = pivot("mean_final_loss")
    sem = pivot("sem_final_loss") if "sem_final_loss" in best else None
    n = pivot("replicates").min(axis=1).fillna(1).to_numpy() if "replicates" in best else np.ones(len(index))
    out = {"replicates": n.astype(int)}
    for i in optimizers:
        for j in optimizers:
            if i == j:
                continue
            li, lj = loss[i].to_numpy(), loss[j].to_numpy()
            paired = f"sem_diff_final_loss_{j}"
            if paired in best:
                se = best[best["optimizer"] == i].set_index([scanned, "sigma"])[paired].reindex(index).to_numpy()
            elif sem is not None:
                se = np.hypot(sem[i].to_numpy(), sem[j].to_numpy())
            else:
                se = np.full(len(index), np.nan)
            beats = np.zeros(len(index))
            for k in range(len(index)):
                if np.isnan(li[k]):
                    continue  # i diverged: it beats nobody
                if np.isnan(lj[k]):
                    beats[k] = 1.0  # j diverged, i did not
                    continue
                interval = MeanInterval.from_mean_se(lj[k] - li[k], se[k], int(n[k]))
                verdict = interval_verdict(*interval.bounds, above=0.0)
                beats[k] = np.nan if verdict is None else float(verdict)
            out[f"beats_{i}_{j}"] = beats
    return out


def group_status(win: pd.DataFrame, group) -> np.ndarray:
    """Per pixel of a winners table, +1 where the group (one optimizer, or the sign methods
    together) wins decidedly: one of its members beats every optimizer outside it beyond the
    95% t interval of the difference; -1 where it cannot win: each member is decidedly not below some
    optimizer outside it (behind it, or tied with no spread); 0 where the pixel is undecided. A table without
    the ``beats_`` columns (a hand-drawn map) counts its winners as decided."""
    members = [o for o in group]
    others = [o for o in COLOURS if o not in members and o in win.columns]
    if not others or not all(f"beats_{g}_{o}" in win for g in members for o in others):
        return np.where(win["winner"].isin(members), 1, -1)
    beats = {(g, o): win[f"beats_{g}_{o}"].to_numpy(dtype=float) for g in members for o in others}
    wins = np.any([np.all([beats[g, o] == 1.0 for o in others], axis=0) for g in members], axis=0)
    can_win = np.any([np.all([beats[g, o] != 0.0 for o in others], axis=0) for g in members], axis=0)
    return np.where(wins, 1, np.where(can_win, 0, -1))


def win_grid(win: pd.DataFrame, scanned: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scanned values, sigma values, winner names as a 2-D array [scanned, sigma])."""
    rows = np.sort(win[scanned].unique())
    cols = np.sort(win["sigma"].unique())
    grid = win.pivot(index=scanned, columns="sigma", values="winner").loc[rows, cols].to_numpy()
    return rows, cols, grid


def adam_boundary(win: pd.DataFrame, scanned: str, count: str = "winner") -> pd.Series:
    """Noise level where Adam stops winning, per scanned value: the width of Adam's region
    along sigma (grid spacing times the number of sigma values Adam wins). For a clean
    boundary this is the first sigma a sign method wins; unlike that, isolated speckle
    pixels move it by one grid step only.

    ``count`` says which pixels are Adam's: "winner" those where Adam has the lowest mean,
    "decided" only those Adam wins beyond the 95% t interval (the boundary's lower end), "possible"
    every pixel Adam does not lose decidedly (its upper end); see :func:`group_status`."""
    sigmas = np.sort(win["sigma"].unique())
    step = np.diff(sigmas).mean() if len(sigmas) > 1 else 0.0
    if count == "winner":
        adam = win["winner"] == "adam"
    else:
        status = group_status(win, ("adam",))
        adam = pd.Series(status == 1 if count == "decided" else status >= 0, index=win.index)
    adam_wins = adam.groupby(win[scanned]).sum()
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
