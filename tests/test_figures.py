"""The registry of figures (physlearn.figures): each row points at code, a rule and a caption
that exist, and the layout it describes holds (one experiment, one folder and one rule file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from physlearn import figures
from physlearn.sources import module_file

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "workflow" / "rules"


def test_names_are_unique_and_labels_unique_within_a_paper():
    names = [f.name for f in figures.FIGURES]
    assert len(set(names)) == len(names)
    for paper in figures.PAPER_TITLES:
        labels = [f.label for f in figures.of(paper)]
        assert len(set(labels)) == len(labels), paper


@pytest.mark.parametrize("row", figures.FIGURES, ids=lambda f: f.name)
def test_every_row_has_its_step_rule_and_caption(row: figures.Figure):
    assert module_file(row.step) is not None, f"{row.name}: no module {row.step}"
    assert (REPO / "src" / "physlearn" / row.paper / row.experiment).is_dir()
    assert (REPO / "workflow" / "report" / row.caption).is_file(), row.caption
    rules = (RULES / f"{row.paper}_{row.experiment}.smk").read_text()
    assert f"python -m {row.step} " in rules, f"{row.name}: its rule file does not run {row.step}"
    # the rule declares the figure's outputs through figure_outputs(), by name or pattern
    patterns = re.findall(r'figure_outputs\(\s*"([^"]+)"', rules)
    assert any(re.fullmatch(re.sub(r"\\\{\w+\\\}", ".+", re.escape(p)), row.name) for p in patterns), row.name


def test_every_experiment_has_a_folder_and_a_rule_file():
    for paper, experiment in figures.EXPERIMENTS:
        assert (REPO / "src" / "physlearn" / paper / experiment / "__init__.py").is_file()
        assert (RULES / f"{paper}_{experiment}.smk").is_file()
    shared = {"common", "data", "gpt", "report"}
    for rule_file in RULES.glob("*.smk"):
        stem = rule_file.name.removesuffix(".smk").removesuffix(".functions")
        if stem not in shared:
            paper, _, experiment = stem.partition("_")
            assert (paper, experiment) in figures.EXPERIMENTS, f"{rule_file.name} is no experiment"


def test_sections_follow_the_papers_headings_and_figure_numbers():
    assert figures.sections("skills") == {
        "parity": ["Fig. 2"],
        "geometry": ["Fig. 4", "Fig. 5", "Fig. 10", "Fig. 12", "Fig. 15", "Fig. 18"],
        "resource": ["Fig. 6", "Fig. 7", "Fig. 8", "Fig. 16", "Fig. 17"],
        "domino": ["Fig. 9", "Fig. 13", "Fig. 19"],
    }
    assert figures.sections("focus")["valley"] == [
        "Fig. 2a",
        "Fig. 2a (appendix pairs)",
        "Fig. 2b",
        "Fig. 2b (appendix pairs)",
    ]


def test_targets_are_four_files_per_figure():
    row = figures.get("geometry_scaling")
    assert row.targets == [f"results/figures/skills/geometry_scaling.{e}" for e in ("pdf", "png", "csv", "claims.json")]
    assert len(figures.all_targets()) == 4 * len(figures.FIGURES)
    with pytest.raises(KeyError, match="no figure named 'geometry_scalin'"):
        figures.get("geometry_scalin")


def test_common_smk_stays_small():
    """Input functions live beside their rules; common.smk keeps what every rule file uses."""
    assert len((RULES / "common.smk").read_text().splitlines()) <= 200


def test_no_package_folder_holds_more_than_15_modules():
    for folder in (REPO / "src" / "physlearn").rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__":
            modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
            assert len(modules) <= 15, f"{folder}: {len(modules)} modules"
