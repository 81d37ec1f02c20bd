"""The settings record (physlearn.settings): how a figure's settings differ from the paper's."""

from __future__ import annotations

from pathlib import Path

import yaml
from snakemake.utils import update_config, validate

from physlearn.settings import settings_differences, settings_record

REPO = Path(__file__).resolve().parents[1]


def test_every_differing_leaf_is_listed_and_run_only_keys_are_not():
    ours = {"algo": {"threads": 1, "mlp": {"seeds": 5, "epochs": {"lattice": 100, "genealogy": 7000}}, "eps": 1e-8}}
    paper = {"algo": {"threads": 4, "mlp": {"seeds": 20, "epochs": {"lattice": 7000, "genealogy": 7000}}, "eps": 1e-8}}
    assert settings_differences(ours, paper) == [
        {"key": "algo.mlp.epochs.lattice", "ours": 100, "paper": 7000},
        {"key": "algo.mlp.seeds", "ours": 5, "paper": 20},
    ]
    assert settings_differences({"a": [1, 2]}, {"a": [1, 2]}) == []
    assert settings_differences({"a": 1}, {"b": 1}) == [
        {"key": "a", "ours": 1, "paper": None},
        {"key": "b", "ours": None, "paper": 1},
    ]


def test_the_record_reads_the_steps_config_and_says_paper_settings_when_nothing_differs():
    cfg = {
        "seed": 0,
        "scale": "laptop",
        "harmonic_toy": {"steps": 10000, "seeds": 5},
        "dataset": "8x8 digits",
        "paper": {"harmonic_toy": {"steps": 10000, "seeds": 20}, "dataset": "MNIST"},
    }
    record = settings_record(cfg)
    assert record["summary"] == "dataset 8x8 digits (paper: MNIST), harmonic_toy.seeds 5 of 20"
    assert [d["key"] for d in record["differs"]] == ["dataset", "harmonic_toy.seeds"]
    same = dict(cfg, harmonic_toy={"steps": 10000, "seeds": 20}, dataset="MNIST")
    record = settings_record(same)
    assert (record["differs"], record["summary"]) == ([], "paper settings")
    assert record["config_hash"] == record["paper_hash"]
    assert settings_record(cfg)["config_hash"] != settings_record(cfg)["paper_hash"]
    assert settings_record({"scale": "laptop", "harmonic_toy": {}}) is None  # no paper slice given
    unset = {"gpt": {"train": {}}, "paper": {"gpt": {"train": {"grad_accum": 40}}}}
    assert settings_record(unset)["summary"] == "gpt.train.grad_accum unset (paper: 40)"
    lists = {"s": {"seeds": [0, 52]}, "paper": {"s": {"seeds": list(range(20))}}}
    assert settings_record(lists)["summary"] == "s.seeds 2 values of 20"
    many = {"s": {f"k{i:02d}": i for i in range(11)}, "paper": {"s": {f"k{i:02d}": i + 1 for i in range(11)}}}
    record = settings_record(many)
    assert len(record["differs"]) == 11
    assert record["summary"].startswith("s.k00 0 of 1, ") and record["summary"].endswith(
        "s.k07 7 of 8, and 3 more (the claims file lists them)"
    )


def test_the_record_hashes_what_a_run_computes_and_not_how_it_runs():
    """The hashes mark a paper-scale snapshot stale when the paper's settings change: a
    changed number changes them, a job's threads, GPUs or shards do not."""
    cfg = {"s": {"seeds": 5, "threads": 2}, "paper": {"s": {"seeds": 20, "threads": 8}}}
    record = settings_record(cfg)
    more_seeds = settings_record({**cfg, "paper": {"s": {"seeds": 30, "threads": 8}}})
    assert more_seeds["paper_hash"] != record["paper_hash"]
    assert more_seeds["config_hash"] == record["config_hash"]
    other_threads = settings_record({"s": {"seeds": 5, "threads": 1}, "paper": {"s": {"seeds": 20, "shards": 3}}})
    assert (other_threads["config_hash"], other_threads["paper_hash"]) == (record["config_hash"], record["paper_hash"])


def _leaves(d: dict, where: str = ""):
    for key, value in d.items():
        path = f"{where}.{key}" if where else str(key)
        if isinstance(value, dict) and value and not {"start", "stop", "num"} <= set(value):
            yield from _leaves(value, path)
        else:
            yield path, value


def _get(d: dict, path: str):
    for part in path.split("."):
        if not isinstance(d, dict) or part not in d:
            return KeyError
        d = d[part]
    return d


def test_no_laptop_value_leaks_into_the_paper_settings():
    """The paper's run is config.yaml overlaid by config/paper.yaml: a key that config.yaml
    sets away from its default and paper.yaml does not set again would run the paper's
    figures at a laptop value, and their settings record would not show it."""
    laptop = yaml.safe_load((REPO / "config.yaml").read_text())
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    defaults: dict = {}
    validate(defaults, str(REPO / "workflow/schemas/config.schema.yaml"))
    leaks = [
        f"{key}: {value!r}"
        for key, value in _leaves(laptop)
        if _get(paper, key) is KeyError and _get(defaults, key) != value
    ]
    assert leaks == []
    merged = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(merged, paper)
    assert {"harmonic_algorithmic.mlp.seeds", "scale"} <= {d["key"] for d in settings_differences(laptop, merged)}
