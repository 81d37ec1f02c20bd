"""Workflow step: Fig. 7. Top: u_i^(1/p_i) of every skill against the step, for the Geometry
model's default setup (solid) and the Resource model at its best N0 (dashed): with C = I the
Resource model gives u_i = exp(-p_i tau(t)), one curve exp(-tau) for all skills. Bottom: the
best N0 against the learning rate, the gradient noise and the batch size, with fitted lines,
at the authors' Fig. 7 setup (N 1000, 10 Gaussian skills, eta 1e-3, B 128, 1000 steps; fit.py).

    python -m physlearn.skills.resource.collapse_figure --config JSON --curves curves_ablations.csv \
        --sweeps fits_sweeps.csv --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures, step
from physlearn.claims import Claim, MeanInterval, all_hold, interval_verdict, mean_interval, se_multiple, welch_dof
from physlearn.skills.resource import model as R
from physlearn.skills.resource import settings as resource_settings
from physlearn.skills.resource.n0_figure import seed_n0

# Criteria, fixed before any number was seen.
COLLAPSE_SPREAD = 0.05  # mean over steps of the std across skills of u_i^(1/p_i)
# The paper's red lines (2 eta, 20 sigma, 1/B) are slope guides, not fits (spec section 3):
# the claims test their slopes, 1, 1 and -1, each within +- 0.5, and only where the spec says
# the law holds at the authors' Fig. 7 setup: eta >= 1e-3 (below, N0 vs eta is the left arm of
# a U), sigma >= 1e-3 (the spec's range, where noise dominates the noiseless N0) and B <= 32
# (about 1.3/B there, then level near 0.01). The prefactors are drawn, not judged.
GUIDE_COEFFICIENT = {"lr": 2.0, "noise": 20.0}  # the guides drawn: N0 = 2 eta, N0 = 20 sigma
GUIDE_SLOPE = {"lr": 1.0, "noise": 1.0, "batch_size": -1.0}
SLOPE_TOLERANCE = 0.5
# the sweep values fitted: low <= x <= high
SLOPE_RANGE = {"lr": (1e-3, np.inf), "noise": (1e-3, np.inf), "batch_size": (0.0, 32.0)}
# The spec's N0 per sweep value (the authors' metric at their Fig. 7 setup, spec section 3),
# judged within the factor-3 band the spec allows for Fig. 6 ("a factor-of-3 band at most").
SPEC_N0 = {
    "lr": {1e-5: 0.63, 1e-4: 0.069, 3e-4: 0.012, 1e-3: 0.016, 1e-2: 0.16, 1e-1: 1.9},
    "noise": {1e-3: 0.032, 1e-2: 0.34, 1e-1: 3.9, 1.0: 37.0},
    "batch_size": {8: 0.166, 16: 0.083, 32: 0.040, 128: 0.017, 256: 0.01, 512: 0.01, 1024: 0.01},
}
N0_FACTOR = 3.0
COLLAPSE_LEARNED = 0.9  # the collapse is judged on the skills with s >= this at the last step
LABELS = {"lr": "learning rate $\\eta$", "noise": "gradient noise $\\sigma$", "batch_size": "batch size $B$"}


def collapse_table(curves: pd.DataFrame, panel: str = "default") -> pd.DataFrame:
    rows = curves[curves["panel"] == panel].copy()
    rows["u"] = 1 - rows["s"]
    rows["collapsed"] = R.collapse(rows["u"].to_numpy(), rows["p"].to_numpy())
    return rows


COLLAPSE_WINDOW = (0.01, 0.99)  # steps where the common curve exp(-tau) is between these


def collapse_window(collapsed: pd.DataFrame) -> np.ndarray:
    """The recorded steps where the median over skills of u_i^(1/p_i) lies inside
    COLLAPSE_WINDOW: before, nothing has moved; after, every curve sits at 0 and would agree
    trivially."""
    median = collapsed.groupby("step")["collapsed"].median()
    inside = (median > COLLAPSE_WINDOW[0]) & (median < COLLAPSE_WINDOW[1])
    return median.index[inside].to_numpy()


def learned_skills(collapsed: pd.DataFrame, level: float = COLLAPSE_LEARNED) -> list[int]:
    """The skills with s >= ``level`` at the last recorded step. Only their u_i^(1/p_i) can be
    read: an error d in s moves it by about d / p_i (a factor up to 154 for the rarest skill at
    alpha 2), and a skill that interference pushed below s = 0 is clipped to a flat 1.0."""
    last = collapsed[collapsed["step"] == collapsed["step"].max()]
    return sorted(int(k) for k in last.loc[last["s"] >= level, "skill"])


def spread(collapsed: pd.DataFrame, skills: list[int] | None = None) -> float:
    """Mean over the collapse window's steps of the std across skills of u_i^(1/p_i), over
    ``skills`` (all when None)."""
    if skills is not None:
        collapsed = collapsed[collapsed["skill"].isin(skills)]
    rows = collapsed[collapsed["step"].isin(collapse_window(collapsed))]
    return float(rows.groupby("step")["collapsed"].std(ddof=0).mean()) if len(rows) else np.nan


def linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least squares y = a + b x; returns (a, b)."""
    b, a = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)
    return float(a), float(b)


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def slope_interval(
    x: np.ndarray, y: np.ndarray, grid_ratio: float, log_se: np.ndarray | None = None, seeds: int = 1
) -> tuple[float, float, float]:
    """(slope, low, high): the log-log least-squares slope of y against x, and its interval.
    The least-squares slope is sum_i w_i log y_i. Each log y_i (the mean over seeds of their
    best log N0 over ``seeds`` seeds) has a standard error ``log_se`` (NaN or None: one seed,
    none), giving the slope's s.e. sqrt(sum_i w_i^2 se_i^2) and its 95% t interval (Welch's
    degrees of freedom from each value's seeds - 1); and each best N0 is
    known only to the grid (``grid_ratio``: one grid value over the previous), which moves the
    slope at most by (log grid_ratio / 2) sum_i |w_i| more. NaN with fewer than two points."""
    if len(x) < 2:
        return np.nan, np.nan, np.nan
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    weights = (lx - lx.mean()) / ((lx - lx.mean()) ** 2).sum()
    slope = float(weights @ ly)
    half_width = float(np.log(grid_ratio) / 2 * np.abs(weights).sum())
    if log_se is not None and np.isfinite(log_se).all():
        parts = weights * np.asarray(log_se, float)
        k = se_multiple(welch_dof(parts, np.full(len(parts), seeds - 1)))
        half_width += k * float(np.sqrt((parts**2).sum())) if np.isfinite(k) else 0.0
    return slope, slope - half_width, slope + half_width


