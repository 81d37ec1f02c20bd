"""Helpers shared by the FOCUS figures' claims: an interval around a mean from its standard
error, and one verdict from several parts.

Every interval here is mean +- 2 standard errors (about 95%), fixed before any number was
seen. With fewer than two replicates there is no spread: the interval is the point itself, so
the verdict is PASS or FAIL and the uncertainty says "one run; no interval"
(docs/claims.md).
"""

from __future__ import annotations

import math

Z = 2.0  # half-width of every interval, in standard errors


def interval(mean: float, se: float, replicates: int) -> tuple[float, float]:
    """mean +- Z s.e.; the point itself when there is no spread to estimate (one replicate)."""
    mean, se = float(mean), float(se)
    if replicates < 2 or math.isnan(se):
        return mean, mean
    return mean - Z * se, mean + Z * se


def describe(se: float, replicates: int, what: str = "replicates") -> str:
    """The uncertainty field for a mean over ``replicates``."""
    if replicates < 2 or math.isnan(float(se)):
        return "one run; no interval"
    return f"+- {float(se):.3g} s.e. over {replicates} {what}; interval mean +- {Z:g} s.e."


def all_hold(parts: list[bool | None]) -> bool | None:
    """One verdict from parts that must all hold: False if any part fails, else None
    (INCONCLUSIVE) if any part straddles its bound, else True."""
    if any(p is False for p in parts):
        return False
    if any(p is None for p in parts):
        return None
    return True
