"""Workflow step: harmonic Fig. 5, the weight images of the one-layer digit classifiers
(harmonic centres vs linear weights), their test accuracies, and the claims.

    python -m physlearn.harmonic.mnist.figure --config JSON --data DATA.npz --runs runs.npz \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures, plotting, step
from physlearn.claims import Claim, interval_verdict, mean_interval
from physlearn.data.vision import load_dataset
from physlearn.harmonic.mnist.model import (
    MODELS,
    background_pixels,
    background_ratio,
    class_means,
    prototype_correlation,
)

PAPER_ACCURACY = {"harmonic": 92.49, "linear": 92.50}  # spec section 4, MNIST
SAME_ACCURACY = 1.0  # percentage points: "within about 1 point"
COLOURS = {"harmonic": plotting.rgb(60, 90, 170), "linear": plotting.rgb(244, 111, 67)}
LABELS = {"harmonic": "harmonic centres", "linear": "linear weights"}


def load_runs(path: Path) -> dict:
    with np.load(path) as f:
        runs = {k: f[k] for k in f.files}
    runs["meta"] = json.loads(str(runs["meta"]))
    return runs


def measures(runs: dict, data: dict) -> dict:
    """Per (model, replicate, class): correlation with the class mean, background ratio."""
    means = class_means(data)
    background = background_pixels(data)
    return {
        "means": means,
        "background": background,
        "correlation": prototype_correlation(runs["best_weights"], means),
        "background_ratio": background_ratio(runs["best_weights"], background),
    }


def tidy_table(runs: dict, m: dict) -> pd.DataFrame:
    rows = []
    _, R, C = m["correlation"].shape
    for i, model in enumerate(MODELS):
        for r in range(R):
            for c in range(C):
                rows.append(
                    {
                        "model": model,
                        "replicate": r,
                        "class": c,
                        "test_accuracy": runs["test_accuracy"][i, r],
                        "best_epoch": runs["best_epoch"][i, r],
                        "stopped_epoch": runs["stopped_epoch"][i, r],
                        "best_val_loss": runs["val_loss"][i, r],
                        "prototype_correlation": m["correlation"][i, r, c],
                        "background_ratio": m["background_ratio"][i, r, c],
                    }
                )
    return pd.DataFrame(rows)


def claims(runs: dict, m: dict, dataset: str) -> list[Claim]:
    acc = {model: 100 * runs["test_accuracy"][i] for i, model in enumerate(MODELS)}  # [R], percent
    gap = acc["harmonic"].mean() - acc["linear"].mean()
    corr = {model: m["correlation"][i].mean(-1) for i, model in enumerate(MODELS)}  # [R]
    ratio = {model: m["background_ratio"][i].mean(-1) for i, model in enumerate(MODELS)}
    R = len(acc["harmonic"])
    # per replicate (the two models of a replicate share its batches): accuracy gap, and how far
    # the harmonic centres are ahead on each measure; their spread is the uncertainty
    gaps = acc["harmonic"] - acc["linear"]
    gap_interval = mean_interval(gaps, "replicates")
    gap_low, gap_high = gap_interval.bounds
    corr_leads = corr["harmonic"] - corr["linear"]
    ratio_leads = ratio["linear"] - ratio["harmonic"]
    spread = lambda v: (
        f"range over {R} replicates [{v.min():+.3f}, {v.max():+.3f}]" if R > 1 else "one run; no interval"
    )
    return [
        Claim(
            id="same-test-accuracy",
            claim="The harmonic and the linear layer reach the same test accuracy.",
            paper_value=f"harmonic {PAPER_ACCURACY['harmonic']}%, standard {PAPER_ACCURACY['linear']}% (MNIST)",
            ours=f"harmonic {acc['harmonic'].mean():.2f}% (replicates {acc['harmonic'].min():.2f}-{acc['harmonic'].max():.2f}), "
            f"linear {acc['linear'].mean():.2f}% ({acc['linear'].min():.2f}-{acc['linear'].max():.2f}) "
            f"on {dataset}, {R} replicates; difference {gap:+.2f} points",
            uncertainty=f"gap [{gap_low:+.2f}, {gap_high:+.2f}] points ({gap_interval.basis})"
            if R > 1
            else gap_interval.text,
            criterion=f"95% t interval over replicates of the accuracy gap lies within +-{SAME_ACCURACY} percentage "
            "point; INCONCLUSIVE if it straddles a bound",
            passed=interval_verdict(gap_low, gap_high, above=-SAME_ACCURACY, below=SAME_ACCURACY, strict=False),
            measured={k: v.tolist() for k, v in acc.items()},
        ),
        Claim(
            id="centres-are-prototypes",
            claim="The harmonic centres look like digit prototypes; the linear weights do not.",
            paper_value="centres resemble digits (qualitative)",
            ours=f"correlation of each weight image with its class's mean image: harmonic {corr['harmonic'].mean():.3f}, "
            f"linear {corr['linear'].mean():.3f} (mean over classes and {R} replicates)",
            uncertainty="harmonic - linear correlation, " + spread(corr_leads),
            criterion="the harmonic centres' mean correlation with the class-mean images exceeds the linear weights' "
            "in every replicate (FAIL if in none, INCONCLUSIVE if in some)",
            passed=interval_verdict(corr_leads.min(), corr_leads.max(), above=0),
            measured={k: v.tolist() for k, v in corr.items()},
        ),
        Claim(
            id="clean-background",
            claim="The harmonic centres sit on a clean background; the linear weights are noisy.",
            paper_value="clean background vs noise (qualitative)",
            ours=f"weight RMS on the {int(m['background'].sum())} always-blank pixels / RMS on the others: harmonic "
            f"{ratio['harmonic'].mean():.3f}, linear {ratio['linear'].mean():.3f}",
            uncertainty="linear - harmonic ratio, " + spread(ratio_leads),
            criterion="the harmonic centres' background ratio is below the linear weights' in every replicate "
            "(FAIL if in none, INCONCLUSIVE if in some; no always-blank pixel: not testable, fails)",
            passed=bool(m["background"].any()) and interval_verdict(ratio_leads.min(), ratio_leads.max(), above=0),
            measured={k: v.tolist() for k, v in ratio.items()},
        ),
    ]


def plot(runs: dict, m: dict, dataset: str, scale: str):
    pixels = int(runs["pixels"])
    side = int(math.isqrt(pixels))
    weights = runs["best_weights"][:, 0]  # replicate 0: [2, C, D]
    C = weights.shape[1]
    fig = plt.figure(figsize=(12, 7.2))
    grid = fig.add_gridspec(4, C, height_ratios=[1, 1, 1, 1.9], hspace=0.45)
    rows = [("class-mean training image", m["means"], "gray_r", False)] + [
        (f"{LABELS[model]} (replicate 0)", weights[i], "RdBu_r", True) for i, model in enumerate(MODELS)
    ]
    for row, (label, images, cmap, symmetric) in enumerate(rows):
        for c in range(C):
            ax = fig.add_subplot(grid[row, c])
            img = images[c].reshape(side, side)
            lim = np.abs(img).max() or 1.0
            ax.imshow(img, cmap=cmap, vmin=-lim if symmetric else 0, vmax=lim, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label.replace(" (", "\n("), fontsize=7, rotation=0, ha="right", va="center")
            if row == 0:
                ax.set_title(str(c), fontsize=9)
    bottom = grid[3, :].subgridspec(1, 3, wspace=0.35)
    ax = fig.add_subplot(bottom[0])
    for i, model in enumerate(MODELS):
        acc = 100 * runs["test_accuracy"][i]
        ax.scatter(np.full(len(acc), i) + np.linspace(-0.1, 0.1, len(acc)), acc, color=COLOURS[model], s=18)
        ax.hlines(acc.mean(), i - 0.25, i + 0.25, color=COLOURS[model])
    ax.set_xticks(range(len(MODELS)), MODELS)
    ax.set_xlim(-0.6, len(MODELS) - 0.4)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("test accuracy at the best validation epoch", fontsize=8)
    for k, (key, label) in enumerate(
        (
            ("correlation", "correlation with the class-mean image"),
            ("background_ratio", "RMS on blank pixels / RMS elsewhere"),
        )
    ):
        ax = fig.add_subplot(bottom[k + 1])
        for i, model in enumerate(MODELS):
            values = m[key][i]  # [R, C]
            ax.plot(range(C), values.mean(0), "o-", color=COLOURS[model], ms=3, label=LABELS[model])
            ax.fill_between(range(C), values.min(0), values.max(0), color=COLOURS[model], alpha=0.2, lw=0)
        ax.set_xticks(range(C))
        ax.set_xlabel("class")
        ax.set_ylabel(label, fontsize=8)
        ax.legend(frameon=False, fontsize=7)
    R = runs["best_weights"].shape[1]
    fig.suptitle(
        f"Harmonic loss Fig. 5: one-layer classifiers on {dataset} ({scale} scale; exponent n = "
        f"{float(runs['exponent']):g} on d², {R} replicates; bands: min-max over replicates)",
        fontsize=10,
    )
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="harmonic_mnist", inputs=("data", "runs"), argv=argv)
    runs = load_runs(args.runs)
    data = load_dataset(args.data)
    m = measures(runs, data)
    plotting.style()
    fig = plot(runs, m, cfg["dataset"], cfg["scale"])
    settings = runs["meta"]["settings"]
    figures.write_figure(
        args,
        cfg,
        "mnist_weights",
        fig=fig,
        table=tidy_table(runs, m),
        claims=claims(runs, m, cfg["dataset"]),
        config={
            "dataset": cfg["dataset"],
            **settings,
            "exponent": float(runs["exponent"]),
            "init_std": settings["init_std"] or 1 / math.sqrt(int(runs["pixels"])),
            "train_size": int(runs["train_size"]),
            "val_size": int(runs["val_size"]),
            "test_size": int(runs["test_size"]),
            "seed": cfg["seed"],
        },
        title=f"{figures.get('mnist_weights').title} ({cfg['dataset']})",
    )  # the dataset named


if __name__ == "__main__":
    main()