def grid_ratio(section: dict) -> float:
    """One value of the sweeps' N0 grid over the previous (1 for a single value or a linear
    grid's worst case)."""
    grid = resource_settings.n0_grid(section, "sweeps")
    return float((grid[1:] / grid[:-1]).max()) if len(grid) > 1 else 1.0


def sweep_summary(best: pd.DataFrame, ratio: float = 1.0) -> dict:
    """Per sweep: the best N0 per value, a linear fit, and the judged log-log slope. With a
    ``seed_n0`` column (each seed's own best N0, :func:`physlearn.skills.resource.n0_figure.best_rows`)
    the slope is fitted to the mean over seeds of log N0, with its standard error; without
    it, to the seed-mean curves' best N0 (``n0``), one value and no seed interval."""
    out = {}
    for variable in ("lr", "noise", "batch_size"):
        rows = best[best["variable"] == variable].sort_values("value")
        x, y = rows["value"].to_numpy(float), rows["n0"].to_numpy(float)
        log_se = np.full(len(x), np.nan)
        seeds = len(rows["seed_n0"].iloc[0]) if "seed_n0" in rows and len(rows) else 1
        if "seed_n0" in rows:
            intervals = [mean_interval(np.log(v), what="seeds") for v in rows["seed_n0"]]
            y = np.exp([i.mean for i in intervals])
            log_se = np.array([i.se for i in intervals])
        # each value's log N0 interval: 95% t interval over seeds, ± half a grid step
        half_step = np.log(ratio) / 2
        spread = np.where(np.isfinite(log_se), se_multiple(seeds - 1) * log_se, 0.0)
        value_interval = [(float(v - w - half_step), float(v + w + half_step)) for v, w in zip(np.log(y), spread)]
        a, b = linear_fit(1 / x if variable == "batch_size" else x, y)
        positive = x > 0
        in_range = positive & (x >= SLOPE_RANGE[variable][0]) & (x <= SLOPE_RANGE[variable][1])
        slope, low, high = slope_interval(x[in_range], y[in_range], ratio, log_se[in_range], seeds)
        out[variable] = {
            "x": x,
            "n0": y,
            "intercept": a,
            "coefficient": b,
            "loglog_slope": loglog_slope(x[positive], y[positive]) if positive.sum() >= 2 else np.nan,
            "fitted_x": x[in_range],
            "slope": slope,
            "slope_interval": [low, high],
            "seeds": seeds,
            "value_interval": value_interval,
        }
    return out


