"""Uncertainty of the skills paper's numeric claims: mean ± 2 standard errors over seeds.

Every figure of the skills paper that has seeds or replicates judges a mean through the same
interval, so that a criterion straddled by our noise reads INCONCLUSIVE (``passed=None``) and
not PASS or FAIL; one place keeps the wording of ``uncertainty`` and the interval identical
across figures. With a single value there is no spread: the interval is the point itself and
the text says so, and the verdict stays PASS or FAIL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SE_MULTIPLE = 2.0  # mean ± 2 s.e.: about a 95% interval for a mean over a handful of seeds


@dataclass(frozen=True)
class MeanInterval:
    mean: float
    se: float  # NaN with a single value
    low: float
    high: float
    n: int
    what: str  # "seeds", "inits", "panels": what the values were drawn over

    @property
    def text(self) -> str:
        """The ``uncertainty`` field of a claim."""
        if self.n < 2:
            return f"one {self.what.rstrip('s')}; no interval"
        return (
            f"± {self.se:.3g} s.e. over {self.n} {self.what}; mean ± {SE_MULTIPLE:g} s.e. = "
            f"[{self.low:.3g}, {self.high:.3g}]"
        )

    def as_dict(self) -> dict:
        return {"mean": self.mean, "se": self.se, "low": self.low, "high": self.high, "n": self.n}


def mean_interval(values, what: str = "seeds") -> MeanInterval:
    """Mean ± 2 s.e. (sample standard deviation / sqrt(n)) of ``values``; a NaN among them
    (a failed run) makes the whole interval NaN, which ``interval_verdict`` reads as FAIL."""
    values = np.asarray(values, dtype=float).ravel()
    n = len(values)
    if n == 0:
        return MeanInterval(math.nan, math.nan, math.nan, math.nan, 0, what)
    mean = float(values.mean())
    if n == 1:
        return MeanInterval(mean, math.nan, mean, mean, 1, what)
    se = float(values.std(ddof=1) / math.sqrt(n))
    return MeanInterval(mean, se, mean - SE_MULTIPLE * se, mean + SE_MULTIPLE * se, n, what)
