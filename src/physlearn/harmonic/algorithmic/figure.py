"""Workflow step: a figure of the algorithmic tasks (harmonic spec section 2) from the
training jobs' .npz files, with its tidy table and its claims.

    python -m physlearn.harmonic.algorithmic.figure --config JSON --figure ev_mlp \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json RUNS.npz...

Figures: ``ev_mlp`` (Fig. 2) and ``ev_transformer`` (Fig. 7), the 2-D PCA of the token
embeddings; ``cumulative_ev`` (Fig. 3a); ``data_efficiency`` (Fig. 3b); ``grokking`` (Fig. 3c).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures, plotting, step
from physlearn.harmonic.algorithmic import analysis as A
from physlearn.harmonic.algorithmic import metrics
from physlearn.harmonic.algorithmic.datasets import TASK_LABELS
from physlearn.harmonic.algorithmic.results import load as load_result
from physlearn.harmonic.algorithmic.settings import AlgorithmicConfig

# the --figure choices: this step's rows of physlearn.figures (their labels and titles), less the "algorithmic_"
# of their names (not __name__: under python -m that is "__main__")
FIGURES = [
    f.name.removeprefix("algorithmic_") for f in figures.FIGURES if f.step == "physlearn.harmonic.algorithmic.figure"
]
COLOURS = {"standard": plotting.rgb(60, 110, 180), "harmonic": plotting.rgb(214, 90, 50)}
FAMILY_LABELS = {"mlp": "MLP", "transformer": "transformer"}


def scale_note(exp: AlgorithmicConfig, scale: str, family: str, tasks) -> str:
    epochs = sorted({exp.epochs(family, t) for t in tasks})
    span = f"{epochs[0]}" if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]}"
    return f"{scale} scale: {len(exp.seeds(family))} seeds, {span} epochs"


def plot_embeddings(table: pd.DataFrame, tasks, seed: int, title: str):
    """2 rows (standard, harmonic) x tasks: one seed's embedding in its top-2 PCs."""
    fig, axes = plt.subplots(2, len(tasks), figsize=(3.0 * len(tasks), 6.2), squeeze=False)
    for j, task in enumerate(tasks):
        for i, model in enumerate(A.MODELS.values()):
            ax = axes[i, j]
            rows = table[(table["task"] == task) & (table["model"] == model)]
            one = rows[rows["seed"] == seed]
            evs = rows.groupby("seed")["ev_top2"].first()
            if one.empty or not np.isfinite(one["pc1"]).all():
                ax.text(0.5, 0.5, "diverged", ha="center", va="center", transform=ax.transAxes)
            else:
                ax.scatter(one["pc1"], one["pc2"], c=one["token"], cmap="viridis", s=14)
                if len(one) <= 42:
                    for _, row in one.iterrows():
                        ax.annotate(
                            str(int(row["token"])),
                            (row["pc1"], row["pc2"]),
                            fontsize=6,
                            xytext=(2, 2),
                            textcoords="offset points",
                        )
            ev = one["ev_top2"].iloc[0] if len(one) else math.nan
            ax.set_title(
                f"{TASK_LABELS[task]}, {model}\nEV {100 * ev:.0f}% (median {100 * evs.median():.0f}%)",
                fontsize=8,
                color=COLOURS[model],
            )
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_xlabel("PC 1", fontsize=7), ax.set_ylabel("PC 2", fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_cumulative(curves: pd.DataFrame, tasks, title: str, per_seed: pd.DataFrame | None = None):
    """The median curves over seeds (the paper's Fig. 3a) and, faint, each seed's curve:
    the claim compares the seeds' curves, so their spread is drawn."""
    fig, axes = plt.subplots(1, len(tasks), figsize=(2.9 * len(tasks), 3.2), squeeze=False, sharey=True)
    for j, task in enumerate(tasks):
        ax = axes[0, j]
        if per_seed is not None:
            for (family, model, _), c in per_seed[per_seed["task"] == task].groupby(["family", "model", "seed"]):
                ax.plot(
                    c["components"],
                    c["cumulative_ev"],
                    color=COLOURS[model],
                    ls="-" if family == "mlp" else "--",
                    lw=0.6,
                    alpha=0.25,
                )
        for (family, model), c in curves[curves["task"] == task].groupby(["family", "model"]):
            ax.plot(
                c["components"],
                c["cumulative_ev"],
                marker="o",
                ms=3,
                color=COLOURS[model],
                ls="-" if family == "mlp" else "--",
                label=f"{model} {FAMILY_LABELS[family]}",
            )
        ax.axhline(A.DIMENSION_EV, color="0.6", lw=0.8, ls=":")
        ax.set_title(TASK_LABELS[task], fontsize=9)
        ax.set_xlabel("principal components k")
        ax.set_xticks(range(1, A.PCS + 1, 2))
    axes[0, 0].set_ylabel("cumulative EV of the first k PCs\n(median over seeds; faint: each seed)")
    axes[0, -1].legend(frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_data_efficiency(table: pd.DataFrame, tasks, title: str):
    fig, axes = plt.subplots(1, len(tasks), figsize=(2.9 * len(tasks), 3.2), squeeze=False, sharey=True)
    for j, task in enumerate(tasks):
        ax = axes[0, j]
        rows = table[table["task"] == task]
        for model, c in rows.groupby("model"):
            ax.scatter(c["train_fraction"], c["test_acc"], s=8, alpha=0.35, color=COLOURS[model])
            med = c.groupby("train_fraction")["test_acc"].median()
            ax.plot(med.index, med.values, marker="o", ms=4, color=COLOURS[model], label=f"{model} MLP")
        ax.axhline(A.DATA_EFFICIENCY_THRESHOLD, color="0.6", lw=0.8, ls=":")
        ax.set_title(TASK_LABELS[task], fontsize=9)
        ax.set_xlabel("train fraction")
        ax.set_ylim(-0.02, 1.02)
    axes[0, 0].set_ylabel("final test accuracy\n(points: seeds; line: median)")
    axes[0, -1].legend(frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_grokking(table: pd.DataFrame, tasks, title: str):
    """Epochs to 0.9 accuracy per task: train accuracy (memorisation) and test accuracy
    (generalisation) in separate, correctly labelled panels; rows are model families."""
    families = [f for f in ("mlp", "transformer") if f in set(table["family"])]
    fig, axes = plt.subplots(len(families), 2, figsize=(11, 3.4 * len(families)), squeeze=False)
    for i, family in enumerate(families):
        for j, split in enumerate(("train", "test")):
            ax = axes[i, j]
            rows = table[(table["family"] == family) & (table["split"] == split)]
            for k, task in enumerate(tasks):
                c_task = rows[rows["task"] == task]
                if c_task.empty:
                    continue
                top = c_task["epochs_run"].max()  # this task's training length
                ax.plot([k - 0.4, k + 0.4], [top, top], color="0.6", lw=0.8, ls=":")
                for m, model in enumerate(A.MODELS.values()):
                    c = c_task[c_task["model"] == model]
                    x = k + (m - 0.5) * 0.3
                    reached = c["epoch"].dropna()
                    jitter = np.linspace(-0.05, 0.05, max(len(reached), 1))[: len(reached)]
                    ax.scatter(x + jitter, reached, s=10, alpha=0.5, color=COLOURS[model])
                    missing = int(c["epoch"].isna().sum())
                    if missing:
                        ax.scatter([x], [top * 1.4], marker="^", s=22, facecolors="none", edgecolors=COLOURS[model])
                        ax.annotate(str(missing), (x, top * 1.4), fontsize=6, xytext=(3, 2), textcoords="offset points")
                    # the median the MLP claims judge (censored); for the transformers, over the seeds that
                    # got there, as the paper's figure draws it (its harmonic transformer often never does)
                    if family == "mlp":
                        med = metrics.censored_median(c["epoch"].to_numpy(), top)
                    else:
                        med = metrics.reached_median(c["epoch"].to_numpy())
                    if math.isfinite(med):
                        ax.scatter([x], [med], marker="_", s=250, color=COLOURS[model], lw=2, label=f"{model} (median)")
                if split == "test" and family == "mlp" and task in A.PAPER_GROKKING:
                    for m, value in enumerate(A.PAPER_GROKKING[task]):
                        ax.scatter([k + (m - 0.5) * 0.3], [value], marker="x", color="k", s=25, label="paper median")
            ax.set_yscale("log")
            ax.set_xticks(range(len(tasks)))
            ax.set_xticklabels([TASK_LABELS[t] for t in tasks], fontsize=8, rotation=15)
            what = "train accuracy (memorisation)" if split == "train" else "test accuracy (generalisation)"
            ax.set_ylabel(f"epoch when {split} accuracy\nstays > 0.9 for 20 epochs")
            over = "" if family == "mlp" else "; median over the seeds there"
            ax.set_title(
                f"{FAMILY_LABELS[family]}s: {what}\n(dotted: epochs trained; triangles: seeds not there by then{over})",
                fontsize=8,
            )
            handles, labels = ax.get_legend_handles_labels()
            unique = dict(zip(labels, handles))  # one legend entry per label
            if unique:
                ax.legend(unique.values(), unique.keys(), frameon=False, fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def load_runs(paths) -> dict[tuple[str, str], dict]:
    results = {}
    for path in paths:
        res = load_result(path)
        results[(res["meta"]["task"], res["meta"]["family"])] = res
    return results


def options(ap) -> None:
    ap.add_argument("--figure", choices=FIGURES, required=True)
    ap.add_argument("runs", nargs="+", type=Path)


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="harmonic_algorithmic", extra=options, argv=argv)
    exp = AlgorithmicConfig.from_config(cfg["harmonic_algorithmic"], cfg["seed"])
    results = load_runs(args.runs)
    tasks = [t for t in exp.tasks if any(k[0] == t for k in results)]
    row = figures.get(f"algorithmic_{args.figure}")
    figure, title = row.label, row.title
    scale = cfg["scale"]

    plotting.style()
    if args.figure in ("ev_mlp", "ev_transformer"):
        family = args.figure.split("_")[1]
        by_task = {t: results[(t, family)] for t in tasks}
        ev = A.ev_table(by_task)
        seeds = exp.seeds(family)
        table = pd.concat([A.projections_table(by_task, s) for s in seeds], ignore_index=True)
        table = table.merge(ev[["task", "model", "seed", "ev_top2"]], on=["task", "model", "seed"], how="left")
        claims = A.ev_claims(ev, family)
        fig = plot_embeddings(
            table,
            tasks,
            seeds[0],
            f"Harmonic {figure}: {title}\n(seed {seeds[0]} shown; {scale_note(exp, scale, family, tasks)})",
        )
    elif args.figure == "cumulative_ev":
        table = A.cumulative_ev_table(results)
        claims = A.cumulative_ev_claims(table)
        fig = plot_cumulative(
            A.median_curves(table),
            tasks,
            f"Harmonic {figure}: {title}\n(MLPs: {scale_note(exp, scale, 'mlp', tasks)}; "
            f"transformers: {scale_note(exp, scale, 'transformer', tasks)})",
            per_seed=table,
        )
    elif args.figure == "data_efficiency":
        seeds = exp.seeds("mlp")[: exp.section["data_efficiency"]["seeds"]]
        table = A.data_efficiency_table({t: results[(t, "mlp")] for t in tasks}, seeds)
        claims = A.data_efficiency_claims(table)
        fig = plot_data_efficiency(
            table,
            tasks,
            f"Harmonic {figure}: {title}\n({scale} scale: {len(seeds)} seeds, "
            f"{scale_note(exp, scale, 'mlp', tasks).split(', ')[1]})",
        )
    else:
        table = A.grokking_table(results)
        claims = A.grokking_claims(table)
        fig = plot_grokking(
            table,
            tasks,
            f"Harmonic {figure}: {title}\n(MLPs: {scale_note(exp, scale, 'mlp', tasks)}; "
            f"transformers: {scale_note(exp, scale, 'transformer', tasks)})",
        )

    summary = {
        "tasks": tasks,
        "seeds": {f: exp.seeds(f) for f in ("mlp", "transformer")},
        "epochs": {f: {t: exp.epochs(f, t) for t in tasks} for f in ("mlp", "transformer")},
        **{
            k: exp.section[k]
            for k in (
                "samples",
                "train_fraction",
                "batch_size",
                "exponent",
                "eps",
                "embedding_reg",
                "mlp",
                "transformer",
                "data_efficiency",
            )
        },
        "seconds": {f"{t}/{f}": r["meta"]["seconds"] for (t, f), r in results.items()},
    }
    figures.write_figure(args, cfg, row.name, fig=fig, table=table, claims=claims, config=summary)


if __name__ == "__main__":
    main()