def value_claim(variable: str, symbol: str, s: dict) -> Claim:
    """The spec's N0 at each sweep value it lists (SPEC_N0), each within a factor N0_FACTOR:
    every value's log N0 interval (95% t interval over seeds, ± half a grid step) inside the
    band passes, one wholly outside fails the claim, one straddling makes it INCONCLUSIVE.
    No shared value: FAIL (nothing compared)."""
    spec = SPEC_N0[variable]
    parts, rows = [], {}
    for x, n0, (low, high) in zip(s["x"], s["n0"], s["value_interval"]):
        reference = next((v for k, v in spec.items() if np.isclose(k, x)), None)
        if reference is None:
            continue
        verdict = interval_verdict(
            low, high, above=np.log(reference / N0_FACTOR), below=np.log(reference * N0_FACTOR), strict=False
        )
        parts.append(verdict)
        rows[f"{x:g}"] = {"n0": float(n0), "spec": reference, "interval": [float(np.exp(low)), float(np.exp(high))]}
    compared = "; ".join(f"{k}: {v['n0']:.3g} (spec {v['spec']:g})" for k, v in rows.items()) or "no shared value"
    intervals = "; ".join(f"{k}: [{v['interval'][0]:.3g}, {v['interval'][1]:.3g}]" for k, v in rows.items())
    return Claim(
        id=f"n0-values-{variable.replace('_', '-')}",
        claim=f"The best-fit N0 at each {symbol} takes the value the authors' fit metric gives at their Fig. 7 setup.",
        paper_value=", ".join(f"{k:g}: {v:g}" for k, v in spec.items()) + " (spec section 3)",
        ours=f"best N0 (geometric mean over seeds) at {symbol} = {compared}",
        uncertainty=(
            f"95% t interval of the mean log N0 over {s['seeds']} seeds, ± half a grid step: {intervals}"
            if s["seeds"] > 1
            else f"one seed; the N0 grid's resolution (± half a step): {intervals}"
        ),
        criterion=f"at every sweep value the spec lists, the N0 interval within a factor {N0_FACTOR:g} of the spec's "
        "N0; INCONCLUSIVE if one straddles the band's edge; no shared value FAIL",
        passed=all_hold(*parts),
        measured=rows,
    )


def range_text(variable: str, symbol: str) -> str:
    low, high = SLOPE_RANGE[variable]
    if np.isinf(high):
        return f"{symbol} >= {low:g}"
    return f"{symbol} <= {high:g}" if low <= 0 else f"{low:g} <= {symbol} <= {high:g}"


def seed_spreads(collapsed: pd.DataFrame, skills: list[int]) -> list[float]:
    """The collapse measure (:func:`spread`) of each seed's own Geometry curves, over the
    skills judged on the seed-mean curves; empty where fit.py wrote no per-seed curves."""
    if "seed" not in collapsed:
        return []
    seeds = collapsed[collapsed["model"] == "geometry_seed"]
    return [spread(rows, skills) for _, rows in seeds.groupby("seed")]


