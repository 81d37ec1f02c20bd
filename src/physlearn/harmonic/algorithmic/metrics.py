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

import functools
import math

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


# ----- uncertainty and nulls of the claims (issue 20) -----

NULL_DRAWS = 2000
NULL_QUANTILE = 0.95
BOOTSTRAP_DRAWS = 2000


@functools.lru_cache(maxsize=64)
def untrained_ev(rows: int, dim: int, quantile: float = NULL_QUANTILE, draws: int = NULL_DRAWS, seed: int = 0) -> float:
    """The EV of the top-2 PCs that an untrained embedding reaches: the ``quantile`` of
    ev_top2 over ``draws`` matrices [rows, dim] of i.i.d. U(-1/4, +1/4) entries (the MLPs'
    init; the ratio does not depend on the scale, and barely on the distribution, so it
    serves the transformers' N(0, 0.25^2) too). An embedding that training did not shape
    lies below it 95% of the time: the null for "the embedding became more 2-D"."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.25, 0.25, size=(draws, rows, dim))
    x -= x.mean(1, keepdims=True)
    s = np.linalg.svd(x, compute_uv=False) ** 2  # [draws, min(rows, dim)]
    ev = s[:, :2].sum(1) / s.sum(1)
    return float(np.quantile(ev, quantile))


def lead(later: float, earlier: float) -> float:
    """How far ``earlier`` is ahead of ``later`` (later - earlier), where inf means "not
    reached": both not reached is a tie (0), only ``earlier`` not reached is -inf."""
    if math.isinf(later) and math.isinf(earlier):
        return 0.0
    return later - earlier


def reached_median(values: np.ndarray) -> float:
    """Median over the seeds that got there (NaN: not within the run), as the paper's Fig. 3c
    draws it (spec: "seeds that never get there are dropped"); inf when none did, so that
    :func:`lead` reads a model with no seed there as later than any."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.inf


def bootstrap_median_lead(later, earlier, draws: int = BOOTSTRAP_DRAWS, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of lead(median(later), median(earlier)), resampling
    the seeds (pairs: the same seed index in both) with replacement; NaN in the inputs means
    not reached (inf). The interval's ends are sample quantiles without interpolation, so
    that infinite leads stay numbers."""
    a = np.where(np.isnan(np.asarray(later, float)), np.inf, np.asarray(later, float))
    b = np.where(np.isnan(np.asarray(earlier, float)), np.inf, np.asarray(earlier, float))
    if len(a) == 0 or len(a) != len(b):
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(draws, len(a)))
    med_a = np.quantile(a[idx], 0.5, axis=1, method="lower")
    med_b = np.quantile(b[idx], 0.5, axis=1, method="lower")
    leads = np.array([lead(x, y) for x, y in zip(med_a, med_b)])
    return float(np.quantile(leads, 0.025, method="lower")), float(np.quantile(leads, 0.975, method="higher"))
