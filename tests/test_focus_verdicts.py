"""The interval and verdict helpers shared by the FOCUS claims."""

from __future__ import annotations

import math

import pytest

from physlearn.focus.verdicts import all_hold, describe, interval


def test_interval_is_mean_plus_minus_two_standard_errors():
    assert interval(1.0, 0.25, 3) == pytest.approx((0.5, 1.5))


def test_one_replicate_or_no_spread_gives_the_point():
    assert interval(1.0, 0.25, 1) == (1.0, 1.0)
    assert interval(1.0, math.nan, 3) == (1.0, 1.0)
    assert describe(math.nan, 3) == describe(0.1, 1) == "one run; no interval"
    assert describe(0.1, 5) == "+- 0.1 s.e. over 5 replicates; interval mean +- 2 s.e."


def test_all_hold_fails_on_any_failure_and_is_inconclusive_on_any_straddle():
    assert all_hold([True, True]) is True
    assert all_hold([True, None]) is None
    assert all_hold([None, False, True]) is False
