"""The replication report: the claims scoreboard, the paper notebooks' views, the README block.

Everything here reads what the figure rules wrote (``<figure>.claims.json``, PNGs, CSVs);
nothing here computes a result.
"""

from physlearn.figures import PAPER_TITLES  # noqa: F401  (the papers' names, as the report prints them)

PAPER_CITATIONS = {
    "focus": "Liu, Liu, Gore (2025), FOCUS: First Order Concentrated Updating Scheme, arXiv 2501.12243",
    "harmonic": "Baek, Liu, Tyagi, Tegmark (2025), Harmonic Loss Trains Interpretable AI Models, arXiv 2502.01628",
    "skills": "Liu, Liu, Michaud, Gore, Tegmark (2025), Physics of Skill Learning, arXiv 2501.12391",
    "fractal": "Liu (2024), Complex fractal trainability boundary can arise from trivial non-convexity, arXiv 2406.13971",
}