def claims_for(
    collapse_spread: float,
    summary: dict,
    skills_judged: list[int],
    n_skills: int,
    seed_values: list[float] | None = None,
) -> list[Claim]:
    """The collapse of the Geometry model, judged on the skills it can be read on (see
    :func:`learned_skills`); and the slopes of the best N0 against eta, sigma and B, with
    the N0 grid's resolution as their interval. The Resource model's own collapse is not a
    claim: with C = I it is an identity of the update, u_i = exp(-p_i tau), that cannot fail."""
    # the measure over seeds (each seed's own curves): 95% t interval; the seed-mean curves'
    # value as a point where no seed curves exist
    interval = mean_interval(seed_values) if seed_values else MeanInterval(collapse_spread, np.nan, 1)
    claims = [
        Claim(
            id="collapse",
            claim="u_i^(1/p_i) of all skills of the Geometry model collapse onto one curve, u_i = exp(-p_i tau(t)).",
            paper_value="one curve for all skills (Fig. 7 top)",
            ours=f"mean std across skills of u_i^(1/p_i): {interval.mean:.3f} over seeds (seed-mean curves: "
            f"{collapse_spread:.3f}), over the {len(skills_judged)} of {n_skills} skills learned by the last step "
            f"({skills_judged})",
            uncertainty=interval.text,
            criterion=f"mean of the std across the skills with s >= {COLLAPSE_LEARNED:g} at the last step (at least "
            f"two) <= {COLLAPSE_SPREAD}, over the recorded steps where their median lies in {COLLAPSE_WINDOW} "
            f"(the common curve's fall); judged on {interval.basis} of each seed's value, INCONCLUSIVE if it "
            "straddles",
            passed=interval_verdict(*interval.bounds, below=COLLAPSE_SPREAD, strict=False)
            if len(skills_judged) >= 2
            else False,
            measured={
                "geometry_spread": collapse_spread,
                "seed_spread": interval.as_dict(),
                "skills_judged": skills_judged,
            },
        )
    ]
    for variable, symbol, claim in (
        ("lr", "eta", "The best-fit N0 grows in proportion to the learning rate eta (for eta >= 1e-3)."),
        ("noise", "sigma", "The best-fit N0 grows in proportion to the gradient noise sigma."),
        ("batch_size", "B", "The best-fit N0 falls as 1/B with the batch size (for B <= 32)."),
    ):
        s, guide = summary[variable], GUIDE_SLOPE[variable]
        low, high = s["slope_interval"]
        fitted = ", ".join(f"{v:g}" for v in s["fitted_x"])
        claims.append(
            Claim(
                id=f"n0-vs-{variable.replace('_', '-')}",
                claim=claim,
                paper_value=f"log-log slope {guide:g} (the figure's slope guide"
                + (f" {GUIDE_COEFFICIENT[variable]:g} {symbol}" if variable in GUIDE_COEFFICIENT else " 1/B")
                + "; its prefactor is not a fit)",
                ours=f"log-log slope {s['slope']:.2f} over {symbol} = {fitted} (best N0 {', '.join(f'{v:.3g}' for v in s['n0'][np.isin(s['x'], s['fitted_x'])])})",
                uncertainty=(
                    f"the slope's 95% t interval from the s.e. of each value's mean log N0 over {s['seeds']} seeds, "
                    if s["seeds"] > 1
                    else "one seed, no seed interval; "
                )
                + f"widened by the N0 grid's resolution (each best N0 anywhere within half a grid step): "
                f"[{low:.2f}, {high:.2f}]",
                criterion=f"slope interval within {guide:g} +- {SLOPE_TOLERANCE:g}, over the sweep's "
                f"{range_text(variable, symbol)}; INCONCLUSIVE if it straddles a bound; fewer than two values FAIL",
                passed=interval_verdict(low, high, above=guide - SLOPE_TOLERANCE, below=guide + SLOPE_TOLERANCE),
                measured={
                    "x": s["x"],
                    "n0": s["n0"],
                    "fitted_x": s["fitted_x"],
                    "slope": s["slope"],
                    "slope_interval": [low, high],
                    "intercept": s["intercept"],
                    "coefficient": s["coefficient"],
                    "loglog_slope_all": s["loglog_slope"],
                },
            )
        )
    claims += [value_claim(v, sym, summary[v]) for v, sym in (("lr", "eta"), ("noise", "sigma"), ("batch_size", "B"))]
    return claims


