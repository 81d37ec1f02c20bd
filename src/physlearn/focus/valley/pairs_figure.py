"""Workflow step: the appendix's head-to-head maps (Adam/Signum, Signum/FOCUS, Adam/FOCUS)
for one scan, their tidy table and claims.

    python -m physlearn.focus.valley.pairs_figure --config JSON --scan NAME --summary CSV \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from physlearn import figures, plotting
from physlearn.claims import Claim
from physlearn.focus.valley.analysis import LABELS, win_grid, winners
from physlearn.focus.valley.figure import config_summary, parse_figure_step, plot_winner_map

PAIRS = (("adam", "signum"), ("signum", "focus"), ("adam", "focus"))


def pair_table(best: pd.DataFrame, scanned: str) -> pd.DataFrame:
    frames = []
    for pair in PAIRS:
        win = winners(best, scanned, pair)
        frames.append(win[[scanned, "sigma", "winner", "margin"]].assign(pair="/".join(pair)))
    return pd.concat(frames, ignore_index=True)


def neighbour_flips(win: pd.DataFrame, scanned: str) -> float:
    """Fraction of sigma-neighbouring pixel pairs whose winners differ: speckle shows as many
    flips, a clean boundary as one per row."""
    _, _, grid = win_grid(win, scanned)
    return float((grid[:, 1:] != grid[:, :-1]).mean()) if grid.shape[1] > 1 else 0.0


def pair_claims(table: pd.DataFrame, scanned: str) -> list[Claim]:
    margin = table.groupby("pair")["margin"].median()
    flips = {p: neighbour_flips(g, scanned) for p, g in table.groupby("pair")}
    sf, as_, af = margin["signum/focus"], margin["adam/signum"], margin["adam/focus"]
    ratio = sf / min(as_, af)
    return [
        Claim(
            id="signum-focus-small-margins",
            claim="FOCUS and Signum often differ only by small margins.",
            paper_value="Signum vs FOCUS margins are small next to Adam vs sign-method margins",
            ours=(
                f"median margin Signum/FOCUS {sf:.4f} vs Adam/Signum {as_:.4f} and Adam/FOCUS {af:.4f} "
                f"(ratio {ratio:.2f})"
            ),
            criterion="median Signum/FOCUS margin < 0.5 x the smaller median Adam margin",
            passed=bool(ratio < 0.5),
            measured={"median_margin": margin.to_dict(), "ratio": ratio},
        ),
        Claim(
            id="signum-focus-speckle",
            claim="The Signum/FOCUS map is speckled (noisy winners), unlike the Adam/Signum map.",
            paper_value="speckle in the Signum/FOCUS map",
            ours=(
                f"winner changes between sigma-neighbours: Signum/FOCUS {flips['signum/focus']:.0%}, "
                f"Adam/Signum {flips['adam/signum']:.0%}"
            ),
            criterion="Signum/FOCUS flips more often than Adam/Signum",
            passed=bool(flips["signum/focus"] > flips["adam/signum"]),
            measured={"flip_fraction": flips},
        ),
    ]


def main(argv=None) -> None:
    args, cfg, scan, best = parse_figure_step(__doc__, argv)
    name = f"valley_{scan.name}_pairs"
    table = pair_table(best, scan.scanned)

    plotting.style()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    for ax, pair in zip(axes, PAIRS):
        win = table[table["pair"] == "/".join(pair)]
        plot_winner_map(win, scan.scanned, " vs ".join(LABELS[o] for o in pair), optimizers=pair, ax=ax)
    fig.suptitle(f"FOCUS {figures.get(name).label}: head-to-head winners")
    figures.write_figure(
        args, cfg, name, fig=fig, table=table, claims=pair_claims(table, scan.scanned), config=config_summary(scan)
    )


if __name__ == "__main__":
    main()
