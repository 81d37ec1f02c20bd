"""The claims format (physlearn.claims): what a figure's claims file holds, and what it refuses;
interval_verdict, which turns an uncertainty interval into PASS, FAIL or INCONCLUSIVE; and the
intervals and the joining of verdicts that every paper's figures share (MeanInterval,
mean_interval, wilson_interval, all_hold)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from physlearn.claims import (
    SCHEMA_VERSION,
    VERDICTS,
    Claim,
    MeanInterval,
    all_hold,
    interval_verdict,
    mean_interval,
    read_claims,
    se_multiple,
    settings_problems,
    t_interval,
    verdict_of,
    welch_dof,
    wilson_interval,
    write_claims,
)

nan = math.nan


def _claim(**overrides) -> Claim:
    fields = dict(
        id="adam-wins-noiseless",
        claim="Adam wins at sigma 0",
        paper_value="Adam best at sigma=0",
        ours="Adam -0.65 vs Signum -0.48",
        criterion="Adam's loss is the lowest",
        passed=True,
    )
    return Claim(**{**fields, **overrides})


def _write(path, claims, **overrides):
    kwargs = dict(
        paper="focus",
        figure="fig2a",
        title="Narrowing valley",
        scale="laptop",
        config={"seed": 0},
        claims=claims,
        files={"figure": "fig2a.png"},
    )
    return write_claims(path, **{**kwargs, **overrides})


def test_write_and_read_claims(tmp_path):
    measured = {
        "adam": -0.65,
        "nan": nan,
        "inf": math.inf,
        "np_nan": np.float64("nan"),
        "f32": np.float32(0.5),
        "count": np.int64(3),
        "flag": np.bool_(True),
        "list": [1.0, nan, (2.0, -math.inf)],
        "nested": {"x": float("nan")},
    }
    claims = [
        _claim(measured=measured, uncertainty="± 0.02 s.e. over 20 replicates"),
        _claim(id="signum-wins-noisy", passed=False),
        _claim(id="focus-between", passed=None, uncertainty="95% bootstrap interval [-0.01, 0.13]"),
    ]
    path = tmp_path / "sub" / "fig2a.claims.json"
    doc = _write(path, claims)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)  # strict JSON
    back = read_claims(path)
    assert back == doc
    assert back["schema_version"] == 2 == SCHEMA_VERSION and back["paper"] == "focus" and back["figure"] == "fig2a"
    assert "settings" not in back  # none given: left out, not written as null
    first, second, third = back["claims"]
    assert [first["verdict"], second["verdict"], third["verdict"]] == ["PASS", "FAIL", "INCONCLUSIVE"]
    assert first["passed"] is True and second["passed"] is False and third["passed"] is None
    assert '"passed": null' in text and '"verdict": "INCONCLUSIVE"' in text
    assert first["uncertainty"] == "± 0.02 s.e. over 20 replicates" and second["uncertainty"] == ""
    # the uncertainty sits beside ours, the verdict beside passed, the raw numbers last
    assert list(first) == [
        "id",
        "claim",
        "paper_value",
        "ours",
        "uncertainty",
        "criterion",
        "passed",
        "verdict",
        "measured",
    ]
    assert first["measured"] == {
        "adam": -0.65,
        "nan": None,
        "inf": None,
        "np_nan": None,
        "f32": 0.5,
        "count": 3,
        "flag": True,
        "list": [1.0, None, [2.0, None]],
        "nested": {"x": None},
    }
    assert [c.verdict for c in claims] == ["PASS", "FAIL", "INCONCLUSIVE"]


def test_verdicts():
    assert VERDICTS == ("PASS", "FAIL", "INCONCLUSIVE")
    assert [verdict_of(p) for p in (True, False, None)] == list(VERDICTS)
    assert _claim(passed=None).verdict == "INCONCLUSIVE"
    assert _claim(passed=False).verdict == "FAIL"  # False is not None: not inconclusive


@pytest.mark.parametrize("field", ["id", "claim", "paper_value", "ours", "criterion"])
@pytest.mark.parametrize("value", ["", "   "])
def test_claim_fields_must_not_be_empty(field, value):
    with pytest.raises(ValueError, match=rf"{field} is empty"):
        _claim(**{field: value})


@pytest.mark.parametrize("passed", [1, 0, "True", "None", "", 1.0, math.nan, np.float64(1.0), [True]])
def test_claim_passed_must_be_a_bool_or_none(passed):
    with pytest.raises(TypeError, match="passed must be a bool or None"):
        _claim(passed=passed)


@pytest.mark.parametrize("uncertainty", [None, 0.8, ("±", 0.8)])
def test_claim_uncertainty_must_be_text(uncertainty):
    with pytest.raises(TypeError, match="uncertainty must be a str"):
        _claim(uncertainty=uncertainty)


def test_existing_claims_need_no_uncertainty():
    """Figure steps written before the uncertainty field keep working, keywords or positions."""
    claim = Claim("x", "c", "p", "o", "k", True, {"a": 1})
    assert claim.uncertainty == "" and claim.measured == {"a": 1}


def test_claims_are_frozen():
    with pytest.raises(AttributeError):
        _claim().passed = False


def test_duplicate_claim_ids(tmp_path):
    with pytest.raises(ValueError, match="duplicate claim ids"):
        _write(tmp_path / "x.json", [_claim(), _claim(passed=False)])
    assert not (tmp_path / "x.json").exists()


def test_write_claims_validation(tmp_path):
    with pytest.raises(ValueError, match="at least one claim"):
        _write(tmp_path / "x.json", [])
    with pytest.raises(ValueError, match="paper must be one of"):
        _write(tmp_path / "x.json", [_claim()], paper="gpt")


@pytest.mark.parametrize("version", [0, 1, 3, "2", None])
def test_read_claims_reads_schema_version_2_only(tmp_path, version):
    path = tmp_path / "old.claims.json"
    good = _write(path, [_claim()])
    path.write_text(json.dumps({**good, "schema_version": version}))
    with pytest.raises(ValueError, match=f"schema_version {version!r}, expected 2"):
        read_claims(path)


SETTINGS = {
    "differs": [
        {"key": "harmonic_algorithmic.mlp.seeds", "ours": 5, "paper": 20},
        {"key": "harmonic_algorithmic.mlp.fractions", "ours": [0.1, 0.5], "paper": [0.1, 0.2, 0.5]},
    ],
    "summary": "mlp.seeds 5 of 20, mlp.fractions 2 values of 3",
}


def test_settings_are_stored_as_given(tmp_path):
    path = tmp_path / "a.claims.json"
    doc = _write(path, [_claim()], settings=SETTINGS)
    assert doc["settings"] == SETTINGS and read_claims(path)["settings"] == SETTINGS
    paper = {"differs": [], "summary": "paper settings"}
    assert _write(path, [_claim()], settings=paper)["settings"] == paper
    assert settings_problems(SETTINGS) == [] and settings_problems(paper) == []


@pytest.mark.parametrize(
    "settings, problem",
    [
        ([], "settings must be a dict"),
        ("paper settings", "settings must be a dict"),
        ({"summary": "paper settings"}, "settings has no 'differs'"),
        ({"differs": []}, "settings has no 'summary'"),
        ({"differs": {}, "summary": "x"}, "settings.differs must be a list"),
        ({"differs": [], "summary": ""}, "settings.summary must be a non-empty str"),
        ({"differs": [], "summary": None}, "settings.summary must be a non-empty str"),
        ({"differs": ["seeds"], "summary": "x"}, r"settings.differs\[0\] must be a dict"),
        ({"differs": [{"key": "seeds", "ours": 5}], "summary": "x"}, r"settings.differs\[0\] must be a dict"),
    ],
)
def test_malformed_settings_are_refused(tmp_path, settings, problem):
    with pytest.raises(ValueError, match=problem):
        _write(tmp_path / "a.claims.json", [_claim()], settings=settings)
    assert not (tmp_path / "a.claims.json").exists()


def test_numpy_arrays_in_measured(tmp_path):
    doc = _write(tmp_path / "a.json", [_claim(measured={"curve": np.array([1.0, np.nan, 3.0])})])
    assert doc["claims"][0]["measured"]["curve"] == [1.0, None, 3.0]


def test_claim_accepts_numpy_bools_as_python_bools():
    import numpy as np

    from physlearn.claims import Claim

    for value, expected in ((np.float64(2.0) > 1.0, True), (np.float64(0.0) > 1.0, False), (np.array([1]) > 2, None)):
        if expected is None:
            with pytest.raises(TypeError):
                Claim(id="x", claim="c", paper_value="p", ours="o", criterion="k", passed=value)
        else:
            claim = Claim(id="x", claim="c", paper_value="p", ours="o", criterion="k", passed=value)
            assert claim.passed is expected and type(claim.passed) is bool
            assert claim.verdict == ("PASS" if expected else "FAIL")  # numpy False is FAIL, not INCONCLUSIVE


# ----- interval_verdict -----


@pytest.mark.parametrize(
    "low, high, expected",
    [
        (0.5, 0.9, True),  # wholly above
        (-0.9, -0.5, False),  # wholly below
        (-0.1, 0.3, None),  # straddles
        (0.0, 0.3, None),  # from the bound up: x = 0 is rejected, x > 0 accepted
        (-0.3, 0.0, False),  # touches it from outside: every x <= 0 is rejected
        (0.0, 0.0, False),  # a point on the bound
        (0.2, 0.2, True),  # a point inside
        (-math.inf, math.inf, None),
        (1.0, math.inf, True),
        (-math.inf, -1.0, False),
    ],
)
def test_interval_verdict_above_strict(low, high, expected):
    assert interval_verdict(low, high, above=0.0) is expected


@pytest.mark.parametrize(
    "low, high, expected",
    [
        (0.0, 0.3, True),  # the bound itself is accepted
        (-0.3, 0.0, None),  # x = 0 accepted, x < 0 not
        (0.0, 0.0, True),
        (-0.1, -0.1, False),
        (-0.1, 0.3, None),
    ],
)
def test_interval_verdict_above_not_strict(low, high, expected):
    assert interval_verdict(low, high, above=0.0, strict=False) is expected


@pytest.mark.parametrize(
    "low, high, strict, expected",
    [
        (1.0, 2.0, True, True),
        (3.0, 4.0, True, False),
        (2.5, 3.5, True, None),
        (2.0, 3.0, True, None),  # x = 3 rejected, x < 3 accepted
        (3.0, 3.5, True, False),
        (2.0, 3.0, False, True),
        (3.0, 3.5, False, None),
        (3.0, 3.0, False, True),
        (3.0, 3.0, True, False),
    ],
)
def test_interval_verdict_below(low, high, strict, expected):
    assert interval_verdict(low, high, below=3.0, strict=strict) is expected


@pytest.mark.parametrize(
    "low, high, strict, expected",
    [
        (0.95, 1.05, True, True),  # inside 0.9 < x < 1.1
        (0.5, 0.8, True, False),  # wholly under the lower bound
        (1.2, 1.5, True, False),  # wholly over the upper bound
        (0.85, 1.0, True, None),  # straddles the lower bound
        (1.0, 1.15, True, None),  # straddles the upper bound
        (0.5, 1.5, True, None),  # straddles both: part of it is inside
        (0.9, 1.1, True, None),  # touches both bounds: the bounds themselves are out
        (0.9, 1.1, False, True),  # accepted without strict
        (1.1, 1.3, True, False),
        (1.1, 1.3, False, None),
        (0.5, 0.9, False, None),
    ],
)
def test_interval_verdict_between(low, high, strict, expected):
    assert interval_verdict(low, high, above=0.9, below=1.1, strict=strict) is expected


@pytest.mark.parametrize("low, high", [(math.nan, 1.0), (0.5, math.nan), (math.nan, math.nan), (np.nan, 2.0)])
def test_interval_verdict_nan_is_a_fail(low, high):
    assert interval_verdict(low, high, above=0.0) is False
    assert interval_verdict(low, high, above=0.0, below=5.0, strict=False) is False


def test_interval_verdict_returns_python_values_for_numpy_input():
    result = interval_verdict(np.float64(0.5), np.float32(0.9), above=np.float64(0.1), below=np.int64(1))
    assert result is True
    assert interval_verdict(np.float64(-0.5), np.float64(0.9), above=np.float64(0.1)) is None
    assert interval_verdict(*np.percentile([0.2, 0.4, 0.6], [2.5, 97.5]), above=0.5) is None


def test_interval_verdict_refuses_what_cannot_be_decided():
    with pytest.raises(ValueError, match="needs a bound"):
        interval_verdict(0.0, 1.0)
    with pytest.raises(ValueError, match="low 2.0 > high 1.0"):
        interval_verdict(2.0, 1.0, above=0.0)
    with pytest.raises(ValueError, match="above is NaN"):
        interval_verdict(0.0, 1.0, above=math.nan)
    with pytest.raises(ValueError, match="below is NaN"):
        interval_verdict(0.0, 1.0, below=math.nan)
    with pytest.raises(ValueError, match="no x satisfies"):
        interval_verdict(0.0, 1.0, above=2.0, below=1.0)
    with pytest.raises(ValueError, match="no x satisfies"):
        interval_verdict(0.0, 1.0, above=1.0, below=1.0)  # strict: 1 < x < 1 is empty
    assert interval_verdict(1.0, 1.0, above=1.0, below=1.0, strict=False) is True  # 1 <= x <= 1 is not
    assert interval_verdict(0.0, 1.0, above=1.0, below=1.0, strict=False) is None


def test_interval_verdict_makes_a_claim():
    """The helper's None is a claim's INCONCLUSIVE, its True PASS, its False FAIL."""
    verdicts = [
        _claim(id=str(n), passed=interval_verdict(lo, hi, above=0.0)).verdict
        for n, (lo, hi) in enumerate([(0.1, 0.2), (-0.2, -0.1), (-0.1, 0.1)])
    ]
    assert verdicts == ["PASS", "FAIL", "INCONCLUSIVE"]


# ----- the shared intervals: the 95% t interval, Wilson; and one verdict from several parts -----


def test_se_multiple_is_students_t_quantile():
    """Tabulated 97.5% quantiles of Student's t: 12.706 (1 d.f.), 4.303 (2), 2.776 (4),
    2.262 (9), 1.960 for a known s.e.; no interval without a degree of freedom."""
    for dof, t in [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (math.inf, 1.960)]:
        assert se_multiple(dof) == pytest.approx(t, abs=1e-3)
    assert math.isnan(se_multiple(0)) and math.isnan(se_multiple(nan))
    assert t_interval(1.0, 0.5, 4) == pytest.approx((1.0 - 2.776 * 0.5, 1.0 + 2.776 * 0.5), abs=1e-3)
    assert t_interval(1.0, nan, 4) == (1.0, 1.0) and t_interval(1.0, 0.5, 0) == (1.0, 1.0)


def test_welch_dof_by_hand():
    """Two estimates with s.e. 1 and 2 on 4 and 9 d.f.: (1 + 4)^2 / (1/4 + 16/9) = 12.33."""
    assert welch_dof([1.0, 2.0], [4, 9]) == pytest.approx(25 / (1 / 4 + 16 / 9))
    assert welch_dof([1.0, 0.0], [4, 9]) == pytest.approx(4.0)  # an exact part adds nothing
    assert math.isnan(welch_dof([1.0, nan], [4, 4])) and math.isnan(welch_dof([0.0, 0.0], [4, 4]))
    assert math.isnan(welch_dof([1.0, 1.0], [4, 0]))  # a part on one seed has no estimated s.e.


def test_mean_interval_is_the_95_percent_t_interval():
    interval = mean_interval([1.0, 2.0, 3.0, 4.0])
    se = math.sqrt(5 / 3) / 2  # sample std (ddof 1) sqrt(5/3), over sqrt(4)
    t3 = 3.182  # Student's t, 97.5%, 3 d.f.
    assert interval.mean == pytest.approx(2.5) and interval.se == pytest.approx(se) and interval.n == 4
    assert interval.multiple == pytest.approx(t3, abs=1e-3)
    assert interval.bounds == (interval.low, interval.high) == pytest.approx((2.5 - t3 * se, 2.5 + t3 * se), abs=1e-3)
    k = interval.multiple
    assert interval.text == (
        f"± {se:.3g} s.e. over 4 seeds; 95% t interval (mean ± {k:.3g} s.e.) = [{2.5 - k * se:.3g}, {2.5 + k * se:.3g}]"
    )
    assert interval.basis == "mean ± 3.18 s.e. (95% t) over 4 seeds"
    two = mean_interval([1.0, 3.0]).as_dict()  # 1 d.f.: t 12.706
    assert two["mean"] == 2.0 and two["se"] == 1.0 and two["n"] == 2
    assert (two["low"], two["high"]) == pytest.approx((2.0 - 12.706, 2.0 + 12.706), abs=1e-3)
    assert mean_interval(np.array([[1.0, 3.0]]), "inits").n == 2  # any shape: the values, flattened


def test_a_flat_two_standard_errors_would_pass_what_the_t_interval_leaves_open():
    """Three seeds at 1.5, 2.0 and 2.5: mean 2, s.e. 0.29. Mean ± 2 s.e. (1.42 .. 2.58) lies
    above 1.4 and would PASS "x > 1.4"; the 95% t interval (4.30 s.e.: 0.76 .. 3.24)
    straddles it, so the claim is INCONCLUSIVE, as three seeds warrant."""
    interval = mean_interval([1.5, 2.0, 2.5])
    assert interval.mean - 2 * interval.se > 1.4
    assert interval_verdict(*interval.bounds, above=1.4) is None


def test_one_value_is_a_point_and_says_so():
    interval = mean_interval([0.7], "inits")
    assert interval.bounds == (0.7, 0.7) and math.isnan(interval.se) and not interval.has_spread
    assert interval.text == interval.basis == "one init; no interval"
    assert interval_verdict(*interval.bounds, above=0.5) is True  # PASS or FAIL, never INCONCLUSIVE
    assert interval_verdict(*interval.bounds, above=0.7) is False


def test_a_nan_value_makes_the_interval_nan_and_the_verdict_fail():
    """A failed run is kept, not dropped: judging only the seeds that worked would flatter."""
    interval = mean_interval([1.0, nan, 2.0])
    assert math.isnan(interval.low) and math.isnan(interval.high) and interval.n == 3
    assert interval_verdict(*interval.bounds, above=0.0) is False
    assert interval.text == "a NaN among the 3 seeds; no interval"
    empty = mean_interval([])
    assert empty.n == 0 and math.isnan(empty.low) and empty.text == "no seeds; no interval"
    assert interval_verdict(*empty.bounds, below=1.0) is False


def test_mean_interval_from_a_mean_and_its_standard_error():
    """FOCUS reads means and s.e. from its tables: the same interval and text as from values."""
    interval = MeanInterval.from_mean_se(1.0, 0.25, 3)
    assert interval.bounds == pytest.approx((1.0 - 4.303 * 0.25, 1.0 + 4.303 * 0.25), abs=1e-3)
    assert interval.what == "replicates"
    assert interval.text == "± 0.25 s.e. over 3 replicates; 95% t interval (mean ± 4.3 s.e.) = [-0.0757, 2.08]"
    from_values = mean_interval([1.0, 3.0])
    assert MeanInterval.from_mean_se(from_values.mean, from_values.se, 2, "seeds") == from_values
    # no spread to estimate (one replicate, or an s.e. that is NaN): the point itself
    assert MeanInterval.from_mean_se(1.0, 0.25, 1).bounds == (1.0, 1.0)
    assert MeanInterval.from_mean_se(1.0, nan, 3).bounds == (1.0, 1.0)
    assert MeanInterval.from_mean_se(1.0, nan, 3).text == "one replicate; no interval"
    assert MeanInterval.from_mean_se(np.float64(1.0), np.float32(0.5), np.int64(2)).bounds == pytest.approx(
        (1.0 - 0.5 * 12.706, 1.0 + 0.5 * 12.706), abs=1e-3
    )


def test_mean_interval_decides_through_interval_verdict():
    straddles = mean_interval([0.9, 1.1, 1.3])
    assert straddles.low < 1.0 < straddles.high and interval_verdict(*straddles.bounds, above=1.0) is None
    assert interval_verdict(*mean_interval([2.0, 2.1, 2.2]).bounds, above=1.0) is True
    assert interval_verdict(*mean_interval([0.0, 0.1, 0.2]).bounds, above=1.0) is False


def test_wilson_interval_by_hand():
    low, high = wilson_interval(4, 5)
    assert low == pytest.approx(0.3755, abs=1e-4) and high == pytest.approx(0.9638, abs=1e-4)
    assert wilson_interval(0, 5)[0] == 0 and wilson_interval(5, 5)[1] == 1  # clipped to [0, 1] ...
    assert wilson_interval(0, 5)[1] > 0 and wilson_interval(5, 5)[0] < 1  # ... but never a point
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    assert wilson_interval(4, 5, z=3.0)[0] < low  # a larger z, a wider interval


def test_all_hold_fails_on_any_failure_and_is_inconclusive_on_any_straddle():
    assert all_hold(True, True) is True
    assert all_hold(True, None) is None
    assert all_hold(None, False, True) is False
    assert all_hold(*(v for v in (True, None, None))) is None
    assert all_hold() is False  # nothing compared: not reproduced
    assert all_hold(np.bool_(False), True) is False and all_hold(np.bool_(True), True) is True
    assert _claim(passed=all_hold(True, None)).verdict == "INCONCLUSIVE"
