"""The replication report: the claims scoreboard, the notebooks' views, the README block;
and, on the tiny end-to-end run, the rendered notebooks, the scoreboard's coverage of every
declared figure, and Snakemake's report."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from physlearn.claims import PAPERS, VERDICTS, Claim, read_claims, write_claims
from physlearn.report import notebook, readme, scoreboard, views

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests/data/tiny.yaml"
PNG = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def claim(cid: str, passed: bool | None = True, **fields) -> Claim:
    base = dict(
        claim=f"statement {cid}",
        paper_value=f"paper {cid}",
        ours=f"ours {cid}",
        criterion=f"criterion {cid}",
        measured={"x": 1.0},
    )
    return Claim(id=cid, passed=passed, **{**base, **fields})


def figure(
    root: Path, paper: str, stem: str, label: str, claims: list[Claim], scale: str = "laptop", settings=None
) -> str:
    """Write a figure's PNG and claims file under root/results/figures/<paper>/; returns the
    claims file's path relative to root, as the workflow names it."""
    folder = root / "results/figures" / paper
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.png").write_bytes(PNG)
    rel = f"results/figures/{paper}/{stem}"
    files = {"pdf": f"{rel}.pdf", "png": f"{rel}.png", "table": f"{rel}.csv"}
    write_claims(
        root / f"{rel}.claims.json",
        paper=paper,
        figure=label,
        title=f"title of {stem}",
        scale=scale,
        config={"steps": 10, "lr_range": [0.001, 1.0]},
        claims=claims,
        files=files,
        settings=settings,
    )
    return f"{rel}.claims.json"


FEWER_REPLICATES = {
    "differs": [{"key": "focus_valley.replicates", "ours": 20, "paper": 1000}],
    "summary": "replicates 20 of 1000",
}
PAPER_SETTINGS = {"differs": [], "summary": "paper settings"}


