"""Bootstrap intervals of medians over seeds or inits, for the figures that judge a median
(Figs. 2 and 13): a median over a handful of seeds has no standard error to speak of, so its
uncertainty is the 95% percentile interval of the medians of resamples of the seeds.

A run that never reached its threshold within its length is known only as "at least the run's
length": such values enter as that bound, and the interval's upper end becomes infinite (the
true median may be later). The resamples are drawn from a fixed seed, so a claims file is the
same on every rerun of the same numbers.
"""

from __future__ import annotations

import numpy as np

RESAMPLES = 2000
SEED = 13


def _medians(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    picks = rng.integers(0, len(values), size=(RESAMPLES, len(values)))
    return np.median(values[picks], axis=1)


def median_interval(values, censored=None) -> tuple[float, float, float]:
    """(median, low, high): the median of ``values`` and the 95% percentile bootstrap interval of
    the median. ``censored`` (bools, one per value): the value is a lower bound (the run ended
    first); any makes ``high`` infinite. A NaN among the values, or none, gives NaN throughout
    (a FAIL for :func:`physlearn.claims.interval_verdict`). One value: the point itself."""
    values = np.asarray(values, dtype=float)
    if not len(values) or np.isnan(values).any():
        return np.nan, np.nan, np.nan
    medians = _medians(values, np.random.default_rng(SEED))
    low, high = float(np.quantile(medians, 0.025)), float(np.quantile(medians, 0.975))
    if censored is not None and np.asarray(censored, dtype=bool).any():
        high = np.inf
    return float(np.median(values)), low, high


def ratio_interval(numerator, denominator, numerator_censored=None) -> tuple[float, float, float]:
    """(ratio, low, high): median(numerator) / median(denominator) and the 95% percentile
    interval of that ratio, the two sets resampled apart (they are different runs). A censored
    numerator (a lower bound) makes ``high`` infinite. NaN throughout for a NaN or no values."""
    num, den = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    if not len(num) or not len(den) or np.isnan(num).any() or np.isnan(den).any():
        return np.nan, np.nan, np.nan
    rng = np.random.default_rng(SEED)
    ratios = _medians(num, rng) / _medians(den, rng)
    low, high = float(np.quantile(ratios, 0.025)), float(np.quantile(ratios, 0.975))
    if numerator_censored is not None and np.asarray(numerator_censored, dtype=bool).any():
        high = np.inf
    return float(np.median(num) / np.median(den)), low, high


def describe(low: float, high: float, n: int, what: str = "seeds") -> str:
    """The ``uncertainty`` text of an interval from :func:`median_interval`."""
    if n < 2:
        return f"one {what[:-1]}; no interval"
    if np.isnan(low):
        return f"a run never reached the threshold among the {n} {what}; no interval"
    return f"95% bootstrap interval of the median [{low:.3g}, {high:.3g}] over {n} {what} ({RESAMPLES} resamples)"
