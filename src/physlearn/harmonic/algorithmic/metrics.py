"""Metrics of the algorithmic-task figures (harmonic spec section 2).

- EV: the explained-variance ratio of the top-2 principal components of a model's token
  embedding (scikit-learn's PCA, which centres the rows), on the task's rows (genealogy
  1..126, equivalence 0..39, all rows otherwise). 1 means the embedding is a flat 2-D
  picture (a circle, a grid).
- Fig. 3a: the cumulative EV of the first 10 components, median over seeds.
- Fig. 3c: the grokking epoch, the first epoch from which accuracy stays above 0.9 for 20
  epochs.
- Fig. 3b: the smallest train fraction at which the median test accuracy reaches a threshold.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

GROKKING_THRESHOLD = 0.9
GROKKING_WINDOW = 20


def explained_variance(embedding: np.ndarray, components: int = 10) -> np.ndarray:
    """Explained-variance ratios of the first ``components`` principal components of the
    rows of ``embedding`` [rows, D] (fewer when rows or D are fewer). NaN rows: all NaN."""
    embedding = np.asarray(embedding, dtype=np.float64)
    k = min(components, *embedding.shape)
    if not np.isfinite(embedding).all():
        return np.full(k, np.nan)
    return PCA(n_components=k).fit(embedding).explained_variance_ratio_


def ev_top2(embedding: np.ndarray) -> float:
    """The paper's EV: the variance share of the top-2 principal components."""
    return float(explained_variance(embedding, 2).sum())


def cumulative_ev(embedding: np.ndarray, components: int = 10) -> np.ndarray:
    return np.cumsum(explained_variance(embedding, components))


def pca_2d(embedding: np.ndarray) -> np.ndarray:
    """The rows projected onto their top-2 principal components, [rows, 2]."""
    embedding = np.asarray(embedding, dtype=np.float64)
    if not np.isfinite(embedding).all():
        return np.full((len(embedding), 2), np.nan)
    return PCA(n_components=2).fit_transform(embedding)


def grokking_epoch(accuracy: np.ndarray, threshold: float = GROKKING_THRESHOLD, window: int = GROKKING_WINDOW) -> float:
    """The first epoch (1-based: the accuracy after that many epochs) from which accuracy
    stays > ``threshold`` for ``window`` consecutive epochs; NaN if it never does within the
    run (including a run shorter than the window after its last crossing)."""
    above = np.asarray(accuracy, dtype=np.float64) > threshold  # NaN compares False
    if len(above) < window:
        return float("nan")
    # runs[i] = number of consecutive True values starting at i
    runs = np.zeros(len(above) + 1, dtype=int)
    for i in range(len(above) - 1, -1, -1):
        runs[i] = runs[i + 1] + 1 if above[i] else 0
    hits = np.flatnonzero(runs[:-1] >= window)
    return float(hits[0] + 1) if len(hits) else float("nan")


def censored_median(values: np.ndarray, ceiling: float) -> float:
    """Median over seeds where NaN means "not within the run" (so later than ``ceiling``):
    those count as +inf, so the median is inf when half or more never got there."""
    del ceiling  # documents the meaning of inf at the call site
    v = np.where(np.isnan(values), np.inf, np.asarray(values, dtype=np.float64))
    if len(v) == 0:
        return float("nan")
    return float(np.median(v))


def fraction_to_reach(fractions: np.ndarray, accuracy: np.ndarray, threshold: float) -> float:
    """The smallest train fraction whose accuracy reaches ``threshold`` (inf if none)."""
    fractions, accuracy = np.asarray(fractions), np.asarray(accuracy)
    ok = fractions[accuracy >= threshold]
    return float(ok.min()) if len(ok) else float("inf")
