"""Checks of the config that a JSON schema cannot express. The schema
(workflow/schemas/config.schema.yaml) checks types, ranges and unknown keys first."""

from __future__ import annotations

from pathlib import Path

from physlearn.focus.valley.sweep import ValleyScan


def _check_axes(section: dict, where: str) -> None:
    for key, value in section.items():
        if isinstance(value, dict) and "num" in value:
            if value.get("scale") == "log" and (value["start"] <= 0 or value["stop"] <= 0):
                raise ValueError(f"config key {where}.{key}: a log axis needs start and stop > 0")
        elif isinstance(value, dict):
            _check_axes(value, f"{where}.{key}")


def schema_errors(config: dict, schema_path: Path | str) -> list[str]:
    """Every schema violation of ``config``, one line each, naming the key.

    Run before snakemake's ``validate`` (which fills in the defaults): it reports all
    problems at once, and a value of the wrong kind for a grid axis (a string, say) would
    otherwise crash its default filling instead of naming the key.
    """
    import yaml
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    schema = yaml.safe_load(Path(schema_path).read_text())
    messages = []
    for error in sorted(Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path)):
        if error.context:  # of several allowed forms, skip "is not of type" from those the value plainly isn't
            error = best_match([e for e in error.context if e.validator != "type"] or error.context)
        key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        messages.append(f"config key {key}: {error.message}")
    return messages


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
    from physlearn.focus.mnist.scan import check_scan_config

    check_scan_config(config["focus_mnist"])
    from physlearn.gpt.runs import check_focus_panels, check_runs

    check_runs(config)
    check_focus_panels(config)
