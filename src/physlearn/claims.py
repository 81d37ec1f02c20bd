"""The claims format: what each figure tests of its paper, and whether it held.

Every figure rule writes ``<figure>.claims.json``; docs/claims.md describes the format and
the report (``paper/``) reads it. One :class:`Claim` per statement of the paper that the
figure can test: the paper's value or expectation, our measured value with its uncertainty,
the criterion that turned one into a verdict, and the verdict. A verdict is PASS, FAIL or
INCONCLUSIVE: a measurement whose uncertainty interval straddles the criterion neither
confirms nor refutes the paper, and calling it either would overstate what a small run shows
(:func:`interval_verdict` decides such criteria). The figure may also record how its
settings differ from the paper's, so that a FAIL at reduced settings reads as such.

The intervals that feed :func:`interval_verdict` are built here too, once for all papers:
:class:`MeanInterval` (the 95% t interval of a mean over seeds: mean ± t s.e.),
:func:`wilson_interval` (a share of successes), and :func:`all_hold` joins the verdicts of a
claim's parts into one. :func:`se_multiple` is the one place that turns an s.e. into a 95%
interval, for the figures that estimate an s.e. themselves (a fitted slope, a paired
difference).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PAPERS = ("focus", "harmonic", "skills", "fractal")
VERDICTS = ("PASS", "FAIL", "INCONCLUSIVE")
SCHEMA_VERSION = 2
SETTINGS_KEYS = ("differs", "summary")


def verdict_of(passed: bool | None) -> str:
    """The verdict that ``passed`` stands for: True PASS, False FAIL, None INCONCLUSIVE."""
    if passed is None:
        return "INCONCLUSIVE"
    return "PASS" if passed else "FAIL"


@dataclass(frozen=True)
class Claim:
    id: str  # stable, unique within the figure, e.g. "adam-wins-noiseless"
    claim: str  # the paper's statement, in words
    paper_value: str  # the paper's number, or its qualitative expectation
    ours: str  # our measured value, in words and numbers
    criterion: str  # the test that decides the verdict, with its tolerance (and the interval it uses)
    passed: bool | None  # None: INCONCLUSIVE, our uncertainty interval straddles the criterion
    measured: dict = field(default_factory=dict)  # the raw numbers behind ``ours``
    # The uncertainty of ``ours`` in words, e.g. "± 0.8 s.e. over 5 seeds" or "95% bootstrap
    # interval [0.71, 0.93]"; empty where the figure has none (a single deterministic run).
    # Last, so that the figure steps' existing positional and keyword calls keep working.
    uncertainty: str = ""

    def __post_init__(self):
        for name in ("id", "claim", "paper_value", "ours", "criterion"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"claim {self.id!r}: {name} is empty")
        if type(self.passed).__module__ == "numpy" and type(self.passed).__name__ in ("bool", "bool_"):
            # numpy's bool (np.bool_, named "bool" in numpy 2), from comparisons of arrays
            object.__setattr__(self, "passed", bool(self.passed))
        if self.passed is not None and not isinstance(self.passed, bool):
            raise TypeError(f"claim {self.id!r}: passed must be a bool or None, got {self.passed!r}")
        if not isinstance(self.uncertainty, str):
            raise TypeError(f"claim {self.id!r}: uncertainty must be a str, got {self.uncertainty!r}")

    @property
    def verdict(self) -> str:
        return verdict_of(self.passed)

    def as_dict(self) -> dict:
        """The claim as the file holds it: the uncertainty beside ``ours``, the verdict beside
        ``passed``, the raw numbers last (they can be long)."""
        return {
            "id": self.id,
            "claim": self.claim,
            "paper_value": self.paper_value,
            "ours": self.ours,
            "uncertainty": self.uncertainty,
            "criterion": self.criterion,
            "passed": self.passed,
            "verdict": self.verdict,
            "measured": self.measured,
        }


def interval_verdict(
    low: float, high: float, *, above: float | None = None, below: float | None = None, strict: bool = True
) -> bool | None:
    """Decide a criterion "x > above" and/or "x < below" for a measurement known only to lie
    in the interval [low, high] (a confidence or bootstrap interval, mean ± k s.e., the range
    over seeds).

    True when the whole interval lies in the accepted region, False when it lies wholly
    outside it, None (INCONCLUSIVE) when it straddles a bound. ``strict`` makes the bounds
    themselves rejected (x > above, x < below); ``strict=False`` accepts them (x >= above,
    x <= below). So a point interval (low == high) is never inconclusive, and an interval
    that touches a bound from outside is False under ``strict`` but straddles without it.

    A NaN end (a run that diverged, too few seeds for an interval) gives False: we have no
    measurement, and the scoreboard counts that as the paper's claim not reproduced, as the
    figure steps do with non-finite numbers. Infinite ends are ordinary numbers here.

    Raises ValueError without a bound, for a NaN bound, for low > high, or for an empty
    accepted region (above >= below under ``strict``, above > below without).
    """
    if above is None and below is None:
        raise ValueError("interval_verdict needs a bound: above, below or both")
    for name, bound in (("above", above), ("below", below)):
        if bound is not None and math.isnan(bound):
            raise ValueError(f"interval_verdict: {name} is NaN")
    if above is not None and below is not None and (above >= below if strict else above > below):
        op = "<" if strict else "<="
        raise ValueError(f"interval_verdict: no x satisfies {above} {op} x {op} {below}")
    low, high = float(low), float(high)
    if math.isnan(low) or math.isnan(high):
        return False
    if low > high:
        raise ValueError(f"interval_verdict: low {low} > high {high}")
    inside, outside = True, False
    if above is not None:
        inside &= low > above if strict else low >= above
        outside |= high <= above if strict else high < above
    if below is not None:
        inside &= high < below if strict else high <= below
        outside |= low >= below if strict else low > below
    if inside:
        return True
    if outside:
        return False
    return None


CONFIDENCE = 0.95  # every interval on a mean or a fitted value is a 95% one, fixed before any number was seen


def se_multiple(dof) -> float:
    """How many standard errors make a two-sided 95% interval when the s.e. itself was
    estimated with ``dof`` degrees of freedom (n - 1 for a mean of n values, n - 2 for an OLS
    slope through n points): Student's t quantile, 12.7 at 1, 4.30 at 2, 2.78 at 4, 2.26 at 9,
    tending to 1.96. A flat 2 s.e. would cover a mean of 3 normal values 82% of the time, of 5
    88% (docs/claims.md); the seed counts here are that small. NaN for dof < 1 (no spread to
    estimate); an infinite ``dof`` (a known s.e.) gives the normal quantile."""
    dof = float(dof)
    if math.isnan(dof) or dof < 1:
        return math.nan
    return _t_quantile(dof)


@functools.lru_cache(maxsize=1024)  # a figure's thousands of intervals share a few quantiles
def _t_quantile(dof: float) -> float:
    # scipy.special, not scipy.stats: every figure step imports this module, and stats takes 1 s
    from scipy.special import ndtri, stdtrit

    q = 0.5 + CONFIDENCE / 2
    return float(ndtri(q) if math.isinf(dof) else stdtrit(dof, q))


def t_interval(value: float, se: float, dof) -> tuple[float, float]:
    """value ± se_multiple(dof) s.e.: the 95% interval of a value with an estimated s.e.; the
    point itself where there is no finite s.e. or too few degrees of freedom."""
    k = se_multiple(dof)
    if not (np.isfinite(se) and np.isfinite(k)):
        return float(value), float(value)
    return float(value - k * se), float(value + k * se)


def _singular(what: str) -> str:
    return what[:-1] if what.endswith("s") else what


def welch_dof(ses, dofs) -> float:
    """The degrees of freedom of a sum or difference of independent estimates, with standard
    errors ``ses`` estimated with ``dofs`` each (Welch-Satterthwaite), for its t interval.
    NaN where an s.e. is NaN, every s.e. is 0, or a part with spread has no degree of freedom
    (one seed: its s.e. was not estimated)."""
    ses, dofs = np.asarray(ses, dtype=float), np.asarray(dofs, dtype=float)
    var = ses**2
    spread = var > 0
    if not np.isfinite(var).all() or not spread.any() or (dofs[spread] < 1).any():
        return math.nan
    return float(var.sum() ** 2 / (var[spread] ** 2 / dofs[spread]).sum())


@dataclass(frozen=True)
class MeanInterval:
    """A mean with its standard error over ``n`` independent values (seeds, replicates,
    inits: ``what``), and the 95% t interval mean ± t s.e. that the claims judge it by (t:
    :func:`se_multiple` at n - 1 degrees of freedom, 2.78 for 5 seeds).

    One rule for every paper, so that the same spread of seeds gives the same verdict and the
    same ``uncertainty`` wording in every figure. With a single value (or a NaN s.e., i.e. no
    spread to estimate) the interval is the point itself: :func:`interval_verdict` then says
    PASS or FAIL on the value, never INCONCLUSIVE, and :attr:`text` says that there is no
    interval. A NaN mean (a failed run among the values) makes the interval NaN, which
    :func:`interval_verdict` reads as FAIL.
    """

    mean: float
    se: float  # NaN with a single value: no spread to estimate
    n: int
    what: str = "seeds"  # what the values were drawn over, plural: "seeds", "replicates", "inits"

    @classmethod
    def from_mean_se(cls, mean: float, se: float, n: int, what: str = "replicates") -> MeanInterval:
        """From a mean and its standard error computed elsewhere (FOCUS reads both from its
        tables, or propagates them through a difference or a ratio) over ``n`` values."""
        return cls(float(mean), float(se), int(n), what)

    @property
    def has_spread(self) -> bool:
        """Whether there is an interval at all: two values or more, and a standard error."""
        return self.n >= 2 and not math.isnan(self.se)

    @property
    def multiple(self) -> float:
        """The s.e. multiple of the interval: Student's t at n - 1 degrees of freedom."""
        return se_multiple(self.n - 1)

    @property
    def low(self) -> float:
        return self.mean - self.multiple * self.se if self.has_spread else self.mean

    @property
    def high(self) -> float:
        return self.mean + self.multiple * self.se if self.has_spread else self.mean

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high), to pass on as ``interval_verdict(*interval.bounds, ...)``."""
        return self.low, self.high

    @property
    def basis(self) -> str:
        """What the interval stands on, for texts that list several intervals' ends
        themselves: "mean ± 2.78 s.e. (95% t) over 5 seeds", or "one seed; no interval"."""
        if not self.has_spread:
            return self.text
        return f"mean ± {self.multiple:.3g} s.e. (95% t) over {self.n} {self.what}"

    @property
    def text(self) -> str:
        """The ``uncertainty`` field of a claim on this mean."""
        if self.n == 0:
            return f"no {self.what}; no interval"
        if math.isnan(self.mean):
            return f"a NaN among the {self.n} {self.what}; no interval"
        if not self.has_spread:
            return f"one {_singular(self.what)}; no interval"
        return (
            f"± {self.se:.3g} s.e. over {self.n} {self.what}; 95% t interval (mean ± {self.multiple:.3g} s.e.) = "
            f"[{self.low:.3g}, {self.high:.3g}]"
        )

    def as_dict(self) -> dict:
        """The numbers, for a claim's ``measured``."""
        return {"mean": self.mean, "se": self.se, "low": self.low, "high": self.high, "n": self.n}


