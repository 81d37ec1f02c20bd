"""The skills paper's shared interval: mean ± 2 s.e. over seeds, and its wording."""

import math

import pytest

from physlearn.claims import interval_verdict
from physlearn.skills.uncertainty import mean_interval


def test_mean_interval_is_mean_plus_minus_two_standard_errors():
    interval = mean_interval([1.0, 2.0, 3.0, 4.0])
    se = math.sqrt(5 / 3) / 2  # sample std sqrt(5/3), over sqrt(4)
    assert interval.mean == pytest.approx(2.5) and interval.se == pytest.approx(se)
    assert (interval.low, interval.high) == pytest.approx((2.5 - 2 * se, 2.5 + 2 * se))
    assert interval.text.startswith(f"± {se:.3g} s.e. over 4 seeds")


def test_one_value_is_a_point_and_says_so():
    interval = mean_interval([0.7], "inits")
    assert (interval.low, interval.high) == (0.7, 0.7) and math.isnan(interval.se)
    assert interval.text == "one init; no interval"
    assert interval_verdict(interval.low, interval.high, above=0.5) is True  # PASS or FAIL, never INCONCLUSIVE


def test_a_failed_run_makes_the_interval_nan_and_the_verdict_fail():
    interval = mean_interval([1.0, float("nan"), 2.0])
    assert math.isnan(interval.low) and interval_verdict(interval.low, interval.high, above=0.0) is False
    assert mean_interval([]).n == 0
