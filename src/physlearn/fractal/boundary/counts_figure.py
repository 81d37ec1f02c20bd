"""Workflow step: log2 #B(n) against n with the fitted line, Fig. 2a (additive, E1) and
Fig. 2b (multiplicative, E2), beside the authors' counts; Fig. S2 (the pure quadratic, E0).

    python -m physlearn.fractal.boundary.counts_figure --config JSON --figure NAME COUNTS.csv ... \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures
from physlearn.fractal.boundary import analysis

NAMES = ("fractal_counts_additive", "fractal_counts_multiplicative", "fractal_quadratic")
SOURCES = {
    "fractal_counts_additive": ("E1", analysis.E1_COUNTS),
    "fractal_counts_multiplicative": ("E2", analysis.E2_COUNTS),
}


def counts_panel(ax, row, authors=None, label="ours"):
    """log2 #B(n) against n, the fit over its levels, and the authors' counts."""
    counts = analysis.counts_of(row)
    n = np.arange(len(counts))
    ax.plot(n, np.log2(np.maximum(counts, 1)), "o", ms=4, color="C0", label=f"{label} (N = {len(counts) - 1})")
    if authors is not None:
        ax.plot(np.arange(len(authors)), np.log2(authors), "x", ms=4, color="0.5", label="authors' data (N = 32)")
    used = counts >= 2
    if used.sum() >= 2 and float(row["alpha"]) > 0:
        x = n[used]
        intercept = np.mean(np.log2(counts[used])) - float(row["alpha"]) * np.mean(x)
        ax.plot(x, intercept + float(row["alpha"]) * x, "-", color="C3",
                label=f"fit: alpha = {float(row['alpha']):.3f} +- {float(row['stderr']):.3f}")  # fmt: skip
    ax.set_xlabel("level n (box width 1.5 / 2^n)")
    ax.set_ylabel("log2 #B(n)")
    ax.legend(frameon=False, fontsize=8)


def main(argv=None) -> None:
    args, cfg, tables = analysis.parse(__doc__, NAMES, argv)
    name = args.figure
    if name == "fractal_quadratic":
        row = tables["E0"].iloc[0]
        claims = analysis.quadratic_claims(row)
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
        counts_panel(axes[0], row)
        axes[0].set_title("x^2: #B(n) at every level")
        eta = [float(row["last_bounded_lr"]), float(row["first_divergent_lr"])]
        axes[1].axvspan(0, eta[0], color="C0", alpha=0.3, label="bounded")
        axes[1].axvspan(eta[1], 1.5, color="C3", alpha=0.3, label="divergent")
        axes[1].axvline(analysis.ETA_STAR, color="k", ls="--", label=f"eta* = {analysis.ETA_STAR}")
        axes[1].set_xlim(0.99, 1.02)
        axes[1].set_xlabel("learning rate eta")
        axes[1].set_yticks([])
        axes[1].set_title("labels near the boundary")
        axes[1].legend(frameon=False, fontsize=8)
        table = pd.DataFrame({"n": np.arange(int(row["level"]) + 1), "count": analysis.counts_of(row)})
        table["boundary_low"], table["boundary_high"] = eta
        config = analysis.settings_summary(tables["E0"])
    else:
        experiment, authors = SOURCES[name]
        row = tables[experiment].iloc[0]
        claims = analysis.counts_claims("additive" if experiment == "E1" else "multiplicative", tables_rows(tables))
        fig, ax = plt.subplots(figsize=(5.4, 4))
        counts_panel(ax, row, authors)
        loss = "x^2 + 0.2 cos(2 pi x / 0.1)" if experiment == "E1" else "x^2 (1 + 0.2 cos(2 pi x / 0.1))"
        ax.set_title(f"{loss}, x0 = 1", fontsize=10)
        ours = analysis.counts_of(row)
        table = pd.DataFrame({"n": np.arange(len(ours)), "count": ours, "source": "ours"})
        table = pd.concat([table, pd.DataFrame({"n": np.arange(len(authors)), "count": authors, "source": "authors"})])
        table["alpha"], table["stderr"] = float(row["alpha"]), float(row["stderr"])
        config = analysis.settings_summary(tables[experiment])
    fig.tight_layout()
    figures.write_figure(args, cfg, name, fig=fig, table=table, claims=claims, config=config)


def tables_rows(tables: dict) -> dict:
    return {k: t.iloc[0] for k, t in tables.items()}


if __name__ == "__main__":
    main()