def plot(collapsed: pd.DataFrame, summary: dict, title: str):
    fig, axes = plt.subplot_mosaic([["top", "top", "top"], ["lr", "noise", "batch_size"]], figsize=(12, 8))
    ax = axes["top"]
    K = int(collapsed["skill"].max())
    colours = plt.cm.viridis(np.linspace(0, 0.9, K))
    for model, style in (("geometry", "-"), ("resource", "--")):
        m = collapsed[collapsed["model"] == model]
        for k in range(1, K + 1):
            c = m[m["skill"] == k]
            label = f"skill {k} (p = {c['p'].iloc[0]:.2g})" if model == "geometry" else None
            ax.plot(c["step"], c["collapsed"], style, color=colours[k - 1], lw=1.2, label=label)
    window = collapse_window(collapsed[collapsed["model"] == "geometry"])
    if len(window):
        ax.axvspan(window[0], window[-1], color="0.9", zorder=0, label="collapse window")
        ax.set_xlim(0, 2 * window[-1])
    ax.set_xlabel("step")
    ax.set_ylabel("$u_i^{1/p_i}$ = $(1 - s_i)^{1/p_i}$")
    ax.set_title("default setup: Geometry (solid) and Resource model at its best N0 (dashed)", fontsize=9)
    ax.legend(ncol=5, fontsize=7, frameon=False)
    for variable, ax in ((v, axes[v]) for v in ("lr", "noise", "batch_size")):
        s = summary[variable]
        x = s["x"]
        ax.plot(x, s["n0"], "o", color="k", label="best N0")
        xs = np.geomspace(x[x > 0].min(), x.max(), 50) if (x > 0).any() else x
        fitted = s["intercept"] + s["coefficient"] * (1 / xs if variable == "batch_size" else xs)
        ax.plot(
            xs,
            fitted,
            "-",
            color="C0",
            label=f"fit: {s['intercept']:.2g} + {s['coefficient']:.3g}"
            + ("/B" if variable == "batch_size" else (" $\\eta$" if variable == "lr" else " $\\sigma$")),
        )
        if variable in GUIDE_COEFFICIENT:
            ax.plot(
                xs,
                GUIDE_COEFFICIENT[variable] * xs,
                ":",
                color="C3",
                label=f"paper's guide: {GUIDE_COEFFICIENT[variable]:g}"
                + (" $\\eta$" if variable == "lr" else " $\\sigma$"),
            )
        else:  # through the largest batch's N0
            ax.plot(xs, s["n0"][-1] * x.max() / xs, ":", color="C3", label="paper's guide: $\\propto 1/B$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(LABELS[variable])
        ax.set_ylabel("best-fit $N_0$")
        low, high = s["slope_interval"]
        ax.set_title(f"log-log slope {s['slope']:.2f} [{low:.2f}, {high:.2f}] (judged range)", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_resource", inputs=("curves", "sweeps"), argv=argv)
    section = cfg["skills_resource"]
    collapsed = collapse_table(pd.read_csv(args.curves))
    geometry = collapsed[collapsed["model"] == "geometry"]
    judged = learned_skills(geometry)
    geo_spread = spread(geometry, judged)
    per_seed = seed_spreads(collapsed, judged)
    sweeps = pd.read_csv(args.sweeps)
    best = sweeps[sweeps["best"]].copy()
    best["seed_n0"] = [seed_n0(sweeps, panel) for panel in best["panel"]]
    summary = sweep_summary(best, grid_ratio(section))
    g, sg = section["geometry"], section["sweeps"]["geometry"]
    fig = plot(
        collapsed,
        summary,
        "Fig. 7: the collapse $u_i^{1/p_i}$ (top) and the best N0 vs lr, noise, batch size"
        f"\n({cfg['scale']} scale, {section['seeds']} seeds; top: Fig. 6's setup, {g['steps']} steps, "
        f"B {g['batch_size']}; bottom: N {sg['n_params']}, {sg['n_skills']} {sg['task_vectors']} skills, "
        f"eta {sg['lr']:g}, B {sg['batch_size']}, {sg['steps']} steps unless scanned)",
    )
    columns = ["part", "model", *(["seed"] if "seed" in collapsed else []), "step", "skill", "p", "s", "collapsed"]
    collapse_rows = collapsed.assign(part="collapse")[columns]
    sweep_rows = best.assign(part="n0_fit")[["part", "variable", "value", "n0", "distance"]]
    table = pd.concat([collapse_rows, sweep_rows], ignore_index=True)
    figures.write_figure(
        args,
        cfg,
        "resource_collapse",
        fig=fig,
        table=table,
        claims=claims_for(geo_spread, summary, judged, int(geometry["skill"].nunique()), per_seed),
        config={"seeds": section["seeds"], "geometry": g, "sweeps": section["sweeps"]},
    )


if __name__ == "__main__":
    main()
