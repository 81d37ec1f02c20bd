"""Workflow step: FOCUS Fig. 2c (panel ``loss``: best test loss vs batch size per optimizer)
or Fig. 2d (panel ``improvement``: Signum's improvement I over AdamW vs batch size), with
the tidy table behind it and its claims.

    python -m physlearn.focus.mnist.figure --config JSON --panel loss|improvement --runs runs.csv \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import argparse

import matplotlib.pyplot as plt
import pandas as pd

from physlearn import figures, plotting, step
from physlearn.claims import Claim
from physlearn.focus.mnist import analysis as A
from physlearn.focus.mnist.scan import MnistScan, optimizer_label

# --panel P draws the registry's row mnist_P (Fig. 2c, 2d)
PANELS = tuple(name.removeprefix("mnist_") for name in figures.names("focus", "mnist"))
COLOURS = {"adamw": plotting.rgb(244, 111, 67), "focus-0": plotting.rgb(214, 170, 40)}  # the paper's Adam / Signum
FOCUS_COLOURS = [plotting.rgb(128, 166, 226), plotting.rgb(60, 90, 170), plotting.rgb(30, 50, 110)]


def colour(name: str, i: int):
    return COLOURS.get(name) or FOCUS_COLOURS[i % len(FOCUS_COLOURS)]


def _log2_axis(ax, batch_sizes) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(batch_sizes)
    ax.set_xticklabels([str(b) for b in batch_sizes], rotation=45 if len(batch_sizes) > 8 else 0)
    ax.set_xlabel("batch size")


def plot_loss(best: pd.DataFrame, optimizers: list[str], title: str):
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    focus_i = 0
    for name in optimizers:
        rows = best[best["optimizer"] == name].sort_values("batch_size")
        ax.errorbar(
            rows["batch_size"],
            rows["mean_test_loss"],
            yerr=rows["std_test_loss"],
            marker="o",
            ms=4,
            capsize=3,
            lw=1.5 if name in COLOURS else 1.0,
            color=colour(name, focus_i),
            label=optimizer_label(name),
        )
        focus_i += name not in COLOURS
    _log2_axis(ax, sorted(best["batch_size"].unique()))
    ax.set_yscale("log")
    ax.set_ylabel("best test loss (mean over replicates)")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return fig


def plot_improvement(imp: pd.DataFrame, title: str):
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    ax.axhline(0, color="0.5", lw=0.8)
    focus_i = 0
    for name in imp["optimizer"].unique():
        rows = imp[imp["optimizer"] == name].sort_values("batch_size")
        main = name == A.SIGNUM
        ax.errorbar(
            rows["batch_size"],
            rows["improvement"],
            yerr=rows["improvement_error"],
            marker="o",
            ms=5 if main else 3,
            capsize=3,
            lw=1.8 if main else 0.8,
            alpha=1.0 if main else 0.6,
            color=colour(name, focus_i),
            label=optimizer_label(name) + " vs AdamW",
            zorder=3 if main else 2,
        )
        focus_i += name not in COLOURS
    batch_sizes = sorted(imp["batch_size"].unique())
    # the paper's values, read off Fig. 2d (spec section 3)
    paper_x = [b for b in A.PAPER_I if b in batch_sizes]
    ax.scatter(paper_x, [A.PAPER_I[b] for b in paper_x], marker="x", color="k", zorder=4, label="paper (Signum)")
    mid = [b for b in batch_sizes if A.NEAR_ZERO[0] <= b <= A.NEAR_ZERO[1]]
    if mid:
        ax.scatter(mid, [0] * len(mid), marker="x", color="k", zorder=4)
    large = [b for b in batch_sizes if b >= A.LARGE]
    if large:
        ax.vlines(large, *A.LARGE_RANGE, color="k", lw=3, alpha=0.35, zorder=1)
    _log2_axis(ax, batch_sizes)
    ax.set_ylabel("improvement over AdamW (%)")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return fig


def config_summary(scan: MnistScan, cfg: dict) -> dict:
    return {
        "dataset": cfg["dataset"],
        "steps": scan.steps,
        "replicates": scan.replicates,
        "batch_sizes": list(scan.batch_sizes),
        "learning_rates": len(scan.lr),
        "lr_range": [float(scan.lr.min()), float(scan.lr.max())],
        "hidden": list(scan.hidden),
        "weight_decay": scan.weight_decay,
        "adamw": scan.adamw,
        "focus": scan.focus,
        "seed": scan.seed,
        "nan_loss_counts_as": A.NAN_LOSS,
    }


def _panel_option(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--panel", choices=PANELS, required=True)


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="focus_mnist", inputs=("runs",), extra=_panel_option, argv=argv)
    scan = MnistScan.from_config(cfg["focus_mnist"], cfg["seed"])
    entry = figures.get(f"mnist_{args.panel}")
    figure = entry.label
    runs = pd.read_csv(args.runs)
    best = A.best_over_lr(runs)
    draws = A.bootstrap_best(runs)
    where = f"{cfg['dataset']}, {scan.steps} steps, {scan.replicates} replicates"

    plotting.style()
    if args.panel == "loss":
        table, claims = best, A.loss_claims(best, draws)
        fig = plot_loss(best, scan.optimizers, f"FOCUS {figure}: best test loss vs batch size\n({where})")
    else:
        table = pd.concat(
            [A.improvement(best, other=o, draws=draws) for o in scan.optimizers if o != A.BASELINE], ignore_index=True
        )
        claims = A.improvement_claims(table)
        fig = plot_improvement(table, f"FOCUS {figure}: improvement over AdamW\n({where})")
    if not claims:
        claims = [
            Claim(
                id="regions-not-scanned",
                claim="The paper's batch-size regions (2-8, 16-64, >= 128).",
                paper_value="see spec section 3",
                ours=f"batch sizes {list(scan.batch_sizes)} cover none of them",
                criterion="at least one scanned batch size in a region",
                passed=False,
            )
        ]
    figures.write_figure(
        args,
        cfg,
        entry.name,
        fig=fig,
        table=table,
        claims=claims,
        config=config_summary(scan, cfg),
        title=f"{entry.title} ({cfg['dataset']})",
    )


if __name__ == "__main__":
    main()
