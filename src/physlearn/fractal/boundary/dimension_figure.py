"""Workflow step: alpha against the parameter dimension d, through the exact 1-D reductions.
Fig. 4b (additive, E7) and Fig. 4c (multiplicative, E8) under both labelling conventions:
the authors' literal criterion A (a loss running to -inf or NaN counts as bounded) and the
|loss|-based one (|L| > tau or a non-finite loss is divergent), each labelled. And alpha over
random initial points x0 ~ U[-5, 5] (E9), Fig. S4 (additive) and Fig. S5 (multiplicative),
under both protocols, each labelled: as the authors coded it (x0 redrawn for every learning
rate) and as intended (one x0 per column, kept for every eta).

    python -m physlearn.fractal.boundary.dimension_figure --config JSON --figure NAME COUNTS.csv \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from physlearn import figures
from physlearn.fractal.boundary import analysis

INITIAL_NAMES = ("fractal_initial_additive", "fractal_initial_multiplicative")
NAMES = ("fractal_dimension_additive", "fractal_dimension_multiplicative", *INITIAL_NAMES)
CONVENTIONS = {
    "literal": ("o", "C0", "authors' labelling: criterion A literal (-inf/NaN loss = bounded)"),
    "abs": ("s", "C3", "|loss| labelling: |L| > tau or non-finite = divergent (not the authors')"),
}


PROTOCOLS = {
    "as_coded": ("o", "C0", "as coded: x0 redrawn for every learning rate (authors')"),
    "intended": ("s", "C3", "intended: one x0 per column, kept for every eta"),
}


def initial(name: str, tables: dict):
    """Figs. S4/S5: alpha per initial-condition column under both protocols."""
    loss = "additive" if name.endswith("additive") else "multiplicative"
    t = tables["E9"]
    mine = t[t["loss"] == loss]
    fig, ax = plt.subplots(figsize=(6, 4))
    for offset, (protocol, sub) in zip((-0.15, 0.15), mine.groupby("protocol")):
        marker, colour, label = PROTOCOLS[protocol]
        ax.errorbar(sub["column"] + offset, sub["alpha"], yerr=analysis.alpha_yerr(sub), fmt=marker, ms=4, color=colour,
                    elinewidth=0.7, label=f"{label}: mean {sub['alpha'].mean():.3f}")  # fmt: skip
    first = int(mine["first_level"].iloc[0])
    level = int(mine["level"].iloc[0])
    ax.set_xlabel("column (initial-condition draw)")
    ax.set_ylabel(f"alpha (fit F5, OLS over levels {first} .. {level})")
    ax.set_title(f"{loss} loss, eps 0.2, wl 0.1, x0 ~ U[-5, 5], N = {level}", fontsize=9)
    ax.set_ylim(-0.1, max(2.0, float(mine["alpha"].max()) + 0.3))
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    claims = analysis.initial_claims(t, loss)
    table = analysis.tidy(mine, ["loss", "protocol", "column"])
    return fig, table, claims, mine


def main(argv=None) -> None:
    args, cfg, tables = analysis.parse(__doc__, NAMES, argv)
    name = args.figure
    if name in INITIAL_NAMES:
        fig, table, claims, t = initial(name, tables)
        figures.write_figure(args, cfg, name, fig=fig, table=table, claims=claims, config=analysis.settings_summary(t))
        return
    additive = name.endswith("additive")
    t = tables["E7" if additive else "E8"]
    fig, ax = plt.subplots(figsize=(6, 4))
    level = int(t["level"].iloc[0])
    if additive:
        ax.errorbar(t["d"], t["alpha"], yerr=analysis.alpha_yerr(t), fmt="o", ms=4, color="C0",
                    label=f"ours, N = {level}, 95% t interval")  # fmt: skip
        ax.set_title("additive loss sum_i [x_i^2 + 0.2 cos(2 pi x_i/0.1)], x0 = (1/d) 1", fontsize=9)
        claims = analysis.dimension_additive_claims(t)
    else:
        for convention, sub in t.groupby("convention"):
            marker, colour, label = CONVENTIONS[convention]
            ax.errorbar(sub["d"], sub["alpha"], yerr=analysis.alpha_yerr(sub), fmt=marker, ms=4, color=colour,
                        mfc="none" if convention == "abs" else colour, elinewidth=0.7, label=label)  # fmt: skip
        ax.set_title(f"multiplicative loss |x|^2 (1 + 0.2 sum_j cos(2 pi x_j/0.1)), x0 = (1/d) 1, N = {level}",
                     fontsize=9)  # fmt: skip
        claims = analysis.dimension_multiplicative_claims(t)
    ax.set_xscale("log")
    ax.set_xlabel("parameter dimension d")
    ax.set_ylabel("box-counting dimension alpha")
    ax.set_ylim(-0.05, max(1.6, float(t["alpha"].max()) + 0.3))  # every point shown
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    fig.tight_layout()
    table = analysis.tidy(t, ["d", "convention", "eps", "x0", "criterion"])
    figures.write_figure(args, cfg, name, fig=fig, table=table, claims=claims, config=analysis.settings_summary(t))


if __name__ == "__main__":
    main()
