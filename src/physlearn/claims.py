"""The claims format: what each figure tests of its paper, and whether it held.

Every figure rule writes ``<figure>.claims.json``; docs/claims.md describes the format and
the report (``paper/``) reads it. One :class:`Claim` per statement of the paper that the
figure can test: the paper's value or expectation, our measured value, the criterion that
turned one into a verdict, and the verdict.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

PAPERS = ("focus", "harmonic", "skills")
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Claim:
    id: str  # stable, unique within the figure, e.g. "adam-wins-noiseless"
    claim: str  # the paper's statement, in words
    paper_value: str  # the paper's number, or its qualitative expectation
    ours: str  # our measured value, in words and numbers
    criterion: str  # the test that decides the verdict, with its tolerance
    passed: bool
    measured: dict = field(default_factory=dict)  # the raw numbers behind ``ours``

    def __post_init__(self):
        for name in ("id", "claim", "paper_value", "ours", "criterion"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"claim {self.id!r}: {name} is empty")
        if type(self.passed).__module__ == "numpy" and type(self.passed).__name__ in ("bool", "bool_"):
            # numpy's bool (np.bool_, named "bool" in numpy 2), from comparisons of arrays
            object.__setattr__(self, "passed", bool(self.passed))
        if not isinstance(self.passed, bool):
            raise TypeError(f"claim {self.id!r}: passed must be a bool, got {self.passed!r}")

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


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
) -> dict:
    """Write a figure's claims file and return what was written."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, got {paper!r}")
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{figure}: duplicate claim ids {ids}")
    if not claims:
        raise ValueError(f"{figure}: a figure needs at least one claim")
    doc = {
        "schema_version": SCHEMA_VERSION,
        "paper": paper,
        "figure": figure,
        "title": title,
        "scale": scale,
        "config": config,
        "files": files,
        "claims": [{**asdict(c), "verdict": c.verdict} for c in claims],
    }
    doc = _jsonable(doc)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def read_claims(path: Path | str) -> dict:
    doc = json.loads(Path(path).read_text())
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {doc.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    return doc