def mean_interval(values, what: str = "seeds") -> MeanInterval:
    """The 95% t interval of the mean of ``values`` (one per seed): the standard error is the sample standard
    deviation (ddof 1, unbiased for a handful of seeds) over sqrt(n). A NaN among the values
    (a failed run) is kept, not dropped: dropping it would judge the seeds that happened to
    work, so the mean and the interval become NaN, a FAIL. No values: n 0, all NaN."""
    values = np.asarray(values, dtype=float).ravel()
    n = len(values)
    if n == 0:
        return MeanInterval(math.nan, math.nan, 0, what)
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return MeanInterval(mean, se, n, what)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% at z 1.96) of a share of ``successes`` in ``n``, for
    claims about a count ("most seeds reach it"). Unlike a mean ± t s.e. of 0/1 values it stays
    inside [0, 1] and does not shrink to a point at 0 of n or n of n, where a few seeds say
    little. (NaN, NaN) for n 0: nothing was counted."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def all_hold(*parts: bool | None) -> bool | None:
    """One verdict for a claim whose parts must all hold (every batch size, both models, each
    optimizer): False if any part fails, since one refuted part refutes the whole; else None
    (INCONCLUSIVE) if any part straddles its bound; else True.

    No parts at all gives False, not True: a claim of which nothing could be compared (no
    shared setting, no run) has not been reproduced, as :func:`interval_verdict` treats a NaN.
    numpy's bools (from comparing arrays) count as the bools they stand for.
    """
    parts = tuple(None if p is None else bool(p) for p in parts)
    if not parts or any(p is False for p in parts):
        return False
    if any(p is None for p in parts):
        return None
    return True


