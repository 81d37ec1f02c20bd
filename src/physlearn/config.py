"""Checks of the config that a JSON schema cannot express. The schema
(workflow/schemas/config.schema.yaml) checks types, ranges and unknown keys first."""

from __future__ import annotations

from pathlib import Path

from physlearn.focus.valley.sweep import ValleyScan


def _check_grids(value, where: str) -> None:
    """Every log-scale axis has start and stop > 0, and no seed list repeats a seed (a
    repeated seed is the same run twice, counted as two replicates), anywhere in the config."""
    if isinstance(value, dict):
        if "num" in value and value.get("scale") == "log" and (value["start"] <= 0 or value["stop"] <= 0):
            raise ValueError(
                f"config key {where}: a log axis needs start and stop > 0, got "
                f"start {value['start']}, stop {value['stop']}"
            )
        for key, item in value.items():
            _check_grids(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list) and where.rsplit(".", 1)[-1] == "seeds":
        repeated = sorted({s for s in value if value.count(s) > 1})
        if repeated:
            raise ValueError(f"config key {where}: seeds {repeated} appear more than once")


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
    _check_grids(config, "")
    valley = config["focus_valley"]
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
