"""Workflow step: Fig. 19 of the skills paper (modularity speeds up the rare skill) from the
runs of modularity_runs, with its table and claims.

    python -m physlearn.skills.domino.modularity_figure --config JSON --runs runs.csv --curves curves.csv \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from physlearn import figures, plotting, step
from physlearn.claims import Claim, interval_verdict

# Spec section 4: median t2/t1 over inits, and the rare skill's speed-up from modularity.
PAPER = {"non-modular": 2.8, "modular": 1.14, "speedup": 1.4}
FACTOR = 1.5  # each median within x/÷ 1.5 of the paper's value
VARIANTS = ("non-modular", "modular")
BOOTSTRAP_RESAMPLES = 2000  # of the inits, for the 95% interval of each median
BOOTSTRAP_SEED = 19  # fixed, so that a claims file is reproducible


def ratios(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (variant, init): T1, T2 and T2/T1 (NaN if a skill was never learned), of one place
    of measurement."""
    wide = runs.pivot_table(index=["variant", "init"], columns="skill", values="learning_step", dropna=False)
    out = pd.DataFrame({"t1": wide[1], "t2": wide[2]}).reset_index()
    out["ratio"] = out["t2"] / out["t1"]  # NaN if either was never learned
    return out


def median_never_as_inf(values: pd.Series) -> float:
    """The median, with a skill never learned within the run counted as infinitely late (the
    median stays finite while fewer than half the inits never learned)."""
    return float(np.median(values.fillna(np.inf))) if len(values) else np.nan


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if np.isfinite(value) else "inf (half or more never learned)"


