"""The paper-scale snapshot (physlearn.report.snapshot) and the provenance it stores
(physlearn.provenance): what a row records, when it is stale, and how the scoreboard sets its
verdicts beside the laptop ones."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from physlearn import figures, provenance
from physlearn.claims import Claim, read_claims, write_claims
from physlearn.report import scoreboard, snapshot

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
NAME = "toy_points"  # harmonic Fig. 1, a real row of the registry
ROW = figures.get(NAME)


def claims_file(root: Path, name: str, verdicts: dict, scale: str, paper_hash: str = "p1", code: str | None = None):
    """A figure's outputs under root/results/figures/, as its step writes them."""
    row = figures.get(name)
    (root / row.path("png")).parent.mkdir(parents=True, exist_ok=True)
    (root / row.path("png")).write_bytes(PNG)
    claims = [
        Claim(id=cid, claim="c", paper_value="p", ours=f"ours {cid}", criterion="k", passed=passed, uncertainty="u")
        for cid, passed in verdicts.items()
    ]
    made = {
        "commit": "a" * 40,
        "dirty": False,
        "code_hash": code or provenance.code_hash(row.paper, row.experiment),
        "made_at": "2026-12-06T00:00:00+00:00",
        "machine": {"cpu": "test", "cores": 2},
    }
    settings = {"differs": [], "summary": "paper settings", "config_hash": "c1", "paper_hash": paper_hash}
    write_claims(
        root / row.path("claims.json"),
        paper=row.paper,
        figure=row.label,
        title=row.title,
        scale=scale,
        config={},
        claims=claims,
        files={"png": row.path("png")},
        settings=settings,
        provenance=made,
    )
    return row.path("claims.json")


@pytest.fixture
def paper_run(tmp_path: Path) -> Path:
    """A finished paper-scale results tree with one figure and two timed jobs."""
    run = tmp_path / "run"
    claims_file(run, NAME, {"a": True, "b": False, "c": None}, "paper")
    timings = run / snapshot.TIMINGS / ROW.paper / ROW.experiment
    timings.mkdir(parents=True)
    for job, seconds in (("train", 100.0), ("figure", 20.5)):
        pd.DataFrame({"s": [seconds], "h:m:s": ["0:00:00"]}).to_csv(timings / f"{job}.tsv", sep="\t", index=False)
    return run


def test_a_row_holds_the_claims_the_png_and_where_they_came_from(paper_run, tmp_path):
    out = tmp_path / "snap"
    snapshot.main(["--results", str(paper_run), "--out", str(out)])
    record = json.loads((out / "harmonic" / f"{NAME}.provenance.json").read_text())
    assert record["commit"] == "a" * 40 and record["code_hash"] == provenance.code_hash("harmonic", "toy")
    assert (record["config_hash"], record["paper_hash"]) == ("c1", "p1")
    assert record["experiment_wall_time_s"] == 120.5 and len(record["jobs"]) == 2
    assert (out / "harmonic" / f"{NAME}.png").read_bytes() == PNG
    assert [c["verdict"] for c in read_claims(out / "harmonic" / f"{NAME}.claims.json")["claims"]] == [
        "PASS",
        "FAIL",
        "INCONCLUSIVE",
    ]
    index = (out / "README.md").read_text()
    assert "`toy_points` | 3 | 1 | 1 | 1 | paper settings | `aaaaaaaaaa` | 2.0 min |" in index


def test_the_snapshot_refuses_a_laptop_run_and_a_figure_without_provenance(tmp_path):
    claims_file(tmp_path, NAME, {"a": True}, "laptop")
    with pytest.raises(ValueError, match="config/paper.yaml"):
        snapshot.snapshot_figure(tmp_path, NAME, tmp_path / "snap")
    assert snapshot.snapshot_names(tmp_path) == []  # a laptop run has nothing to publish
    with pytest.raises(ValueError, match="no .*claims.json"):
        snapshot.snapshot_figure(tmp_path, "parity", tmp_path / "snap")
    path = tmp_path / ROW.path("claims.json")
    doc = json.loads(path.read_text())
    doc["scale"] = "paper"
    del doc["provenance"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="no provenance"):
        snapshot.snapshot_figure(tmp_path, NAME, tmp_path / "snap")


def laptop_table(root: Path, verdicts: dict, paper_hash: str = "p1", out: Path | None = None) -> pd.DataFrame:
    """The scoreboard's table of a laptop run with this figure and a GPT figure, against the snapshot ``out``."""
    files = [
        claims_file(root, NAME, verdicts, "laptop", paper_hash),
        claims_file(root, "gpt_adam", {"g": True}, "laptop"),
        claims_file(root, "parity", {"q": True}, "laptop"),
    ]
    docs = scoreboard.load_figures([root / f for f in files])
    return scoreboard.claims_table(docs, out).set_index("claim_id")


