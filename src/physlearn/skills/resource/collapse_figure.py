"""Workflow step: Fig. 7. Top: u_i^(1/p_i) of every skill against the step, for the Geometry
model's default setup (solid) and the Resource model at its best N0 (dashed): with C = I the
Resource model gives u_i = exp(-p_i tau(t)), one curve exp(-tau) for all skills. Bottom: the
best N0 against the learning rate, the gradient noise and the batch size, with fitted lines.

    python -m physlearn.skills.resource.collapse_figure --config JSON --curves curves_ablations.csv \
        --sweeps fits_sweeps.csv --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures, step
from physlearn.claims import Claim
from physlearn.skills.resource import model as R

# Criteria, fixed before any number was seen.
COLLAPSE_SPREAD = 0.05  # mean over steps of the std across skills of u_i^(1/p_i)
COEFFICIENT_FACTOR = 3.0  # fitted N0 = a + b x: b within a factor 3 of the paper's
PAPER_COEFFICIENT = {"lr": 2.0, "noise": 20.0}  # N0 ~ 2 eta, N0 ~ 20 sigma
BATCH_SLOPE, BATCH_SLOPE_TOLERANCE = -1.0, 0.5  # N0 ~ 1/B: log-log slope -1 +- 0.5
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


def spread(collapsed: pd.DataFrame) -> float:
    """Mean over the collapse window's steps of the std across skills of u_i^(1/p_i)."""
    rows = collapsed[collapsed["step"].isin(collapse_window(collapsed))]
    return float(rows.groupby("step")["collapsed"].std(ddof=0).mean()) if len(rows) else np.nan


def linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least squares y = a + b x; returns (a, b)."""
    b, a = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)
    return float(a), float(b)


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def sweep_summary(best: pd.DataFrame) -> dict:
    out = {}
    for variable in ("lr", "noise", "batch_size"):
        rows = best[best["variable"] == variable].sort_values("value")
        x, y = rows["value"].to_numpy(float), rows["n0"].to_numpy(float)
        a, b = linear_fit(1 / x if variable == "batch_size" else x, y)
        positive = x > 0
        out[variable] = {
            "x": x,
            "n0": y,
            "intercept": a,
            "coefficient": b,
            "loglog_slope": loglog_slope(x[positive], y[positive]) if positive.sum() >= 2 else np.nan,
        }
    return out


def claims_for(collapse_spread: float, summary: dict, geo_spread_resource: float) -> list[Claim]:
    claims = [
        Claim(
            id="collapse",
            claim="u_i^(1/p_i) of all skills of the Geometry model collapse onto one curve, u_i = exp(-p_i tau(t)).",
            paper_value="one curve for all skills (Fig. 7 top)",
            ours=f"mean std across skills of u_i^(1/p_i): {collapse_spread:.3f} (Resource model at its best N0: "
            f"{geo_spread_resource:.2g})",
            criterion=f"mean of the std across skills <= {COLLAPSE_SPREAD}, over the recorded steps where the "
            f"median across skills lies in {COLLAPSE_WINDOW} (the common curve's fall)",
            passed=bool(collapse_spread <= COLLAPSE_SPREAD),
            measured={"geometry_spread": collapse_spread, "resource_spread": geo_spread_resource},
        ),
        Claim(
            id="collapse-resource",
            claim="In the Resource model with C = I, u_i = exp(-p_i tau(t)): u_i^(1/p_i) is one curve for all skills.",
            paper_value="one curve for all skills (the derivation behind Fig. 7 top)",
            ours=f"mean std across skills of u_i^(1/p_i) at the best N0: {geo_spread_resource:.2g}",
            criterion=f"the same measure and window as for the Geometry model, <= {COLLAPSE_SPREAD}",
            passed=bool(geo_spread_resource <= COLLAPSE_SPREAD),
            measured={"resource_spread": geo_spread_resource},
        ),
    ]
    for variable, symbol in (("lr", "eta"), ("noise", "sigma")):
        s, paper = summary[variable], PAPER_COEFFICIENT[variable]
        factor = max(s["coefficient"] / paper, paper / s["coefficient"]) if s["coefficient"] > 0 else np.inf
        claims.append(
            Claim(
                id=f"n0-vs-{variable}",
                claim=f"The best-fit N0 grows about as {paper:g}*{symbol}.",
                paper_value=f"N0 ~ {paper:g} {symbol}",
                ours=f"N0 = {s['intercept']:.2g} + {s['coefficient']:.3g} {symbol} (least squares over "
                f"{len(s['x'])} values); log-log slope {s['loglog_slope']:.2f}",
                criterion=f"fitted coefficient of {symbol} within a factor {COEFFICIENT_FACTOR:g} of {paper:g}",
                passed=bool(factor <= COEFFICIENT_FACTOR),
                measured={
                    "x": s["x"],
                    "n0": s["n0"],
                    "intercept": s["intercept"],
                    "coefficient": s["coefficient"],
                    "loglog_slope": s["loglog_slope"],
                },
            )
        )
    s = summary["batch_size"]
    claims.append(
        Claim(
            id="n0-vs-batch-size",
            claim="The best-fit N0 falls as 1/B with the batch size.",
            paper_value="N0 ~ 1/B (log-log slope -1)",
            ours=f"log-log slope {s['loglog_slope']:.2f} over B = {[int(b) for b in s['x']]}; "
            f"N0 = {s['intercept']:.2g} + {s['coefficient']:.3g}/B",
            criterion=f"log-log slope of N0 against B within {BATCH_SLOPE:g} +- {BATCH_SLOPE_TOLERANCE:g}",
            passed=bool(abs(s["loglog_slope"] - BATCH_SLOPE) <= BATCH_SLOPE_TOLERANCE),
            measured={"x": s["x"], "n0": s["n0"], "loglog_slope": s["loglog_slope"], "coefficient": s["coefficient"]},
        )
    )
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
        if variable in PAPER_COEFFICIENT:
            ax.plot(
                xs,
                PAPER_COEFFICIENT[variable] * xs,
                ":",
                color="C3",
                label=f"paper: {PAPER_COEFFICIENT[variable]:g}" + (" $\\eta$" if variable == "lr" else " $\\sigma$"),
            )
        else:  # through the largest batch's N0
            ax.plot(xs, s["n0"][-1] * x.max() / xs, ":", color="C3", label="paper: $\\propto 1/B$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(LABELS[variable])
        ax.set_ylabel("best-fit $N_0$")
        ax.set_title(f"log-log slope {s['loglog_slope']:.2f}", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_resource", inputs=("curves", "sweeps"), argv=argv)
    section = cfg["skills_resource"]
    collapsed = collapse_table(pd.read_csv(args.curves))
    geo_spread = spread(collapsed[collapsed["model"] == "geometry"])
    res_spread = spread(collapsed[collapsed["model"] == "resource"])
    sweeps = pd.read_csv(args.sweeps)
    best = sweeps[sweeps["best"]]
    summary = sweep_summary(best)
    g = section["geometry"]
    fig = plot(
        collapsed,
        summary,
        "Fig. 7: the collapse $u_i^{1/p_i}$ (top) and the best N0 vs lr, noise, batch size"
        f"\n({cfg['scale']} scale: {section['seeds']} seeds, N {g['n_params']}, {g['n_skills']} skills, "
        f"{g['steps']} steps, B {g['batch_size']} unless scanned)",
    )
    collapse_rows = collapsed.assign(part="collapse")[["part", "model", "step", "skill", "p", "s", "collapsed"]]
    sweep_rows = best.assign(part="n0_fit")[["part", "variable", "value", "n0", "distance"]]
    table = pd.concat([collapse_rows, sweep_rows], ignore_index=True)
    figures.write_figure(
        args,
        cfg,
        "resource_collapse",
        fig=fig,
        table=table,
        claims=claims_for(geo_spread, summary, res_spread),
        config={"seeds": section["seeds"], "geometry": g, "sweeps": section["sweeps"], "n0_grid": section["n0"]},
    )


if __name__ == "__main__":
    main()