def bootstrap_median(values, rng: np.random.Generator, resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    """Medians of ``resamples`` resamples (with replacement) of ``values``, NaN (never learned)
    counted as infinitely late, as in :func:`median_never_as_inf`."""
    values = np.asarray(pd.Series(values, dtype=float).fillna(np.inf))
    if not len(values):
        return np.full(resamples, np.nan)
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    return np.median(values[picks], axis=1)


def percentile_interval(samples: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval (inf allowed: more than half of a resample never learned);
    NaN when there are no samples."""
    if np.isnan(samples).any():
        return np.nan, np.nan
    return float(np.quantile(samples, 0.025, method="lower")), float(np.quantile(samples, 0.975, method="higher"))


def fmt_interval(interval) -> str:
    return f"[{fmt(interval[0])}, {fmt(interval[1]).split(' ')[0]}]"


def claims(per_init: pd.DataFrame, measure_on: str, other: pd.DataFrame, other_name: str) -> list[Claim]:
    """The claims for the skill MSE measured on ``measure_on``; ``other`` (the other place of
    measurement) is reported beside them, not judged. Every median carries a 95% bootstrap
    interval over the inits (an init that never learned a skill counts as infinitely late,
    so the interval is open-ended when many never did), and the verdicts read the interval:
    one that straddles a criterion's bound is INCONCLUSIVE. The speed-up is judged twice: its
    direction (modular sooner, the paper's point) and its size (about 1.4x)."""
    summary, alt = summarise(per_init), summarise(other)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = {v: per_init[per_init["variant"] == v] for v in VARIANTS}
    boot_ratio = {v: bootstrap_median(rows[v]["ratio"], rng) for v in VARIANTS}
    boot_t2 = {v: bootstrap_median(rows[v]["t2"], rng) for v in VARIANTS}
    with np.errstate(invalid="ignore", divide="ignore"):
        boot_speedup = boot_t2["non-modular"] / boot_t2["modular"]
    boot_speedup[np.isnan(boot_speedup) & ~np.isnan(boot_t2["modular"])] = np.inf  # inf / inf: never in both
    where = {"task_rows": "on the rows that train it", "all_samples": "on all samples"}
    note = (
        f"; measured {where[other_name]} instead: t2/t1 {fmt(alt['ratio']['non-modular'])} / "
        f"{fmt(alt['ratio']['modular'])}, never learned {alt['never']['non-modular']} / {alt['never']['modular']}"
    )
    out = []
    for v in VARIANTS:
        med = summary["ratio"][v]
        low, high = percentile_interval(boot_ratio[v])
        out.append(
            Claim(
                id=f"{v}-ratio",
                claim=f"{v.capitalize()} network: the rare skill (1% of samples) is learned this much later than the common one.",
                paper_value=f"median t2/t1 about {PAPER[v]}",
                ours=f"median t2/t1 = {fmt(med)} over {summary['n']} inits ({summary['never'][v]} with a skill never "
                f"learned, counted as inf; skill MSE {where[measure_on]}){note if v == VARIANTS[-1] else ''}",
                uncertainty=f"95% bootstrap interval {fmt_interval((low, high))} over {len(rows[v])} inits "
                f"({BOOTSTRAP_RESAMPLES} resamples)",
                criterion=f"the interval within a factor {FACTOR} of {PAPER[v]} "
                f"({PAPER[v] / FACTOR:.2f} to {PAPER[v] * FACTOR:.2f}); INCONCLUSIVE if it straddles a bound",
                passed=interval_verdict(low, high, above=PAPER[v] / FACTOR, below=PAPER[v] * FACTOR, strict=False),
                measured={
                    "median_ratio": med,
                    "interval": [low, high],
                    "measured_on": measure_on,
                    other_name: alt["ratio"][v],
                },
            )
        )
    t2, speedup = summary["t2"], summary["speedup"]
    low, high = percentile_interval(boot_speedup)
    uncertainty = (
        f"95% bootstrap interval {fmt_interval((low, high))} over {len(rows['non-modular'])} and "
        f"{len(rows['modular'])} inits, resampled apart ({BOOTSTRAP_RESAMPLES} resamples)"
    )
    ours = (
        f"median T2: non-modular {fmt(t2['non-modular'], 0)}, modular {fmt(t2['modular'], 0)} steps: "
        f"ratio {fmt(speedup)} (skill MSE {where[measure_on]}; {where[other_name]}: {fmt(alt['speedup'])})"
    )
    measured = {
        "median_t2": t2,
        "speedup": speedup,
        "interval": [low, high],
        "measured_on": measure_on,
        other_name: alt["speedup"],
    }
    out.append(
        Claim(
            id="modular-rare-skill-sooner",
            claim="With modularity the rare skill is learned sooner.",
            paper_value=f"sooner (about {PAPER['speedup']}x)",
            ours=ours,
            uncertainty=uncertainty,
            criterion="the interval of median non-modular T2 / modular T2 lies above 1; INCONCLUSIVE if it straddles 1",
            passed=interval_verdict(low, high, above=1.0),
            measured=measured,
        )
    )
    out.append(
        Claim(
            id="modular-speedup-size",
            claim="With modularity the rare skill is learned about 1.4x sooner.",
            paper_value=f"about {PAPER['speedup']}x sooner",
            ours=ours,
            uncertainty=uncertainty,
            criterion=f"the interval of the speed-up within a factor {FACTOR} of {PAPER['speedup']} "
            f"({PAPER['speedup'] / FACTOR:.2f} to {PAPER['speedup'] * FACTOR:.2f}); INCONCLUSIVE if it straddles",
            passed=interval_verdict(
                low, high, above=PAPER["speedup"] / FACTOR, below=PAPER["speedup"] * FACTOR, strict=False
            ),
            measured=measured,
        )
    )
    return out


def summarise(per_init: pd.DataFrame) -> dict:
    """Median t2/t1 and T2 per variant (a skill never learned counts as infinitely late), the
    count of such inits, and the rare skill's speed-up."""
    rows = {v: per_init[per_init["variant"] == v] for v in VARIANTS}
    t2 = {v: median_never_as_inf(r["t2"]) for v, r in rows.items()}
    return {
        "ratio": {v: median_never_as_inf(r["ratio"]) for v, r in rows.items()},
        "t2": t2,
        "never": {v: int(r[["t1", "t2"]].isna().any(axis=1).sum()) for v, r in rows.items()},
        "n": len(rows[VARIANTS[0]]),
        "speedup": t2["non-modular"] / t2["modular"] if np.isfinite(t2["modular"]) else np.nan,
    }


def plot(curves: pd.DataFrame, per_init: pd.DataFrame, cfg: dict, title: str):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    ax = axes[0]
    for i, v in enumerate(VARIANTS):
        for skill, ls in ((1, "-"), (2, "--")):
            c = curves[(curves["variant"] == v) & (curves["skill"] == skill)]
            ax.plot(c["step"], c["mse_median"], color=f"C{i}", ls=ls, label=f"{v}, skill {skill}")
            ax.fill_between(c["step"], c["mse_q25"], c["mse_q75"], color=f"C{i}", alpha=0.15, lw=0)
    ax.axhline(cfg["threshold"], color="0.6", lw=0.8)
    where = {"task_rows": "on its training rows", "all_samples": "on all samples"}[cfg["measure_on"]]
    ax.set(
        yscale="log",
        xlabel="step",
        ylabel=f"skill MSE {where}\n(median, IQR over inits)",
        title="skill 1: x1^2 (99%), skill 2: x2^2 (1%)",
    )
    ax.legend(frameon=False, fontsize=7)
    ax = axes[1]
    data = [per_init[per_init["variant"] == v]["ratio"].dropna() for v in VARIANTS]
    ax.boxplot(data, showfliers=True)
    ax.set_xticks([1, 2], VARIANTS)
    # the box leaves out the inits that never learned a skill; the claims' medians count them
    # as infinitely late, so say how many there are
    for x, v in enumerate(VARIANTS, start=1):
        never = int(per_init[per_init["variant"] == v]["ratio"].isna().sum())
        if never:
            ax.annotate(
                f"+{never} never learned\n(not in the box; inf in the median)",
                (x, 0.02),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="bottom",
                fontsize=7,
                color="C3",
            )
    ax.scatter([1, 2], [PAPER[v] for v in VARIANTS], marker="x", color="k", zorder=3, label="paper")
    ax.set(ylabel="T2 / T1 per init", title="learning-time ratio")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_networks", inputs=("runs", "curves"), argv=argv)
    # flush denormals to zero (a CPU flag; numpy obeys it too), as the training steps do
    torch.set_flush_denormal(True)
    section = cfg["skills_networks"]["modularity"]
    runs, curves = pd.read_csv(args.runs), pd.read_csv(args.curves)
    measure_on = section["measure_on"]
    other = next(m for m in runs["measured_on"].unique() if m != measure_on)
    per_init = ratios(runs[runs["measured_on"] == measure_on])
    plotting.style()
    fig = plot(
        curves[curves["measured_on"] == measure_on],
        per_init,
        section,
        f"Skills Fig. 19: modularity and a rare skill, MLP [2, {', '.join(map(str, section['hidden']))}, 2] "
        f"({cfg['scale']} scale: {section['inits']} inits, {section['dtype']})",
    )
    figures.write_figure(
        args,
        cfg,
        "modularity",
        fig=fig,
        table=per_init,
        config=section,
        claims=claims(per_init, measure_on, ratios(runs[runs["measured_on"] == other]), other),
    )


if __name__ == "__main__":
    main()
