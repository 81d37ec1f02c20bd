"""Workflow step: the boundary drawn. Fig. 1b: for the multiplicative cell (eps 0.2, wl 0.1,
x0 1) at a coarse level N, level by level the boxes of width 1.5/2^n that hold a label
change. Fig. 1d (E10): the multiplicative strip at eps = 1e-3, bounded learning rates blue
(shaded by log(1 + sum L_t)), divergent ones red (shaded by log(1 + sum 1/L_t)), each class
normalised apart, with a zoom on the boundary region.

    python -m physlearn.fractal.boundary.strip_figure --config JSON --figure NAME COUNTS.csv \
        --labels LABELS.npz --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures
from physlearn.fractal.boundary import analysis
from physlearn.fractal.boundary.counting import unpack_labels

NAMES = ("fractal_segments", "fractal_strip")


def load_labels(path) -> dict:
    with np.load(path) as z:
        out = {k: z[k] for k in z.files if k != "meta"}
    out["labels"] = unpack_labels(out["packed"], int(out["n_labels"]))
    return out


def segments(labels: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(n, left ends of the boxes holding a label change) for n = 0 .. N."""
    level = int(np.log2(len(labels) - 1))
    out = []
    for n in range(level + 1):
        sub = labels[:: 2 ** (level - n)]
        change = np.nonzero(sub[1:] != sub[:-1])[0]
        out.append((n, change * 1.5 / 2**n))
    return out


def colours(labels: np.ndarray, sum_loss: np.ndarray, sum_inverse: np.ndarray) -> np.ndarray:
    """RGB per learning rate: blue shades for bounded, red for divergent, each normalised apart."""

    def norm(v):
        v = np.log1p(np.maximum(v, 0))
        return (v - v.min()) / (np.ptp(v) or 1.0)

    rgb = np.zeros((len(labels), 3))
    b, d = ~labels, labels
    if b.any():
        s = norm(sum_loss[b])
        rgb[b] = np.stack([0.1 + 0.5 * s, 0.3 + 0.5 * s, np.full_like(s, 0.9)], axis=1)
    if d.any():
        s = norm(sum_inverse[d])
        rgb[d] = np.stack([np.full_like(s, 0.9), 0.1 + 0.6 * s, 0.1 + 0.5 * s], axis=1)
    return rgb


def main(argv=None) -> None:
    args, cfg, tables = analysis.parse(__doc__, NAMES, argv, labels=True)
    name = args.figure
    if name == "fractal_segments":
        t = tables["segments"]
        labels = load_labels(args.labels[0])["labels"][0]
        fig, ax = plt.subplots(figsize=(7.5, 4))
        rows = []
        for n, left in segments(labels):
            for x in left:
                ax.plot([x, x + 1.5 / 2**n], [n, n], "-", color="C3", lw=3, solid_capstyle="butt")
                rows.append({"n": n, "box_left": x, "box_right": x + 1.5 / 2**n})
        ax.set_xlim(0, 1.5)
        ax.set_ylim(len(labels).bit_length(), -0.5)
        ax.set_xlabel("learning rate eta")
        ax.set_ylabel("level n (box width 1.5 / 2^n)")
        ax.set_title(f"x^2 (1 + 0.2 cos(2 pi x/0.1)), x0 = 1: boxes holding a label change, N = {int(t['level'].iloc[0])}",
                     fontsize=9)  # fmt: skip
        claims = analysis.segments_claims(t.iloc[0])
        table = pd.DataFrame(rows)
    else:
        t = tables["E10"]
        data = load_labels(args.labels[0])
        labels = data["labels"][0]
        rgb = colours(labels, data["sum_loss"][0], data["sum_inverse"][0])
        eta = np.linspace(0, 1.5, len(labels))
        fig, axes = plt.subplots(2, 1, figsize=(8, 3.6))
        axes[0].imshow(rgb[None], aspect="auto", extent=(0, 1.5, 0, 1), interpolation="nearest")
        axes[0].set_title(f"x^2 (1 + 1e-3 cos(2 pi x/0.1)), x0 = 1, N = {int(t['level'].iloc[0])}: "
                          "blue bounded, red divergent", fontsize=9)  # fmt: skip
        change = np.nonzero(labels[1:] != labels[:-1])[0]
        lo, hi = (eta[change[0]], eta[change[-1] + 1]) if len(change) else (0.9, 1.1)
        pad = max((hi - lo) * 0.05, 1.5 / len(labels) * 4)
        zoom = (eta >= lo - pad) & (eta <= hi + pad)
        axes[1].imshow(rgb[zoom][None], aspect="auto", extent=(lo - pad, hi + pad, 0, 1), interpolation="nearest")
        axes[1].set_title(f"zoom on the boundary region [{lo:.4f}, {hi:.4f}]", fontsize=9)
        for ax in axes:
            ax.set_yticks([])
            ax.set_xlabel("learning rate eta")
        fig.tight_layout()
        claims = analysis.strip_claims(t.iloc[0])
        table = pd.DataFrame({"eta": eta, "divergent": labels.astype(int), "sum_loss": data["sum_loss"][0],
                              "sum_inverse_loss": data["sum_inverse"][0]})  # fmt: skip
        if len(table) > 70_000:  # the tidy table keeps every 2^k-th point of a paper-scale strip
            table = table.iloc[:: len(table) // 65536]
    figures.write_figure(args, cfg, name, fig=fig, table=table, claims=claims, config=analysis.settings_summary(t))


if __name__ == "__main__":
    main()
