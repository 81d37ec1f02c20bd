"""Learning-rate grids (spec section 2.3), bit-packed labels, box counting #B(n) (2.5) and
the slope fits F1-F6 (2.6)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

LR_MAX = 1.5


# --------------------------------------------------------------------------------------
# Grids


def clean_grid(n: int) -> np.ndarray:
    """G(N): eta_j = 1.5 j / 2^N, j = 0 .. 2^N (2^N + 1 exact binary fractions; the CPU scripts)."""
    return LR_MAX * np.arange(2**n + 1, dtype=np.float64) / 2**n


def gpu_grid(n: int, dummy: bool = False) -> np.ndarray:
    """G'(N): 2^N rates eta_k = 1.5 k / (2^N - 1) (numpy linspace, as the numba scripts).

    With ``dummy`` a leading eta = 0 is prepended, standing for the authors' dummy "bounded"
    label, so that label i >= 1 belongs to eta = 1.5 (i - 1) / (2^N - 1) and there are 2^N + 1
    labels as on the clean grid. eta = 0 is bounded anyway, so running it gives the dummy's label.
    """
    grid = np.linspace(0.0, LR_MAX, 2**n)
    return np.concatenate([[0.0], grid]) if dummy else grid


def grid_level(n_labels: int) -> int:
    """N from the 2^N + 1 labels of a grid."""
    level = int(n_labels - 1).bit_length() - 1
    if n_labels < 2 or 2**level + 1 != n_labels:
        raise ValueError(f"{n_labels} labels is not 2^N + 1")
    return level


# --------------------------------------------------------------------------------------
# Bit-packed labels (2^20 + 1 labels per cell at paper scale: 128 KiB instead of 1 MiB)


def pack_labels(labels: np.ndarray) -> np.ndarray:
    """Labels (bool, last axis) to uint8 bytes, 8 labels a byte (numpy.packbits, big-endian bits)."""
    return np.packbits(np.asarray(labels, dtype=bool), axis=-1)


def unpack_labels(packed: np.ndarray, count: int) -> np.ndarray:
    """The inverse of :func:`pack_labels`; ``count`` is the number of labels on the last axis."""
    return np.unpackbits(np.asarray(packed, dtype=np.uint8), axis=-1, count=count).astype(bool)


# --------------------------------------------------------------------------------------
# Box counting


def count_boundaries(labels: np.ndarray) -> np.ndarray:
    """#B(n), n = 0 .. N, of labels on a grid of 2^N + 1 points (last axis; leading axes are cells).

    Level n keeps every 2^(N-n)-th label (indices 0, 2^(N-n), ..., 2^N: the grid G(n)) and
    counts the adjacent pairs whose labels differ, i.e. the boxes of width 1.5/2^n holding a
    label change.
    """
    y = np.asarray(labels, dtype=bool)
    top = grid_level(y.shape[-1])
    counts = np.empty((*y.shape[:-1], top + 1), dtype=np.int64)
    for n in range(top + 1):
        sub = y[..., :: 2 ** (top - n)]
        counts[..., n] = np.count_nonzero(sub[..., 1:] != sub[..., :-1], axis=-1)
    return counts


class BoundaryCounter:
    """#B(n) of one very long label vector (2^32 + 1 labels for E1/E2) fed in consecutive pieces.

    ``update`` takes the next labels in grid order, in pieces of any length; ``counts`` equals
    :func:`count_boundaries` of the whole vector once all 2^N + 1 labels are in.
    """

    def __init__(self, top_level: int):
        self.top = top_level
        self.counts = np.zeros(top_level + 1, dtype=np.int64)
        self.last: list[bool | None] = [None] * (top_level + 1)  # last kept label of each level
        self.seen = 0

    def update(self, labels: np.ndarray) -> None:
        y = np.asarray(labels, dtype=bool)
        for n in range(self.top + 1):
            stride = 2 ** (self.top - n)
            sub = y[(-self.seen) % stride :: stride]  # the labels of this piece on grid G(n)
            if sub.size == 0:
                continue
            if self.last[n] is not None:
                self.counts[n] += bool(sub[0]) != self.last[n]
            self.counts[n] += np.count_nonzero(sub[1:] != sub[:-1])
            self.last[n] = bool(sub[-1])
        self.seen += len(y)
        if self.seen > 2**self.top + 1:
            raise ValueError(f"more than 2^{self.top} + 1 labels")


# --------------------------------------------------------------------------------------
# Fits


class Fit(NamedTuple):
    alpha: float  # OLS slope of log2 #B(n) against n; 0 below the rule's minimum
    stderr: float  # OLS standard error (numpy.polyfit(cov=True)); nan with < 3 levels
    levels: int  # levels that entered the fit


# rule -> (levels used, minimum number of levels or None); spec section 2.6
FIT_RULES = {
    "F1": ("boundary", 3),  # levels with #B >= 2, > 2 of them (E1-E4; E1/E2 coded no minimum)
    "F2": ("boundary", 4),  # levels with #B >= 2, > 3 of them (E6)
    "F3": ("boundary", 2),  # #B = 0 set to 1 first, then levels with #B >= 2, > 1 of them (E7, E8)
    "F4": ("range", None),  # every level 8 .. N (E5)
    "F5": ("range", None),  # every level 11 .. 20 (E9 additive) or 10 .. 20 (E9 multiplicative)
    "F6": ("range", None),  # every level 6 .. 20 (E10)
}
FIRST_LEVEL = {"F4": 8, "F6": 6}
F5_FIRST_LEVEL = {"additive": 11, "multiplicative": 10}


def ols_slope(n: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(slope, standard error) of y against n, as numpy.polyfit(n, y, 1, cov=True) gives them
    (residual variance over len - 2 degrees of freedom); the error is nan for two points."""
    n, y = np.asarray(n, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(n) < 3:
        return float(np.polyfit(n, y, 1)[0]), float("nan")
    coef, cov = np.polyfit(n, y, 1, cov=True)
    return float(coef[0]), float(np.sqrt(cov[0, 0]))


def fit_alpha(
    counts, rule: str = "F1", first_level: int | None = None, last_level: int | None = None, min_levels="rule"
) -> Fit:
    """The box-counting dimension alpha from #B(n), n = 0 .. len(counts) - 1, by fit rule F1-F6.

    Args:
        rule: "F1" ... "F6" (spec section 2.6).
        first_level, last_level: the level range of the range rules F4-F6 (F4 defaults to
            8 .. N, F6 to 6 .. N; F5 needs ``first_level``, see :data:`F5_FIRST_LEVEL`); for
            F1-F3 they restrict the levels considered.
        min_levels: override the rule's minimum (None: no minimum, as coded for E1/E2); below
            the minimum, or with fewer than two levels, alpha := 0.

    A range that holds a level with #B = 0 has no logarithm: alpha and its error are nan.
    """
    if rule not in FIT_RULES:
        raise ValueError(f"unknown fit rule {rule!r}")
    kind, minimum = FIT_RULES[rule]
    minimum = minimum if min_levels == "rule" else min_levels
    counts = np.asarray(counts, dtype=np.float64)
    levels = np.arange(len(counts))
    first = first_level if first_level is not None else FIRST_LEVEL.get(rule, 0)
    if rule == "F5" and first_level is None:
        raise ValueError("F5 needs first_level (11 for the additive loss, 10 for the multiplicative)")
    last = len(counts) - 1 if last_level is None else last_level
    window = (levels >= first) & (levels <= last)
    if kind == "boundary":
        if rule == "F3":
            counts = np.where(counts == 0, 1, counts)
        used = window & (counts >= 2)
    else:
        used = window
    k = int(used.sum())
    if k < 2 or (minimum is not None and k < minimum):
        return Fit(0.0, float("nan"), k)
    if np.any(counts[used] <= 0):
        return Fit(float("nan"), float("nan"), k)
    alpha, stderr = ols_slope(levels[used], np.log2(counts[used]))
    return Fit(alpha, stderr, k)