def test_the_scoreboard_sets_each_paper_scale_verdict_beside_the_laptop_one(paper_run, tmp_path):
    out = tmp_path / "snap"
    snapshot.snapshot_figure(paper_run, NAME, out)
    laptop = tmp_path / "laptop"
    table = laptop_table(laptop, {"a": True, "b": True, "c": True, "new": True}, out=out)
    assert table.loc[["a", "b", "c"], "paper_scale_verdict"].tolist() == ["PASS", "FAIL", "INCONCLUSIVE"]
    assert table.loc[["a", "b", "c"], "paper_scale_state"].tolist() == [snapshot.CURRENT] * 3
    assert table.loc["a", "paper_scale_ours"] == "ours a"
    # a claim the row does not hold, a GPT figure, a figure not yet run at paper scale
    assert table.loc["new", "paper_scale_state"].startswith("stale")
    assert table.loc["g", "paper_scale_state"] == snapshot.NEEDS_GPU
    assert table.loc["q", "paper_scale_state"] == snapshot.NOT_RUN
    # a, b and c have both verdicts; only a agrees
    assert snapshot.agreement(table) == (1, 3)
    counts = scoreboard.paper_counts(table.reset_index()).set_index("paper")
    harmonic = counts.loc["harmonic"]
    assert (harmonic["paper_PASS"], harmonic["paper_FAIL"], harmonic["paper_INCONCLUSIVE"]) == (1, 1, 1)
    assert (harmonic["paper_stale"], harmonic["agree"], harmonic["both"]) == (1, 1, 3)
    assert (counts.loc["focus", "paper_gpu"], counts.loc["skills", "paper_not_run"]) == (1, 1)


def test_a_row_is_stale_once_the_code_or_the_papers_settings_change(paper_run, tmp_path, monkeypatch):
    out = tmp_path / "snap"
    snapshot.snapshot_figure(paper_run, NAME, out)
    laptop = tmp_path / "laptop"
    other_settings = laptop_table(laptop, {"a": True}, paper_hash="p2", out=out)
    assert other_settings.loc["a", "paper_scale_state"] == "stale (paper settings changed since)"
    monkeypatch.setattr(snapshot, "code_hash", lambda paper, experiment: "edited")
    edited = laptop_table(laptop, {"a": True}, out=out)
    assert edited.loc["a", "paper_scale_state"] == "stale (code changed since)"
    assert snapshot.agreement(edited) == (0, 0)  # a stale verdict is not compared


def test_the_code_hash_follows_every_file_an_experiment_imports(tmp_path):
    src = tmp_path / "src"
    for path, text in {
        "physlearn/__init__.py": "",
        "physlearn/shared.py": "X = 1\n",
        "physlearn/other.py": "Y = 1\n",
        "physlearn/p/__init__.py": "",
        "physlearn/p/e/__init__.py": "",
        "physlearn/p/e/train.py": "from physlearn import shared\n",
    }.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text)
    before = provenance.code_hash("p", "e", src)
    (src / "physlearn/other.py").write_text("Y = 2\n")  # not imported: no change
    assert provenance.code_hash("p", "e", src) == before
    (src / "physlearn/shared.py").write_text("X = 2\n")
    assert provenance.code_hash("p", "e", src) != before
    with pytest.raises(FileNotFoundError):
        provenance.experiment_files("p", "nothing", src)


def test_the_page_the_readme_and_the_notebooks_show_both_scales(paper_run, tmp_path, monkeypatch):
    from physlearn.report import readme, views

    out = tmp_path / "snap"
    snapshot.snapshot_figure(paper_run, NAME, out)
    laptop = tmp_path / "laptop"
    files = [claims_file(laptop, NAME, {"a": True, "b": True, "c": True}, "laptop")]
    files.append(claims_file(laptop, "gpt_adam", {"g": True}, "laptop"))
    monkeypatch.chdir(laptop)
    table = scoreboard.build(files, [], "results/claims.csv", "results/paper/index.html", out)
    page = Path("results/paper/index.html").read_text()
    assert "the laptop verdict agrees with it for 1 of 3 (33%)" in page and "needs a GPU" in page
    block = readme.block(pd.read_csv("results/claims.csv", keep_default_na=False), table.iloc[0:0])
    assert "the two scales agree on **1 of 3** claims measured at both" in block
    assert "| Harmonic loss | 1 | 3 | 3 | 0 | 0 | 1 | 1 | 1 | 0 | 1 of 3 |" in block
    assert "| FOCUS | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 1 need a GPU | – |" in block
    assert "| Harmonic loss | Fig. 1 | `b` | PASS | FAIL |" in block
    docs = views.load_paper("harmonic", files[:1], paper_scale=out)
    assert "The two scales agree on 1 of the 3 claims measured at both." in views.paper_scale_summary(docs)
    assert "<span class='pl-FAIL'>FAIL</span><br>ours b" in views.figure_html(docs[0])


def test_every_paper_scale_fail_is_on_the_failures_page():
    """docs/failures.md names each FAIL of the checked-in snapshot, investigated (a section)
    or listed as not investigated yet, so the page cannot fall behind the snapshot."""
    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "failures.md").read_text()
    fails = [
        (path.name.removesuffix(".claims.json"), claim["id"])
        for path in sorted(snapshot.SNAPSHOT.glob("*/*.claims.json"))
        for claim in read_claims(path)["claims"]
        if claim["verdict"] == "FAIL"
    ]
    assert fails, "the snapshot has FAILs; if none are left, this test has nothing to check"
    missing = [f"{name} {cid}" for name, cid in fails if f"`{cid}`" not in page]
    assert not missing, f"paper-scale FAILs missing from docs/failures.md: {missing}"