@pytest.fixture
def results(tmp_path: Path, monkeypatch) -> tuple[Path, list[str]]:
    """Four figures of two papers (one claim fails, one is inconclusive), written out of
    order; two record their settings (one reduced, one the paper's), two do not; cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    undecided = claim("h2u", passed=None, uncertainty="95% bootstrap interval [-0.01, 0.13]")
    files = [
        figure(tmp_path, "harmonic", "fig10", "Fig. 10", [claim("h10")]),
        figure(
            tmp_path,
            "focus",
            "valley_wd",
            "Fig. 2b",
            [claim("b1", uncertainty="± 0.02 s.e. over 20 replicates"), claim("b2", passed=False)],
            settings=FEWER_REPLICATES,
        ),
        figure(tmp_path, "harmonic", "fig2", "Fig. 2", [claim("h2"), undecided], settings=PAPER_SETTINGS),
        figure(tmp_path, "focus", "valley_a", "Fig. 2a", [claim("a1")]),
    ]
    return tmp_path, files


# ----- the scoreboard -----


def test_claims_table_has_one_row_per_claim_in_paper_and_figure_order(results):
    _, files = results
    table = scoreboard.claims_table(scoreboard.load_figures(files))
    assert list(table.columns) == scoreboard.COLUMNS
    assert scoreboard.COLUMNS.index("uncertainty") == scoreboard.COLUMNS.index("ours") + 1
    assert list(table["claim_id"]) == ["a1", "b1", "b2", "h2", "h2u", "h10"]
    assert list(table["verdict"]) == ["PASS", "PASS", "FAIL", "PASS", "INCONCLUSIVE", "PASS"]
    assert list(table["uncertainty"]) == [
        "",
        "± 0.02 s.e. over 20 replicates",
        "",
        "",
        "95% bootstrap interval [-0.01, 0.13]",
        "",
    ]
    assert list(table["settings"]) == ["", *["replicates 20 of 1000"] * 2, *["paper settings"] * 2, ""]
    assert set(table["scale"]) == {"laptop"}
    assert table.loc[2, "png"] == "results/figures/focus/valley_wd.png"


def test_counts_name_every_paper_even_without_figures(results):
    _, files = results
    counts = scoreboard.paper_counts(scoreboard.claims_table(scoreboard.load_figures(files))).set_index("paper")
    assert list(counts.index) == list(PAPERS)
    # no snapshot given: every claim is "not run" at the paper's settings
    assert counts.loc["focus", "paper_not_run"] == 3 and counts.loc["focus", "both"] == 0
    counts = counts[["figures", "claims", *VERDICTS, "scale"]]
    assert counts.loc["focus"].to_dict() == {
        "figures": 2,
        "claims": 3,
        "PASS": 2,
        "FAIL": 1,
        "INCONCLUSIVE": 0,
        "scale": "laptop",
    }
    # the inconclusive claim is counted as such: neither as holding nor as failing
    assert counts.loc["harmonic"].to_dict() == {
        "figures": 2,
        "claims": 3,
        "PASS": 2,
        "FAIL": 0,
        "INCONCLUSIVE": 1,
        "scale": "laptop",
    }
    assert (counts[list(VERDICTS)].sum(axis=1) == counts["claims"]).all()
    assert counts.loc["skills", "figures"] == 0 and counts.loc["skills", "claims"] == 0
    assert [scoreboard.status(counts.loc[p]) for p in PAPERS] == [
        "1 of 3 claims fail",
        "no claim fails; 1 of 3 inconclusive",
        "no figures produced yet",
        "no figures produced yet",
    ]


@pytest.mark.parametrize(
    "passed, failed, undecided, expected",
    [
        (2, 0, 0, "every claim holds"),
        (1, 1, 0, "1 of 2 claims fail"),
        (1, 0, 1, "no claim fails; 1 of 2 inconclusive"),
        (1, 2, 3, "2 of 6 claims fail, 3 inconclusive"),
        (0, 0, 0, "no figures produced yet"),
    ],
)
def test_status_words(passed, failed, undecided, expected):
    row = {"claims": passed + failed + undecided, "PASS": passed, "FAIL": failed, "INCONCLUSIVE": undecided}
    assert scoreboard.status(row) == expected


def test_tally_overall_and_holds():
    counts = scoreboard.tally(["PASS", "INCONCLUSIVE", "PASS"])
    assert counts == {"PASS": 2, "FAIL": 0, "INCONCLUSIVE": 1}
    assert scoreboard.holds(counts) == "2 of 3 claims hold, 1 inconclusive"
    assert scoreboard.holds(counts, "") == "2 of 3, 1 inconclusive"
    assert scoreboard.holds(scoreboard.tally(["PASS", "FAIL"])) == "1 of 2 claims hold"
    assert [scoreboard.overall(scoreboard.tally(v)) for v in (["PASS"], ["PASS", "INCONCLUSIVE"], VERDICTS)] == [
        "PASS",
        "INCONCLUSIVE",
        "FAIL",
    ]


def test_label_order_is_natural():
    labels = ["Fig. 10", "Fig. 2b", "Fig. 2a (appendix pairs)", "Fig. 2a", "Fig. 3"]
    assert sorted(labels, key=scoreboard.label_key) == [
        "Fig. 2a",
        "Fig. 2a (appendix pairs)",
        "Fig. 2b",
        "Fig. 3",
        "Fig. 10",
    ]


def test_a_claim_without_paper_value_or_verdict_is_refused(tmp_path: Path):
    path = tmp_path / "bad.claims.json"
    good = write_claims(
        path,
        paper="focus",
        figure="Fig. 2a",
        title="t",
        scale="laptop",
        config={},
        claims=[claim(c) for c in "abcdefghi"],
        files={"png": "x.png"},
    )
    assert scoreboard.figure_problems(good, "fine") == []
    good["claims"][0]["paper_value"] = " "
    del good["claims"][1]["verdict"]
    good["claims"][2]["verdict"] = "FAIL"  # but passed is true
    good["claims"][3]["verdict"] = "INCONCLUSIVE"  # but passed is true
    good["claims"][4]["passed"] = None  # but the verdict is PASS
    good["claims"][5]["verdict"] = "INCONCLUSIVE"
    del good["claims"][5]["passed"]  # a missing passed is not null
    good["claims"][6]["passed"] = "true"
    good["claims"][7]["verdict"] = "UNDECIDED"
    good["claims"][8]["uncertainty"] = 0.8
    path.write_text(json.dumps(good))
    with pytest.raises(ValueError) as error:
        scoreboard.load_figures([path])
    message = str(error.value)
    assert "claim 'a' has no paper_value" in message
    assert "claim 'b': verdict None is not one of PASS, FAIL, INCONCLUSIVE" in message
    assert "claim 'c': verdict FAIL disagrees with passed = True" in message
    assert "claim 'd': verdict INCONCLUSIVE disagrees with passed = True" in message
    assert "claim 'e': verdict PASS disagrees with passed = None" in message
    assert "claim 'f' has no passed" in message
    assert "claim 'g': verdict PASS disagrees with passed = 'true'" in message
    assert "claim 'h': verdict 'UNDECIDED' is not one of" in message
    assert "claim 'i': uncertainty 0.8 is not text" in message


def test_an_inconclusive_claim_with_null_passed_is_accepted(tmp_path: Path):
    path = tmp_path / "ok.claims.json"
    doc = write_claims(
        path,
        paper="skills",
        figure="Fig. 4",
        title="t",
        scale="laptop",
        config={},
        claims=[claim("u", passed=None)],
        files={"png": "x.png"},
    )
    assert doc["claims"][0]["passed"] is None and doc["claims"][0]["verdict"] == "INCONCLUSIVE"
    assert scoreboard.figure_problems(doc, "ok") == []
    assert scoreboard.load_figures([path])[0]["claims"][0]["verdict"] == "INCONCLUSIVE"


def test_a_malformed_settings_record_is_refused(tmp_path: Path):
    path = tmp_path / "bad.claims.json"
    doc = write_claims(
        path,
        paper="focus",
        figure="Fig. 2a",
        title="t",
        scale="laptop",
        config={},
        claims=[claim("a")],
        files={"png": "x.png"},
        settings=PAPER_SETTINGS,
    )
    path.write_text(json.dumps({**doc, "settings": {"summary": "paper settings"}}))
    with pytest.raises(ValueError, match="settings has no 'differs'"):
        scoreboard.load_figures([path])


def test_a_figure_without_claims_is_refused(tmp_path: Path):
    path = tmp_path / "empty.claims.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 2,
                "paper": "skills",
                "figure": "Fig. 4",
                "title": "t",
                "scale": "laptop",
                "config": {},
                "files": {"png": "x.png"},
                "claims": [],
            }
        )
    )
    with pytest.raises(ValueError, match="no claims"):
        scoreboard.load_figures([path])


def test_a_declared_figure_without_claims_stops_the_scoreboard(results):
    root, files = results
    with pytest.raises(ValueError, match="results/figures/skills/fig4.png"):
        scoreboard.build(
            files,
            ["results/figures/focus/valley_a.png", "results/figures/skills/fig4.png"],
            root / "results/claims.csv",
            root / "results/paper/index.html",
        )


def test_scoreboard_csv_matches_the_claims_files_and_the_page_links_everything(results):
    root, files = results
    pngs = [f.replace(".claims.json", ".png") for f in files]
    scoreboard.main(
        ["--claims", *files, "--figures", *pngs, "--csv", "results/claims.csv", "--html", "results/paper/index.html"]
    )
    assert_csv_matches_claims(root / "results/claims.csv", root)
    page = (root / "results/paper/index.html").read_text()
    for paper in PAPERS:
        assert f'href="{paper}.html"' in page
    assert 'href="../figures/focus/valley_wd.png"' in page and 'href="../figures/focus/valley_wd.pdf"' in page
    assert 'href="focus.html#valley_wd"' in page
    assert "<tr class='row-FAIL'>" in page and "criterion b2" in page
    assert "4 of 6 claims hold</b>" in page and "1 inconclusive" in page and "no figures produced yet" in page
    assert "<tr class='row-INCONCLUSIVE'>" in page and ".INCONCLUSIVE {" in page and "#8a5a00" in page
    assert page.count("<tr class='row-PASS'>") == 4 and page.count("<tr class='row-INCONCLUSIVE'>") == 1
    assert "<th>PASS</th><th>FAIL</th><th>INCONCLUSIVE</th>" in page
    assert "<td class='n INCONCLUSIVE'>1</td>" in page and "no claim fails; 1 of 3 inconclusive" in page
    # the uncertainty beside ours, the verdict's own style
    assert (
        "<td>ours h2u<span class='uncertainty'>95% bootstrap interval [-0.01, 0.13]</span></td>"
        "<td class='verdict'><span class='INCONCLUSIVE'>INCONCLUSIVE</span>"
    ) in page
    # the gallery caption: its counts and colour, and the figure's settings
    assert "<span class='INCONCLUSIVE'>1 of 2 claims hold, 1 inconclusive</span>" in page
    assert "<span class='FAIL'>1 of 2 claims hold</span>" in page
    assert "<span class='settings'>settings: replicates 20 of 1000</span>" in page
    assert "<td>laptop<span class='settings'>replicates 20 of 1000</span></td>" in page
    assert "<td>laptop<span class='settings'>paper settings</span></td>" in page


def test_an_empty_scoreboard_still_renders(tmp_path: Path):
    table = scoreboard.build([], [], tmp_path / "claims.csv", tmp_path / "paper/index.html")
    assert table.empty and list(pd.read_csv(tmp_path / "claims.csv").columns) == scoreboard.COLUMNS
    assert "No claims yet" in (tmp_path / "paper/index.html").read_text()


# ----- the notebooks' views -----


@pytest.mark.parametrize(
    "label, wanted, expected",
    [
        ("Fig. 2a", "Fig. 2a", True),
        ("Fig. 2a (appendix pairs)", "Fig. 2a", True),
        ("Fig. 2a", "Fig. 2b", False),
        ("Fig. 3", "Fig. 3c", True),
        ("Fig. 3b", "Fig. 3", True),
        ("Fig. 10", "Fig. 1", False),
        ("Figs. 16", "Fig. 16", True),
        ("Table 1", "Table 1", True),
    ],
)
def test_figure_labels_match_the_papers_figures(label, wanted, expected):
    assert views.matches(label, wanted) is expected


def test_notebook_views_show_figure_claims_scale_config_and_what_is_missing(results):
    root, files = results
    scoreboard.build(files, [], root / "results/claims.csv", root / "results/paper/index.html")
    figures = views.load_paper("focus")
    assert [d["figure"] for d in figures] == ["Fig. 2a", "Fig. 2b"]
    assert views.verdict_counts(figures[1]) == {"PASS": 1, "FAIL": 1, "INCONCLUSIVE": 0}
    section = views.section_html(figures, ["Fig. 2b", "Fig. 2c", "Fig. 2d"])
    assert "Fig. 2a:" not in section and "Fig. 2b: title of valley_wd" in section
    assert "data:image/png;base64," in section
    for text in (
        "statement b2",
        "paper b2",
        "ours b2",
        "criterion b2",
        "FAIL",
        "1 of 2 claims hold",
        "laptop scale",
        "lr_range",
        "[0.001, 1]",
        "id='valley_wd'",
        "<span class='pl-FAIL'>1 of 2 claims hold</span>",
        "<br><span class='pl-muted'>± 0.02 s.e. over 20 replicates</span>",  # under ours b1
        "<span class='pl-badge pl-settings'>settings: replicates 20 of 1000</span>",
        "<tr><td>focus_valley.replicates</td><td>20</td><td>1000</td></tr>",  # what differs, in the settings
    ):
        assert text in section, text
    assert "Not produced yet: Fig. 2c, Fig. 2d." in section
    assert "href='../figures/focus/valley_wd.pdf'" in section
    summary = views.summary_html("focus", figures, ["Fig. 2a", "Fig. 2b", "Fig. 3"])
    assert "3 of 4 claims hold" not in summary and "2 of 3 claims hold" in summary
    assert "1 FAIL" in summary and "0 INCONCLUSIVE" in summary
    assert "not produced yet" in summary
    assert views.others_html(figures, ["Fig. 2a"]).count("class='pl-section'") == 1
    assert "pl-settings" not in views.section_html(figures, ["Fig. 2a"])  # its file records no settings


def test_notebook_views_show_an_inconclusive_claim_as_such(results):
    _, files = results
    figures = views.load_paper("harmonic", [f for f in files if "/harmonic/" in f])
    assert [d["figure"] for d in figures] == ["Fig. 2", "Fig. 10"]
    assert views.verdict_counts(figures[0]) == {"PASS": 1, "FAIL": 0, "INCONCLUSIVE": 1}
    section = views.section_html(figures, ["Fig. 2"])
    for text in (
        "<tr class='pl-row-INCONCLUSIVE'>",
        "<span class='pl-INCONCLUSIVE'>INCONCLUSIVE</span>",
        "<span class='pl-INCONCLUSIVE'>1 of 2 claims hold, 1 inconclusive</span>",
        "ours h2u<br><span class='pl-muted'>95% bootstrap interval [-0.01, 0.13]</span>",
        "<span class='pl-badge pl-settings'>paper settings</span>",
    ):
        assert text in section, text
    assert "pl-row-FAIL" not in section and "pl-FAIL'>1 of 2" not in section
    summary = views.summary_html("harmonic", figures, ["Fig. 2", "Fig. 10"])
    assert "<b>2 of 3 claims hold</b>" in summary
    assert "0 FAIL" in summary and "1 INCONCLUSIVE" in summary
    assert "<td class='pl-INCONCLUSIVE'>1 of 2, 1 inconclusive</td>" in summary
    assert "<td class='pl-PASS'>1 of 1</td>" in summary
    assert ".pl-INCONCLUSIVE {" in summary and "tr.pl-row-INCONCLUSIVE td" in summary  # the notebook's style


def test_a_paper_without_figures_says_so(results):
    root, files = results
    scoreboard.build(files, [], root / "results/claims.csv", root / "results/paper/index.html")
    assert views.load_paper("skills") == []
    assert "No figure of this paper is produced yet" in views.summary_html("skills", [], ["Fig. 2"])
    assert "Not produced yet: Fig. 2." in views.section_html([], ["Fig. 2"])


def test_a_notebook_refuses_another_papers_claims(results):
    _, files = results
    with pytest.raises(ValueError, match="another paper"):
        views.load_paper("focus", files)


def test_the_workflow_sets_the_notebooks_claims_after_its_parameters_cell():
    nb = notebook.read_notebook(REPO / "paper/focus.py")
    tagged = next(n for n, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    notebook.inject_parameters(nb, CLAIMS=["results/figures/focus/a.claims.json"])
    assert nb.cells[tagged + 1].source.endswith("CLAIMS = ['results/figures/focus/a.claims.json']\n")
    nb.cells.pop(tagged)
    with pytest.raises(ValueError, match="parameters"):
        notebook.inject_parameters(nb, CLAIMS=[])


def test_notebooks_are_jupytext_percent_scripts_reading_only_outputs():
    for paper in PAPERS:
        source = (REPO / f"paper/{paper}.py").read_text()
        assert "# %% [markdown]" in source and f'PAPER = "{paper}"' in source
        assert "views.load_paper(PAPER, CLAIMS)" in source
        nb = notebook.read_notebook(REPO / f"paper/{paper}.py")
        assert notebook.title_of(nb, "?").endswith("what replicated")
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        for forbidden in ("import torch", "physlearn.focus", "physlearn.optim", "to_csv", "savefig"):
            assert forbidden not in code


# ----- the README block -----


def test_readme_block_counts_every_claim_of_a_laptop_run(results):
    root, files = results
    paper_scale = figure(root, "skills", "fig4", "Fig. 4", [claim("s4")], scale="paper")
    scoreboard.build([*files, paper_scale], [], root / "results/claims.csv", root / "results/paper/index.html")
    text = "# x\n\nbefore\n\n" + readme.BEGIN + "\nold numbers\n" + readme.END + "\n\nafter\n"
    (root / "README.md").write_text(text)
    (root / "docs/gallery").mkdir(parents=True)
    (root / "docs/gallery/stale.png").write_bytes(PNG)
    readme.main(["--readme", str(root / "README.md"), "--claims", str(root / "results/claims.csv"), "--per-paper", "1"])
    new = (root / "README.md").read_text()
    assert new.startswith("# x\n\nbefore\n\n" + readme.BEGIN) and new.endswith(readme.END + "\n\nafter\n")
    assert "old numbers" not in new
    # a figure at the paper's settings (scale "paper") is one of the laptop run's figures
    assert "**5 of 7 claims hold**, 1 inconclusive; 1 of 5 figures ran at the paper's settings." in new
    assert "| paper | figures | claims | laptop PASS | FAIL | INCONCLUSIVE | paper settings PASS |" in new
    # no snapshot: nothing measured at the paper's settings, nothing to agree on
    assert "| FOCUS | 2 | 3 | 2 | 1 | 0 | 0 | 0 | 0 | 3 not run | – |" in new
    assert "| Harmonic loss | 2 | 3 | 2 | 0 | 1 | 0 | 0 | 0 | 3 not run | – |" in new
    assert "| Physics of Skill Learning | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 1 not run | – |" in new
    assert "| FOCUS | Fig. 2b | `b2` | FAIL | not run |" in new
    assert "(1 of 2 claims hold, 1 inconclusive)" in new  # the gallery's harmonic Fig. 2
    gallery = sorted(p.name for p in (root / "docs/gallery").iterdir())
    assert gallery == ["focus-valley_a.png", "harmonic-fig2.png", "skills-fig4.png"]  # stale.png is gone
    assert 'src="docs/gallery/focus-valley_a.png"' in new
    readme.main(["--readme", str(root / "README.md"), "--claims", str(root / "results/claims.csv"), "--per-paper", "1"])
    assert (root / "README.md").read_text() == new


def test_readme_needs_its_markers():
    with pytest.raises(ValueError, match="results-at-a-glance"):
        readme.replace_block("# no markers\n", "x")


def test_the_readme_has_the_block():
    text = (REPO / "README.md").read_text()
    assert text.count(readme.BEGIN) == 1 and text.count(readme.END) == 1
    assert readme.COMMAND in text


def test_the_readme_lists_every_figure_of_the_registry():
    """The README's table of figures is the registry's, as `readme --figures-only` writes it."""
    from physlearn import figures

    text = (REPO / "README.md").read_text()
    assert readme.replace_block(text, readme.figures_block(), readme.FIGURES_BEGIN, readme.FIGURES_END) == text
    for row in figures.FIGURES:
        assert f"`{row.paper}/{row.name}`" in text and row.step in text


# ----- on the tiny end-to-end run -----


def assert_csv_matches_claims(csv: Path, root: Path):
    """claims.csv holds exactly the claims of the files it names, field for field."""
    table = pd.read_csv(csv, keep_default_na=False)
    rows = []
    for path in table["claims_file"].drop_duplicates():
        doc = read_claims(root / path)
        for c in doc["claims"]:
            rows.append(
                {
                    "paper": doc["paper"],
                    "figure": doc["figure"],
                    "title": doc["title"],
                    "claim_id": c["id"],
                    "claim": c["claim"],
                    "paper_value": c["paper_value"],
                    "ours": c["ours"],
                    "uncertainty": c["uncertainty"],
                    "criterion": c["criterion"],
                    "verdict": c["verdict"],
                    "scale": doc["scale"],
                    "settings": (doc.get("settings") or {}).get("summary", ""),
                    "claims_file": path,
                }
            )
    expected = pd.DataFrame(rows)
    assert (
        table[expected.columns]
        .sort_values(["claims_file", "claim_id"])
        .reset_index(drop=True)
        .equals(expected.sort_values(["claims_file", "claim_id"]).reset_index(drop=True))
    )


def text_of(page: str) -> str:
    """A page's visible text, tags dropped and entities decoded, whitespace collapsed."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def declared_outputs(workdir: Path) -> list[str]:
    """Every file the workflow declares for `all` at the tiny scale (Snakemake's summary)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--configfile",
            str(TINY),
            "--directory",
            str(workdir),
            "--summary",
            "--cores",
            "1",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    return [parts[0] for parts in lines if len(parts) > 2 and parts[0].startswith("results/")]


@pytest.mark.slow
def test_every_declared_figure_has_claims_on_the_scoreboard(tiny_run: Path):
    outputs = declared_outputs(tiny_run)
    pngs = [o for o in outputs if o.startswith("results/figures/") and o.endswith(".png")]
    assert len(pngs) >= 4
    table = pd.read_csv(tiny_run / "results/claims.csv", keep_default_na=False)
    for png in pngs:
        claims_file = png.removesuffix(".png") + ".claims.json"
        assert claims_file in outputs, f"{png} is declared without a claims file"
        assert claims_file in set(table["claims_file"]), f"{claims_file} is not on the scoreboard"
    for column in ("paper_value", "ours", "criterion"):
        assert (table[column].str.strip() != "").all(), column
    assert set(table["verdict"]) <= set(VERDICTS)
    assert_csv_matches_claims(tiny_run / "results/claims.csv", tiny_run)


@pytest.mark.slow
def test_the_notebooks_render_against_the_tiny_run(tiny_run: Path):
    pages = tiny_run / "results/paper"
    index = (pages / "index.html").read_text()
    table = pd.read_csv(tiny_run / "results/claims.csv", keep_default_na=False)
    assert sum(index.count(f"<tr class='row-{v}'>") for v in VERDICTS) == len(table)
    pages_html = {paper: (pages / f"{paper}.html").read_text() for paper in PAPERS}
    words = {paper: text_of(page) for paper, page in pages_html.items()}
    assert set(table["paper"]) == set(PAPERS)  # every paper has figures at the tiny scale
    for path in table["claims_file"].drop_duplicates():
        doc = read_claims(tiny_run / path)
        paper = doc["paper"]
        assert re.search(f"""id=["']{scoreboard.anchor(path)}["']""", pages_html[paper]), path
        assert f'href="{paper}.html#{scoreboard.anchor(path)}"' in index, path
        for c in doc["claims"]:
            for key in ("claim", "paper_value", "ours", "criterion", "verdict"):
                assert " ".join(c[key].split()) in words[paper], c[key]
    for paper, page in pages_html.items():
        figures = table.loc[table["paper"] == paper, "claims_file"].nunique()
        assert len(re.findall(r"<img[^>]*src=[\"']data:image/png;base64,", page)) == figures, paper
        assert "Not produced yet" not in page, paper  # every figure the issues list is produced
        # no traceback, warning or other stderr in any notebook
        assert "Traceback" not in words[paper] and 'data-mime-type="application/vnd.jupyter.stderr"' not in page


@pytest.mark.slow
def test_snakemake_report_builds_with_figures_scoreboard_and_notebooks(tiny_run: Path, tmp_path: Path):
    out = tmp_path / "report.zip"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--configfile",
            str(TINY),
            "--directory",
            str(tiny_run),
            "--report",
            str(out),
        ],
        cwd=tiny_run,
        capture_output=True,
        text=True,
        check=True,
    )
    import zipfile

    names = "\n".join(zipfile.ZipFile(out).namelist())
    for name in ("valley_sharpness.png", "valley_weight_decay_pairs.png", "claims.csv", "focus.html", "skills.html"):
        assert name in names, name


def test_readme_block_refuses_a_paper_scale_run():
    table = pd.DataFrame({"scale": ["paper", "paper"], "verdict": ["PASS", "FAIL"]})
    with pytest.raises(ValueError, match="no laptop-scale claims"):
        readme.laptop_rows(table)
    assert len(readme.laptop_rows(pd.DataFrame({"scale": ["paper", "laptop"], "verdict": ["PASS", "FAIL"]}))) == 2
