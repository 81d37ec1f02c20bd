"""The step command line (physlearn.step) and the writing of a figure's outputs
(physlearn.figures.write_figure): what every workflow step shares."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

from physlearn import figures, provenance, step
from physlearn.claims import Claim, read_claims


def _argv(tmp_path: Path, config: dict, *extra: str) -> list[str]:
    files = [f"--{name}={tmp_path / ('out.' + name)}" for name in step.FIGURE_FILES]
    return ["--config", json.dumps(config), *files, *extra]


def test_parse_reads_the_config_sets_threads_and_adds_the_steps_own_options(tmp_path: Path):
    before = torch.get_num_threads()
    try:
        args, cfg = step.parse(
            "doc",
            section="skills_resource",
            inputs=("fits",),
            extra=lambda ap: ap.add_argument("--study", choices=["a", "b"], required=True),
            argv=_argv(tmp_path, {"scale": "laptop", "skills_resource": {"threads": 1}}, "--fits=f.csv", "--study=b"),
        )
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert cfg["skills_resource"] == {"threads": 1} and args.study == "b"
    assert args.fits == Path("f.csv") and args.claims == tmp_path / "out.claims"


def test_parse_refuses_a_missing_output(tmp_path: Path):
    with pytest.raises(SystemExit):
        step.parse("doc", argv=["--config", "{}", "--pdf", "a.pdf"])


def test_write_figure_writes_four_files_under_the_rows_paper_label_and_title(tmp_path: Path):
    args, cfg = step.parse("doc", argv=_argv(tmp_path, {"scale": "laptop"}))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    claim = Claim(id="c", claim="x", paper_value="1", ours="1", criterion="= 1", passed=True)
    figures.write_figure(
        args, cfg, "geometry_scaling", fig=fig, table=pd.DataFrame({"a": [1.0 / 3]}), claims=[claim], config={"n": 1}
    )
    doc = read_claims(args.claims)
    row = figures.get("geometry_scaling")
    assert (doc["paper"], doc["figure"], doc["title"], doc["scale"]) == ("skills", "Fig. 10", row.title, "laptop")
    assert doc["files"] == {"pdf": str(args.pdf), "png": str(args.png), "table": str(args.table)}
    assert args.pdf.read_bytes().startswith(b"%PDF") and args.png.read_bytes().startswith(b"\x89PNG")
    assert args.table.read_text() == "a\n0.333333\n"
    figures.write_figure(
        args,
        cfg,
        "geometry_scaling",
        fig=plt.figure(),
        table=pd.DataFrame({"a": [1]}),
        claims=[claim],
        config={},
        title="another title",
        scale="paper",
    )
    assert (read_claims(args.claims)["title"], read_claims(args.claims)["scale"]) == ("another title", "paper")
    with pytest.raises(KeyError, match="no figure named"):
        figures.write_figure(
            args, cfg, "no_such_figure", fig=plt.figure(), table=pd.DataFrame(), claims=[claim], config={}
        )


def test_write_figure_records_how_the_settings_differ_from_the_papers(tmp_path: Path):
    claim = Claim(id="c", claim="x", paper_value="1", ours="1", criterion="= 1", passed=True)
    reduced = {"scale": "laptop", "skills_geometry": {"seeds": 2}, "paper": {"skills_geometry": {"seeds": 4}}}
    args, cfg = step.parse("doc", argv=_argv(tmp_path, reduced))
    figures.write_figure(args, cfg, "geometry_ratio", fig=plt.figure(), table=pd.DataFrame(), claims=[claim], config={})
    doc = read_claims(args.claims)
    assert doc["settings"]["summary"] == "skills_geometry.seeds 2 of 4" and doc["scale"] == "laptop"
    same = dict(reduced, skills_geometry={"seeds": 4})
    args, cfg = step.parse("doc", argv=_argv(tmp_path, same))
    figures.write_figure(args, cfg, "geometry_ratio", fig=plt.figure(), table=pd.DataFrame(), claims=[claim], config={})
    doc = read_claims(args.claims)
    assert (doc["settings"]["differs"], doc["settings"]["summary"], doc["scale"]) == ([], "paper settings", "paper")
    # where it came from, for the paper-scale snapshot: this checkout's code of the experiment
    made = doc["provenance"]
    assert made["code_hash"] == provenance.code_hash("skills", "geometry") and made["machine"]["cores"] >= 1
    assert len(made["commit"]) == 40 or made["commit"].startswith("unknown")
