"""Figure helpers shared by all papers: one style, and every figure saved as PDF and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

# seaborn's theme, set_theme(context="paper", style="ticks", font_scale=1.1): the rcParams it
# changes and its colour codes (seaborn 0.13; tests/test_plotting.py checks both against
# seaborn's, to the last bit, and that a test figure renders to the same PNG bytes). Written
# out because importing seaborn takes ~1.3 s (it imports scipy.stats), which every figure job
# paid for nothing but these values. Left out: its default colormap "rocket", which only a
# seaborn import registers (every figure names its colormap).
DARK = ".15"
NOTEBOOK_SIZES = {  # seaborn's "notebook" context; "paper" is 0.8 times it
    "axes.linewidth": 1.25,
    "grid.linewidth": 1,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "patch.linewidth": 1,
    "xtick.major.width": 1.25,
    "ytick.major.width": 1.25,
    "xtick.minor.width": 1,
    "ytick.minor.width": 1,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "xtick.minor.size": 4,
    "ytick.minor.size": 4,
    "font.size": 12,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 12,
}
PAPER, FONT_SCALE = 0.8, 1.1
FONT_KEYS = {k for k in NOTEBOOK_SIZES if k == "font.size" or k.endswith(("labelsize", "titlesize", "fontsize"))}
SEABORN_THEME = {
    **{k: v * PAPER * FONT_SCALE if k in FONT_KEYS else v * PAPER for k, v in NOTEBOOK_SIZES.items()},
    "axes.axisbelow": True,
    "axes.edgecolor": DARK,
    "axes.labelcolor": DARK,
    "axes.prop_cycle": cycler(
        color=[  # seaborn's "deep" palette
            "#4c72b0",
            "#dd8452",
            "#55a868",
            "#c44e52",
            "#8172b3",
            "#937860",
            "#da8bc3",
            "#8c8c8c",
            "#ccb974",
            "#64b5cd",
        ]
    ),
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "grid.color": ".8",
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": DARK,
    "xtick.color": DARK,
    "ytick.color": DARK,
}
# Like seaborn, the one-letter colour codes name its "deep" colours, and "k" a 0.1 grey.
COLOUR_CODES = dict(zip("bgrmyck", ["#4c72b0", "#55a868", "#c44e52", "#8172b3", "#ccb974", "#64b5cd", (0.1, 0.1, 0.1)]))


def style() -> None:
    plt.rcParams.update(SEABORN_THEME)
    for code, colour in COLOUR_CODES.items():
        matplotlib.colors.colorConverter.colors[code] = matplotlib.colors.to_rgb(colour)
    plt.rcParams.update({"savefig.bbox": "tight", "figure.dpi": 100, "savefig.dpi": 200})


def save(fig, pdf: Path | str, png: Path | str) -> None:
    for path in (pdf, png):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    plt.close(fig)


def rgb(r: int, g: int, b: int) -> tuple[float, float, float]:
    return (r / 255, g / 255, b / 255)
