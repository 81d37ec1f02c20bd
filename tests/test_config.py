"""The config checks that run before any job starts (physlearn.config): the schema's errors
name every bad key, and the checks a schema cannot express name theirs."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from physlearn.config import check_config, schema_errors

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _config(path: Path | None = None, **sections) -> dict:
    config = yaml.safe_load(path.read_text()) if path else {}
    for name, changes in sections.items():
        config.setdefault(name, {}).update(copy.deepcopy(changes))
    validate(config, str(SCHEMA), set_default=True)
    return config


@pytest.mark.parametrize("path", ["tests/data/tiny.yaml", "config.yaml", "config/paper.yaml"])
def test_shipped_configs_pass(path):
    check_config(_config(REPO / path))


def test_defaults_pass():
    check_config(_config())


LOG_ZERO = {"start": 0.0, "stop": 1.0, "num": 3, "scale": "log"}


@pytest.mark.parametrize(
    "sections, key",
    [
        ({"focus_valley": dict(lr=LOG_ZERO)}, "focus_valley.lr"),
        ({"focus_valley": dict(sigma={"start": -1.0, "stop": 3.0, "num": 3, "scale": "log"})}, "focus_valley.sigma"),
        (
            {
                "focus_valley": dict(
                    scans={"sharpness": {"sharpness": {"start": 0.1, "stop": -10.0, "num": 3, "scale": "log"}}}
                )
            },
            "focus_valley.scans.sharpness.sharpness",
        ),
        (
            {
                "focus_valley": dict(
                    scans={"weight_decay": {"weight_decay": {"start": 0.0, "stop": 0.5, "num": 3, "scale": "log"}}}
                )
            },
            "focus_valley.scans.weight_decay.weight_decay",
        ),
        (
            {
                "focus_valley": dict(
                    shards=10,
                    pixels_per_chunk=64,
                    sigma={"start": 0.0, "stop": 3.0, "num": 4},
                    scans={"sharpness": {"sharpness": {"start": 1.0, "stop": 10.0, "num": 2, "scale": "log"}}},
                )
            },
            "focus_valley.shards",
        ),
        (
            {"focus_valley": dict(scans={"weight_decay": {"sharpness": {"start": 1.0, "stop": 10.0, "num": 2}}})},
            "focus_valley.scans.weight_decay",
        ),
        # log axes outside the valley, and seed lists, are checked the same way
        ({"skills_resource": dict(n0={"start": -1e-4, "stop": 1.0, "num": 5, "scale": "log"})}, "skills_resource.n0"),
        ({"focus_mnist": dict(lr=LOG_ZERO)}, "focus_mnist.lr"),
        ({"harmonic_algorithmic": dict(seeds=[0, 52, 0, 105, 52])}, "harmonic_algorithmic.seeds"),
    ],
)
def test_config_errors_name_the_key(sections, key):
    with pytest.raises(ValueError, match=re.escape(key) + ":"):
        check_config(_config(**sections))


def test_repeated_seeds_are_named():
    with pytest.raises(ValueError, match=r"seeds \[0, 52\] appear more than once"):
        check_config(_config(harmonic_algorithmic=dict(seeds=[0, 52, 0, 105, 52])))


def test_linear_axis_may_start_at_zero():
    check_config(_config(focus_valley=dict(sigma={"start": 0.0, "stop": 3.0, "num": 4, "scale": "linear"})))


@pytest.mark.parametrize(
    "config, keys",
    [
        ({}, []),
        ({"focus_valley": {"stepz": 3}}, ["focus_valley"]),  # unknown key: its parent, with the name
        ({"focus_valley": {"lr": "fast"}}, ["focus_valley.lr"]),
        ({"focus_valley": {"lr": {"start": 1, "stop": 2}}}, ["focus_valley.lr"]),
        (
            {"seed": -1, "focus_valley": {"optimizers": {"focus": {"gamma": -1}}, "steps": 0}},
            ["focus_valley.optimizers.focus.gamma", "focus_valley.steps", "seed"],
        ),  # all of them at once
    ],
)
def test_schema_errors_name_every_bad_key(config, keys):
    errors = schema_errors(config, SCHEMA)
    assert [e.split(":")[0] for e in errors] == [f"config key {k}" for k in keys]
    if config.get("focus_valley", {}).get("stepz"):
        assert "stepz" in errors[0]
