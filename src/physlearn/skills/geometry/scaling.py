"""Scaling-law exponents of the Geometry model (skills spec section 2, Fig. 10).

alpha_N: minus the log-log slope of the final loss against the number of parameters N,
fitted between N = 40 and 220. alpha_S: minus the log-log slope of the loss against the step,
between steps 80 and 200, at N = 100. Both are least-squares slopes over the points inside
the window (ends included), so two points give the plain two-point slope.

Reference lines for a Zipf exponent alpha: the quanta model (alpha_N = alpha - 1,
alpha_S = (alpha - 1) / alpha), the Domino model (alpha_N = alpha_S = alpha - 1) and
Chinchilla's fitted exponents (alpha_N = 0.34, alpha_S = 0.28).
"""

from __future__ import annotations

import math

import numpy as np

CHINCHILLA = {"alpha_N": 0.34, "alpha_S": 0.28}


def log_slope(x, y, lo: float, hi: float) -> float:
    """Least-squares slope of log y against log x over the points with lo <= x <= hi; NaN if
    fewer than two such points have finite, positive x and y."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = (x >= lo) & (x <= hi) & np.isfinite(y) & (y > 0) & (x > 0)
    if keep.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0])


def scaling_exponent(x, y, window: tuple[float, float]) -> float:
    """alpha = -d log y / d log x over the window (L ~ x^-alpha)."""
    return -log_slope(x, y, *window)


def quanta_exponents(alpha):
    alpha = np.asarray(alpha, dtype=np.float64)
    return {"alpha_N": alpha - 1, "alpha_S": (alpha - 1) / alpha}


def domino_exponents(alpha):
    alpha = np.asarray(alpha, dtype=np.float64)
    return {"alpha_N": alpha - 1, "alpha_S": alpha - 1}


def crossing(x, y, level: float) -> float:
    """The first x where the piecewise-linear curve y(x) reaches ``level`` (x increasing);
    NaN if it never does."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    for i in range(len(x) - 1):
        a, b = y[i] - level, y[i + 1] - level
        if a == 0:
            return float(x[i])
        if np.isfinite(a) and np.isfinite(b) and a * b < 0:
            return float(x[i] + (x[i + 1] - x[i]) * a / (a - b))
    return float(x[-1]) if len(x) and y[-1] == level else math.nan
