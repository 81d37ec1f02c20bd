"""Workflow step: one of the Geometry model's small figures, simulated and drawn in one job
(each takes seconds): Fig. 4 (``ratio``), Fig. 5 (``sequence``) or Fig. 15 (``optimizers``),
with its tidy table and claims.

    python -m physlearn.skills.geometry.figure --config JSON --figure ratio|sequence|optimizers \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures, plotting, runtime, step
from physlearn.skills.geometry import experiments as E

# --figure (the config part it reads) -> its figure "geometry_<part>" in physlearn.figures
FIGURES = {f.name.removeprefix("geometry_"): f for f in figures.of("skills", "geometry", "figure")}
COLOURS = {
    "sgd": plotting.rgb(90, 90, 90),
    "signgd": plotting.rgb(214, 170, 40),
    "adam": plotting.rgb(244, 111, 67),
    "lion": plotting.rgb(60, 90, 170),
    "ademamix": plotting.rgb(60, 160, 100),
}


def plot_ratio(summary: pd.DataFrame, runs: pd.DataFrame, section: dict, title: str):
    fig, (ax, ax_t) = plt.subplots(1, 2, figsize=(9.5, 3.8))
    ratios = np.asarray(section["frequency_ratios"], dtype=float)
    ax.plot(ratios, ratios, ls="--", color="0.6", lw=1, label="t2/t1 = p1/p2")
    ax.axhline(2, ls=":", color="0.6", lw=1, label="t2/t1 = 2")
    for optimizer, rows in summary.groupby("optimizer", sort=False):
        per_seed = runs[runs["optimizer"] == optimizer].groupby("p1_over_p2")["t2_over_t1"]
        lo, hi = per_seed.quantile(0.25), per_seed.quantile(0.75)
        x = rows["p1_over_p2"].to_numpy(float)
        y = rows["t2_over_t1"].to_numpy(float)
        yerr = np.abs(np.vstack([y - lo.loc[x].to_numpy(), hi.loc[x].to_numpy() - y]))
        label = f"{E.OPTIMIZER_LABELS[optimizer]} (lr {section['lr'][optimizer]:g})"
        ax.errorbar(x, y, yerr=yerr, marker="o", ms=4, capsize=2, color=COLOURS[optimizer], label=label)
        rerun = E.RERUN_RATIO[optimizer]
        ax.scatter(list(rerun), list(rerun.values()), marker="x", color=COLOURS[optimizer], zorder=4)
        ax_t.plot(
            x, rows["t1"], marker="o", ms=3, color=COLOURS[optimizer], label=f"{E.OPTIMIZER_LABELS[optimizer]} t1"
        )
        ax_t.plot(
            x,
            rows["t2"],
            marker="s",
            ms=3,
            ls="--",
            color=COLOURS[optimizer],
            label=f"{E.OPTIMIZER_LABELS[optimizer]} t2",
        )
    ax.scatter([], [], marker="x", color="k", label="spec re-run")
    for a in (ax, ax_t):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xticks(ratios)
        a.set_xticklabels([f"{r:g}" for r in ratios])
        a.set_xlabel("frequency ratio p1/p2")
    ax.set_ylabel(f"t2/t1 (steps to s = {section['threshold']:g}; median, IQR)")
    ax_t.set_ylabel("steps to reach s = %g (median)" % section["threshold"])
    ax.legend(frameon=False, fontsize=7)
    ax_t.legend(frameon=False, fontsize=6, ncol=2)
    fig.suptitle(title, fontsize=10)
    return fig


def plot_sequence(runs: dict, section: dict, title: str):
    alphas, n_skills = section["alphas"], section["n_skills"]
    fig, axes = plt.subplots(
        2 * len(alphas),
        len(n_skills),
        figsize=(2.6 * len(n_skills), 2.0 * 2 * len(alphas)),
        sharey="row",
        squeeze=False,
    )
    cmap = plt.get_cmap("viridis")
    for col, n in enumerate(n_skills):
        out = runs[n]
        steps = out["step"]
        learned = E.steps_to_reach(out["s"], steps, 0.9)
        for row, alpha in enumerate(alphas):
            ax_l, ax_a = axes[2 * row, col], axes[2 * row + 1, col]
            done = learned[row, 0][np.isfinite(learned[row, 0])]
            xmax = min(steps[-1], max(100, 1.3 * done.max())) if len(done) else steps[-1]
            n_align = E.smooth_records(out["n_align"][row, 0])
            for i in range(n):
                colour = cmap(i / max(1, n - 1))
                ax_l.plot(steps, out["skill_loss"][row, 0, :, i], color=colour, lw=1, label=f"skill {i + 1}")
                ax_a.plot(steps, n_align[:, i], color=colour, lw=1)
            for a in (ax_l, ax_a):
                a.set_xlim(0, xmax)
            ax_l.set_yscale("log")
            ax_l.set_ylim(1e-4, 2)
            ax_l.set_title(f"alpha {alpha:g}, {n} skills", fontsize=8)
            if col == 0:
                ax_l.set_ylabel("skill loss $(1-s_i)^2$")
                ax_a.set_ylabel(f"$n_{{align}}$ ({E.N_ALIGN_SMOOTHING}-record mean)")
            if row == len(alphas) - 1:
                ax_a.set_xlabel("step")
    axes[0, -1].legend(frameon=False, fontsize=6, loc="upper right", ncol=2)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_optimizers(runs: pd.DataFrame, section: dict, title: str):
    skills, noises = section["n_skills"], section["noise"]
    fig, axes = plt.subplots(
        len(skills), len(noises), figsize=(3.3 * len(noises), 2.8 * len(skills)), sharey=True, squeeze=False
    )
    for r, n in enumerate(skills):
        for c, noise in enumerate(noises):
            ax = axes[r, c]
            for optimizer in E.FIG15_OPTIMIZERS:
                rows = runs[(runs["optimizer"] == optimizer) & (runs["n_skills"] == n) & (runs["noise"] == noise)]
                per_skill = rows.groupby("skill")["final_s"]
                med, lo, hi = per_skill.median(), per_skill.min(), per_skill.max()
                ax.plot(
                    med.index,
                    med.values,
                    marker="o",
                    ms=2.5,
                    lw=1.2,
                    color=COLOURS[optimizer],
                    label=E.OPTIMIZER_LABELS[optimizer],
                )
                ax.fill_between(med.index, lo.values, hi.values, color=COLOURS[optimizer], alpha=0.15, lw=0)
            ax.set_xscale("log")
            ax.set_ylim(0, 1.02)
            ax.set_title(f"{n} skills, noise $\\sigma$ = {noise:g}", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"final skill level $s_i$\n(mean of last {section['final_window']:.0%} of steps)")
            if r == len(skills) - 1:
                ax.set_xlabel("skill rank i (frequency $\\propto i^{-\\alpha}$)")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(
        __doc__,
        section="skills_geometry",
        argv=argv,
        extra=lambda ap: ap.add_argument("--figure", choices=list(FIGURES), required=True),
    )
    section = cfg["skills_geometry"][args.figure]
    log = step.logger()
    device = runtime.pick_device(cfg["device"])
    row = FIGURES[args.figure]
    figure, scale = row.label, cfg["scale"]
    started = time.perf_counter()
    plotting.style()

    if args.figure == "ratio":
        runs = E.run_ratio(section, cfg["seed"], device)
        summary = E.ratio_summary(runs)
        claims = E.ratio_claims(summary)
        where = f"N {section['n_params']}, B {section['batch_size']}, {section['seeds']} seeds, {scale} scale"
        fig = plot_ratio(summary, runs, section, f"{figure}: two skills (MSE), {where}")
        table = runs
    elif args.figure == "sequence":
        runs = E.run_sequence(section, cfg["seed"], device)
        checks = E.sequence_checks(runs, section["alphas"])
        claims = E.sequence_claims(checks)
        where = f"SignGD lr {section['lr']:g}, N {section['n_params']}, B {section['batch_size']}, {scale} scale"
        fig = plot_sequence(runs, section, f"{figure}: skill losses and $n_{{align}}$ ({where})")
        table = E.sequence_table(
            runs, section["alphas"], E.derive_seeds(cfg["seed"], "geometry-sequence", section["seeds"])
        )
    else:
        runs = E.run_optimizers(section, cfg["seed"], device)
        claims = E.optimizer_claims(runs, section["n_params"])
        where = (
            f"CE, N {section['n_params']}, alpha {section['alpha']:g}, lr {section['lr']:g}, "
            f"{section['steps']} steps, {section['seeds']} seeds (median, min-max), {scale} scale"
        )
        fig = plot_optimizers(runs, section, f"{figure}: final skill levels ({where})")
        table = runs
    log.info(f"{figure}: simulated in {time.perf_counter() - started:.1f} s on {device}")
    for claim in claims:
        log.info(f"{figure} {claim.id}: {claim.verdict} ({claim.ours})")
    figures.write_figure(
        args,
        cfg,
        row.name,
        fig=fig,
        table=table,
        claims=claims,
        config={"seed": cfg["seed"], args.figure: section, "provenance": runtime.provenance()},
    )


if __name__ == "__main__":
    main()
