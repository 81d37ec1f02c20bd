"""Figure helpers shared by all papers: one style, and every figure saved as PDF and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

# seaborn's theme, set_theme(context="paper", style="ticks", font_scale=1.1), as the rcParams
# it changes (seaborn 0.13; tests/test_plotting.py checks them against seaborn's). Written out
# because importing seaborn takes ~1.3 s (it imports scipy.stats), which every figure job paid
# for nothing but these values. Left out: its default colormap "rocket", which only a seaborn
# import registers (every figure names its colormap).
DARK = ".15"
PAPER_FONT, PAPER_TICK_FONT = 10.56, 9.68  # seaborn's "paper" sizes (0.8 x "notebook") x font_scale 1.1
SEABORN_THEME = {
    "axes.axisbelow": True,
    "axes.edgecolor": DARK,
    "axes.labelcolor": DARK,
    "axes.labelsize": PAPER_FONT,
    "axes.linewidth": 1.0,
    "axes.titlesize": PAPER_FONT,
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
    "font.size": PAPER_FONT,
    "grid.color": ".8",
    "legend.fontsize": PAPER_TICK_FONT,
    "legend.title_fontsize": PAPER_FONT,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.8,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "patch.linewidth": 0.8,
    "text.color": DARK,
    **{
        f"{axis}.{key}": value
        for axis in ("xtick", "ytick")
        for key, value in {
            "color": DARK,
            "labelsize": PAPER_TICK_FONT,
            "major.size": 4.8,
            "major.width": 1.0,
            "minor.size": 3.2,
            "minor.width": 0.8,
        }.items()
    },
}


def style() -> None:
    plt.rcParams.update(SEABORN_THEME)
    plt.rcParams.update({"savefig.bbox": "tight", "figure.dpi": 100, "savefig.dpi": 200})


def save(fig, pdf: Path | str, png: Path | str) -> None:
    for path in (pdf, png):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    plt.close(fig)


def rgb(r: int, g: int, b: int) -> tuple[float, float, float]:
    return (r / 255, g / 255, b / 255)
