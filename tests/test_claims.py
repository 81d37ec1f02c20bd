"""The claims format (physlearn.claims): what a figure's claims file holds, and what it refuses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from physlearn.claims import Claim, read_claims, write_claims

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
    claims = [_claim(measured=measured), _claim(id="signum-wins-noisy", passed=False)]
    path = tmp_path / "sub" / "fig2a.claims.json"
    doc = _write(path, claims)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)  # strict JSON
    back = read_claims(path)
    assert back == doc
    assert back["schema_version"] == 1 and back["paper"] == "focus" and back["figure"] == "fig2a"
    first, second = back["claims"]
    assert first["verdict"] == "PASS" and second["verdict"] == "FAIL"
    assert first["passed"] is True and second["passed"] is False
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
    assert claims[0].verdict == "PASS" and claims[1].verdict == "FAIL"


@pytest.mark.parametrize("field", ["id", "claim", "paper_value", "ours", "criterion"])
@pytest.mark.parametrize("value", ["", "   "])
def test_claim_fields_must_not_be_empty(field, value):
    with pytest.raises(ValueError, match=rf"{field} is empty"):
        _claim(**{field: value})


@pytest.mark.parametrize("passed", [1, 0, "True", None, 1.0])
def test_claim_passed_must_be_a_bool(passed):
    with pytest.raises(TypeError, match="passed must be a bool"):
        _claim(passed=passed)


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


def test_read_claims_checks_the_schema_version(tmp_path):
    path = tmp_path / "old.claims.json"
    path.write_text(json.dumps({"schema_version": 0, "claims": []}))
    with pytest.raises(ValueError, match="schema_version 0"):
        read_claims(path)


def test_numpy_arrays_in_measured(tmp_path):
    doc = _write(tmp_path / "a.json", [_claim(measured={"curve": np.array([1.0, np.nan, 3.0])})])
    assert doc["claims"][0]["measured"]["curve"] == [1.0, None, 3.0]


def test_claim_accepts_numpy_bools_as_python_bools():
    import numpy as np

    from physlearn.claims import Claim

    for value, expected in ((np.float64(2.0) > 1.0, True), (np.array([1]) > 2, None)):
        if expected is None:
            with pytest.raises(TypeError):
                Claim(id="x", claim="c", paper_value="p", ours="o", criterion="k", passed=value)
        else:
            claim = Claim(id="x", claim="c", paper_value="p", ours="o", criterion="k", passed=value)
            assert claim.passed is True and type(claim.passed) is bool
