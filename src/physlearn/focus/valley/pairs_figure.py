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
        columns = [scanned, "sigma", "winner", "margin", "winner_decided", "replicates"]
        frames.append(win[columns].assign(pair="/".join(pair)))
    return pd.concat(frames, ignore_index=True)


def neighbour_flips(win: pd.DataFrame, scanned: str) -> float:
    """Fraction of sigma-neighbouring pixel pairs whose winners differ: speckle shows as many
    flips, a clean boundary as one per row."""
    _, _, grid = win_grid(win, scanned)
    return float((grid[:, 1:] != grid[:, :-1]).mean()) if grid.shape[1] > 1 else 0.0


SPECKLE_CHANGES_PER_ROW = 2.0  # a clean boundary changes the winner once per row; speckle more than twice
SPECKLE_MIN_SHARE = 0.1  # each of Signum and FOCUS wins at least this share of the pixels


def decided_text(table: pd.DataFrame) -> tuple[str, dict[str, int]]:
    """How many pixels of each head-to-head map have a decided winner (the winner ahead
    beyond the 95% t interval of the paired loss difference): the uncertainty of the map claims, whose
    winners are those of the means. Speckle made of undecided pixels is the paper's "small,
    noisy margins"."""
    if "winner_decided" not in table:
        return "winners of one map of replicate means; no interval", {}
    decided = table.groupby("pair")["winner_decided"].agg(["sum", "size"])
    n = int(table["replicates"].min())
    counts = {pair: int(row["sum"]) for pair, row in decided.iterrows()}
    parts = ", ".join(f"{pair} {int(row['sum'])} of {int(row['size'])}" for pair, row in decided.iterrows())
    text = (
        f"winners of the replicate means; pixels whose winner is ahead beyond the 95% t interval "
        f"of the paired loss difference over {n} replicates: {parts}"
    )
    return text, counts


def speckle_claim(table: pd.DataFrame, flips: dict[str, float]) -> Claim:
    """Speckle means the Signum/FOCUS winner is set by small, noisy margins: the map is mixed
    (each wins a real share of the pixels) and the winner changes between sigma-neighbours
    more often than one clean boundary would (once per row). Comparing with the Adam/Signum
    map alone would pass any two optimizers that differ a little; a FOCUS identical to
    Signum (ties everywhere: one colour) or one that wins everywhere fails here."""
    sf = table[table["pair"] == "signum/focus"]
    n_sigma = sf["sigma"].nunique()
    changes_per_row = flips["signum/focus"] * (n_sigma - 1)
    share = {o: float((sf["winner"] == o).mean()) for o in ("signum", "focus")}
    passed = (
        changes_per_row > SPECKLE_CHANGES_PER_ROW
        and min(share.values()) >= SPECKLE_MIN_SHARE
        and flips["signum/focus"] > flips["adam/signum"]
    )
    return Claim(
        id="signum-focus-speckle",
        claim="The Signum/FOCUS map is speckled (noisy winners), unlike the Adam/Signum map.",
        paper_value="speckle in the Signum/FOCUS map: FOCUS and Signum often differ only by small, noisy margins",
        ours=(
            f"Signum/FOCUS winner changes {changes_per_row:.1f} times per row of {n_sigma} sigma values "
            f"({flips['signum/focus']:.0%} of neighbour pairs; Adam/Signum {flips['adam/signum']:.0%}); "
            f"Signum wins {share['signum']:.0%}, FOCUS {share['focus']:.0%} of the pixels"
        ),
        uncertainty=decided_text(table)[0],
        criterion=(
            f"Signum/FOCUS winner changes more than {SPECKLE_CHANGES_PER_ROW:g} times per row on average (a clean "
            f"boundary: once), each of Signum and FOCUS wins >= {SPECKLE_MIN_SHARE:.0%} of the pixels, and "
            "Signum/FOCUS flips more often than Adam/Signum"
        ),
        passed=bool(passed),
        measured={
            "flip_fraction": flips,
            "changes_per_row": changes_per_row,
            "share": share,
            "decided_pixels": decided_text(table)[1],
        },
    )


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
            measured={"median_margin": margin.to_dict(), "ratio": ratio, "decided_pixels": decided_text(table)[1]},
            uncertainty="medians over the map; " + decided_text(table)[0],
        ),
        speckle_claim(table, flips),
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
