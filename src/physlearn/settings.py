"""How a figure's settings differ from the paper's: the settings record of its claims.

The workflow gives each figure step its slice of the config and, under ``"paper"``, the same
slice of the settings ``--configfile config/paper.yaml`` runs with (workflow/rules/common.smk,
``step_config(..., paper=True)``). :func:`settings_record` lists every setting that differs,
so that a verdict says how far from the paper's settings it was measured ("mlp.seeds 5 of
20"), and a figure with no difference is at the paper's settings.
"""

from __future__ import annotations

# Keys that decide how a job runs, not what it computes: never a difference from the paper.
NO_EFFECT_KEYS = frozenset({"threads", "gpu", "shards", "pixels_per_chunk", "checkpoint_interval"})


def settings_differences(ours, paper, where: str = "") -> list[dict]:
    """Every setting (a leaf of the nested dicts; a list is one setting) where ``ours``
    differs from ``paper``, as ``{"key", "ours", "paper"}`` rows in key order. A key on one
    side only is a difference (its value on the other side None)."""
    if isinstance(ours, dict) and isinstance(paper, dict):
        rows = []
        for key in sorted(set(ours) | set(paper), key=str):
            if key in NO_EFFECT_KEYS:
                continue
            rows += settings_differences(ours.get(key), paper.get(key), f"{where}.{key}" if where else str(key))
        return rows
    return [] if ours == paper else [{"key": where, "ours": ours, "paper": paper}]


def _describe(row: dict) -> str:
    ours, paper, key = row["ours"], row["paper"], row["key"]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (ours, paper))
    if numbers:
        return f"{key} {ours:g} of {paper:g}"
    if isinstance(ours, list) and isinstance(paper, list) and len(ours) != len(paper):
        return f"{key} {len(ours)} values of {len(paper)}"
    return f"{key} {_value(ours)} (paper: {_value(paper)})"


def _value(value) -> str:
    return "unset" if value is None else str(value)


def effective(settings):
    """The settings less the keys that decide only how a job runs (NO_EFFECT_KEYS), at any depth."""
    if isinstance(settings, dict):
        return {k: effective(v) for k, v in settings.items() if k not in NO_EFFECT_KEYS}
    return settings


def settings_record(step_config: dict) -> dict | None:
    """How a figure's settings differ from the paper's, from its step's config: the slice
    the step ran with, and the same slice of the paper's settings under ``"paper"`` (the
    workflow passes it to figure steps). ``{"differs": rows, "summary": words, "config_hash",
    "paper_hash"}``; the summary is "paper settings" when nothing differs. The hashes (of the
    slice ours ran with, and of the paper's) let a paper-scale snapshot tell when the paper's
    settings for a figure changed since it was made. None when the config has no ``"paper"``."""
    from physlearn.provenance import json_hash

    paper = step_config.get("paper")
    if paper is None:
        return None
    ours = {k: step_config.get(k) for k in paper}
    differs = settings_differences(ours, paper)
    return {
        "differs": differs,
        "summary": summary(differs),
        "config_hash": json_hash(effective(ours)),
        "paper_hash": json_hash(effective(paper)),
    }


SUMMARY_ITEMS = 8  # a scoreboard caption stays readable; the claims file lists every difference


def summary(differs: list[dict]) -> str:
    """The differences in words, at most SUMMARY_ITEMS of them and a count of the rest."""
    if not differs:
        return "paper settings"
    words = ", ".join(map(_describe, differs[:SUMMARY_ITEMS]))
    rest = len(differs) - SUMMARY_ITEMS
    return words + (f", and {rest} more (the claims file lists them)" if rest > 0 else "")