def settings_problems(settings) -> list[str]:
    """What is wrong with a settings record (empty: fine). The record says how the figure's
    settings differ from the paper's: ``{"differs": [{"key": ..., "ours": ..., "paper": ...}],
    "summary": "..."}``, an empty ``differs`` meaning the paper's settings. Shared by the
    writer and the scoreboard, so a record the writer refuses cannot reach the report."""
    if not isinstance(settings, dict):
        return [f"settings must be a dict, got {type(settings).__name__}"]
    problems = [f"settings has no {key!r}" for key in SETTINGS_KEYS if key not in settings]
    if "differs" in settings and not isinstance(settings["differs"], list):
        problems.append(f"settings.differs must be a list, got {type(settings['differs']).__name__}")
    elif "differs" in settings:
        for n, entry in enumerate(settings["differs"]):
            if not (isinstance(entry, dict) and {"key", "ours", "paper"} <= set(entry)):
                problems.append(f"settings.differs[{n}] must be a dict with 'key', 'ours' and 'paper', got {entry!r}")
    if "summary" in settings and not (isinstance(settings["summary"], str) and settings["summary"].strip()):
        problems.append(f"settings.summary must be a non-empty str, got {settings['summary']!r}")
    return problems


def _jsonable(value):
    """Floats that JSON can hold: NaN and inf become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # numpy arrays
        return _jsonable(value.tolist())
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


def write_claims(
    path: Path | str,
    *,
    paper: str,
    figure: str,
    title: str,
    scale: str,
    config: dict,
    claims: list[Claim],
    files: dict[str, str],
    settings: dict | None = None,
    provenance: dict | None = None,
) -> dict:
    """Write a figure's claims file and return what was written.

    ``settings``: how the figure's settings differ from the paper's (see
    :func:`settings_problems`), stored as is under ``"settings"``; ``provenance``: where the
    figure came from (commit, code hash, machine: :func:`physlearn.provenance.provenance`),
    under ``"provenance"``. None leaves either out.
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, got {paper!r}")
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{figure}: duplicate claim ids {ids}")
    if not claims:
        raise ValueError(f"{figure}: a figure needs at least one claim")
    if settings is not None and (problems := settings_problems(settings)):
        raise ValueError(f"{figure}: " + "; ".join(problems))
    doc = {
        "schema_version": SCHEMA_VERSION,
        "paper": paper,
        "figure": figure,
        "title": title,
        "scale": scale,
        "config": config,
        **({"settings": settings} if settings is not None else {}),
        **({"provenance": provenance} if provenance is not None else {}),
        "files": files,
        "claims": [c.as_dict() for c in claims],
    }
    doc = _jsonable(doc)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def read_claims(path: Path | str) -> dict:
    """A claims file, of this schema version only: the workflow rewrites every file, so an
    older one is a stale output, not something to convert."""
    doc = json.loads(Path(path).read_text())
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {doc.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    return doc
