"""Checks of the config that a JSON schema cannot express. The schema
(workflow/schemas/config.schema.yaml) checks types, ranges and unknown keys first."""

from __future__ import annotations

from physlearn.focus.valley import ValleyScan


def _check_axes(section: dict, where: str) -> None:
    for key, value in section.items():
        if isinstance(value, dict) and "num" in value:
            if value.get("scale") == "log" and (value["start"] <= 0 or value["stop"] <= 0):
                raise ValueError(f"config key {where}.{key}: a log axis needs start and stop > 0")
        elif isinstance(value, dict):
            _check_axes(value, f"{where}.{key}")


def check_config(config: dict) -> None:
    """Raise ValueError naming the key of the first problem found."""
    valley = config["focus_valley"]
    _check_axes(valley, "focus_valley")
    for name in valley["scans"]:
        scan = ValleyScan.from_config(name, valley, config["seed"])
        if valley["shards"] > scan.n_chunks:
            raise ValueError(
                f"config key focus_valley.shards: {valley['shards']} shards for scan {name!r}, "
                f"which has only {scan.n_chunks} chunks of {valley['pixels_per_chunk']} pixels"
            )
