"""The GPT runs the workflow trains, from the config (workflow/rules/gpt.smk).

Each experiment that trains GPTs (``focus_gpt``, FOCUS Fig. 3; ``harmonic_gpt``, harmonic
Fig. 6) names its runs under ``<experiment>_gpt.runs``. A run's trainer settings
(:class:`physlearn.gpt.train.TrainConfig`) are, merged in this order, later winning:

1. ``gpt.train``: what every run shares (model size, batch, evaluation, checkpoints);
2. ``<experiment>_gpt.train``: what the experiment's runs share (e.g. the schedule);
3. ``<experiment>_gpt.runs.<run>``: the run itself (optimizer, learning rate...).

Nested mappings (``model``) merge key by key. The workflow adds the token folder, the root
seed, the device and the threads.
"""

from __future__ import annotations

import copy

EXPERIMENTS = ("focus", "harmonic")


def deep_merge(base: dict, override: dict) -> dict:
    """``base`` updated by ``override``, nested dicts merged key by key (inputs unchanged)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def run_names(config: dict, experiment: str) -> list[str]:
    return list(config[f"{experiment}_gpt"]["runs"])


def run_settings(config: dict, experiment: str, run: str, data_dir: str = "") -> dict:
    """The trainer config of one run (a dict for TrainConfig.from_dict)."""
    section = config[f"{experiment}_gpt"]
    if run not in section["runs"]:
        raise KeyError(f"config key {experiment}_gpt.runs has no run {run!r}; it has {sorted(section['runs'])}")
    settings = deep_merge(deep_merge(config["gpt"]["train"], section["train"]), section["runs"][run])
    settings.setdefault("seed", config["seed"])
    settings.setdefault("device", config["device"])
    settings["threads"] = config["gpt"]["threads"]
    settings["data_dir"] = data_dir
    return settings


def check_runs(config: dict) -> None:
    """Raise ValueError naming the config key of the first run the trainer would refuse."""
    from physlearn.gpt.train import TrainConfig

    for experiment in EXPERIMENTS:
        for run in run_names(config, experiment):
            try:
                TrainConfig.from_dict(run_settings(config, experiment, run, data_dir="."))
            except (TypeError, ValueError) as error:
                raise ValueError(f"config key {experiment}_gpt.runs.{run}: {error}") from None


def check_focus_panels(config: dict) -> None:
    """Fig. 3's panels must name runs of focus_gpt.runs (an Adam run and the FOCUS run at
    least), so a typo stops the workflow before training, not after."""
    section = config["focus_gpt"]
    if not section["runs"]:
        return
    panels = section["panels"]
    if not panels["adam"] or not panels["focus"]:
        raise ValueError("config key focus_gpt.panels: name the Adam runs (adam) and the FOCUS run (focus)")
    for key in ("adam", "signum", "focus", "schedules"):
        names = panels[key] if isinstance(panels[key], list) else [panels[key]]
        missing = [n for n in names if n not in section["runs"]]
        if missing:
            raise ValueError(
                f"config key focus_gpt.panels.{key}: {missing} not in focus_gpt.runs ({sorted(section['runs'])})"
            )
