"""The paper-scale snapshot: figures run at the papers' settings, published under version control.

    snakemake --cores 2 --configfile config/paper.yaml config/paper-cpu.yaml --directory RUN -- <targets>
    python -m physlearn.report.snapshot --results RUN [--figures NAME ...]

A paper-scale run takes hours, so its verdicts cannot come from the run that draws the
laptop figures. This command copies, for each figure of a finished paper-scale results tree
(``RUN/results/figures/<paper>/<name>.*``), its claims and PNG into ``docs/paper-scale/<paper>/``
with a provenance file: the commit and the hash of the figure's code when its step ran, the
hashes of its effective settings and of the paper's settings, the machine, and the wall time of
its experiment's jobs (``RUN/results/timings/``). One figure or many at a time; the rows of
other figures stay. Never edit the folder by hand: the scoreboard trusts it.

The scoreboard (:func:`attach`) sets each claim's paper-scale verdict beside its laptop one,
and marks a row stale when the figure's code (its experiment folder and all it imports) or
the paper's settings for it changed since the row was made.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from physlearn import figures
from physlearn.claims import read_claims
from physlearn.provenance import code_hash
from physlearn.sources import SRC

SNAPSHOT = SRC.parent / "docs/paper-scale"  # this checkout's snapshot
TIMINGS = Path("results/timings")  # benchmark files of the rules: timings/<paper>/<experiment>/<job>.tsv
NOT_RUN = "not run"
NEEDS_GPU = "needs a GPU"
CURRENT = "current"


# ----- writing -----


def job_timings(results: Path, paper: str, experiment: str) -> list[dict]:
    """The wall time of each job of an experiment, from snakemake's benchmark files."""
    folder = Path(results) / TIMINGS / paper / experiment
    jobs = []
    for path in sorted(folder.rglob("*.tsv")):
        table = pd.read_csv(path, sep="\t")
        jobs.append(
            {
                "job": path.relative_to(folder).with_suffix("").as_posix(),
                "seconds": round(float(table["s"].iloc[-1]), 1),
            }
        )
    return jobs


def snapshot_figure(results: Path | str, name: str, out: Path | str = SNAPSHOT) -> dict:
    """Copy one figure of a paper-scale results tree into the snapshot; returns its provenance.
    Raises ValueError when the figure did not run at paper scale or has no provenance."""
    row, results, out = figures.get(name), Path(results), Path(out)
    claims_path = results / row.path("claims.json")
    if not claims_path.is_file():
        raise ValueError(f"{name}: no {claims_path}; run its targets with config/paper.yaml first")
    doc = read_claims(claims_path)
    if doc["scale"] != "paper":
        raise ValueError(f"{claims_path}: scale {doc['scale']!r}; the snapshot holds runs with config/paper.yaml")
    made = doc.get("provenance")
    settings = doc.get("settings") or {}
    if not made or "paper_hash" not in settings:
        raise ValueError(f"{claims_path}: no provenance or settings hashes; rerun its figure step with this code")
    jobs = job_timings(results, row.paper, row.experiment)
    record = {
        "paper": row.paper,
        "figure": row.label,
        "name": name,
        "commit": made["commit"],
        "dirty": made["dirty"],
        "code_hash": made["code_hash"],
        "config_hash": settings["config_hash"],
        "paper_hash": settings["paper_hash"],
        "settings": settings.get("summary", ""),
        "made_at": made["made_at"],
        "machine": made["machine"],
        "experiment_wall_time_s": round(sum(j["seconds"] for j in jobs), 1) if jobs else None,
        "jobs": jobs,
        "snapshot_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    target = out / row.paper
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(results / row.path("png"), target / f"{name}.png")
    doc["files"] = {"png": f"{name}.png"}  # the snapshot keeps the PNG only; the run's paths mean nothing here
    (target / f"{name}.claims.json").write_text(json.dumps(doc, indent=2) + "\n")
    (target / f"{name}.provenance.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def snapshot_names(results: Path | str) -> list[str]:
    """The figures of a results tree that ran at paper scale (the others are left out)."""
    names = []
    for row in figures.FIGURES:
        path = Path(results) / row.path("claims.json")
        if path.is_file() and read_claims(path)["scale"] == "paper":
            names.append(row.name)
    return names


# ----- reading -----


def load(out: Path | str = SNAPSHOT) -> dict[str, dict]:
    """The snapshot's rows by figure name: ``{"claims": doc, "provenance": record}``."""
    rows = {}
    for path in sorted(Path(out).glob("*/*.provenance.json")):
        name = path.name.removesuffix(".provenance.json")
        rows[name] = {
            "provenance": json.loads(path.read_text()),
            "claims": read_claims(path.with_name(f"{name}.claims.json")),
            "png": str(path.with_name(f"{name}.png")),
        }
    return rows


def state(row: figures.Figure, snap: dict | None, paper_hash: str | None, code_hashes: dict) -> str:
    """A figure's paper-scale state: "current", "stale (...)", "needs a GPU" or "not run".
    ``paper_hash``: the hash of the paper's settings for the figure now (from the laptop run's
    claims file); ``code_hashes``: the hash of each experiment's code now, by (paper, experiment)."""
    if snap is None:
        return NEEDS_GPU if row.needs_gpu else NOT_RUN
    made = snap["provenance"]
    changed = []
    if made["code_hash"] != code_hashes[(row.paper, row.experiment)]:
        changed.append("code")
    if paper_hash is not None and made["paper_hash"] != paper_hash:
        changed.append("paper settings")
    return f"stale ({' and '.join(changed)} changed since)" if changed else CURRENT


def paper_scale(docs: list[dict], out: Path | str = SNAPSHOT) -> dict[tuple[str, str], dict]:
    """Each claim's paper-scale result, by (claims file, claim id): ``state``, and from the
    snapshot ``verdict``, ``ours``, ``uncertainty`` and ``png`` (empty where it has none).
    ``docs``: the laptop run's claims documents, each with its ``claims_file``."""
    snapshot = load(out)
    rows = {f.name: f for f in figures.FIGURES}
    names = [Path(doc["claims_file"]).name.removesuffix(".claims.json") for doc in docs]
    # only the experiments of these figures: a notebook reads its own paper's code, no other
    code_hashes = {key: code_hash(*key) for key in {(rows[n].paper, rows[n].experiment) for n in names if n in rows}}
    result = {}
    for doc in docs:
        name = Path(doc["claims_file"]).name.removesuffix(".claims.json")
        row = rows.get(name)
        snap = snapshot.get(name) if row else None
        paper_hash = (doc.get("settings") or {}).get("paper_hash")
        figure_state = state(row, snap, paper_hash, code_hashes) if row else NOT_RUN
        theirs = {c["id"]: c for c in snap["claims"]["claims"]} if snap else {}
        for claim in doc["claims"]:
            mine = theirs.get(claim["id"])
            result[(doc["claims_file"], claim["id"])] = {
                "state": "stale (claim not in the snapshot)" if snap and mine is None else figure_state,
                "verdict": mine["verdict"] if mine else "",
                "ours": mine["ours"] if mine else "",
                "uncertainty": mine.get("uncertainty", "") if mine else "",
                "png": snap["png"] if snap else "",
            }
    return result


def attach(table: pd.DataFrame, docs: list[dict], out: Path | str = SNAPSHOT) -> pd.DataFrame:
    """The scoreboard's table with each claim's paper-scale result as ``paper_scale_*`` columns."""
    results = paper_scale(docs, out)
    found = [results[(row["claims_file"], row["claim_id"])] for _, row in table.iterrows()]
    keys = ("state", "verdict", "ours", "uncertainty", "png")
    return table.assign(**{f"paper_scale_{k}": [r[k] for r in found] for k in keys})


def annotate(docs: list[dict], out: Path | str = SNAPSHOT) -> list[dict]:
    """The claims documents with each claim's paper-scale result under ``paper_scale`` (the notebooks)."""
    results = paper_scale(docs, out)
    return [
        {**doc, "claims": [{**c, "paper_scale": results[(doc["claims_file"], c["id"])]} for c in doc["claims"]]}
        for doc in docs
    ]


def agreement(table: pd.DataFrame) -> tuple[int, int]:
    """(claims whose laptop and current paper-scale verdicts agree, claims that have both)."""
    both = table[(table["paper_scale_state"] == CURRENT) & (table["paper_scale_verdict"] != "")]
    return int((both["verdict"] == both["paper_scale_verdict"]).sum()), len(both)


def index_markdown(out: Path | str = SNAPSHOT) -> str:
    """docs/paper-scale/README.md: one line per figure of the snapshot."""
    lines = [
        "# Paper-scale snapshot",
        "",
        "Written by `python -m physlearn.report.snapshot` from a finished paper-scale run; do not edit by hand.",
        "Each figure: its claims (`<name>.claims.json`), its PNG and its provenance (`<name>.provenance.json`:",
        "commit, code and settings hashes, machine, wall time). The scoreboard marks a row stale when the",
        "figure's code or the paper's settings for it changed since.",
        "",
        "| paper | figure | claims | PASS | FAIL | INCONCLUSIVE | settings | commit | wall time of its experiment |",
        "|---|---|---:|---:|---:|---:|---|---|---:|",
    ]
    snapshot = load(out)
    for row in figures.FIGURES:
        snap = snapshot.get(row.name)
        if snap is None:
            continue
        made, verdicts = snap["provenance"], [c["verdict"] for c in snap["claims"]["claims"]]
        wall = made["experiment_wall_time_s"]
        lines.append(
            f"| {row.paper} | [{row.label}]({row.paper}/{row.name}.png) `{row.name}` | {len(verdicts)} | "
            + " | ".join(str(verdicts.count(v)) for v in ("PASS", "FAIL", "INCONCLUSIVE"))
            + f" | {made['settings']} | `{made['commit'][:10]}`{' (dirty)' if made['dirty'] else ''} | "
            + (f"{wall / 60:.1f} min" if wall is not None else "not recorded")
            + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True, help="the directory the paper-scale run worked in")
    parser.add_argument("--figures", nargs="*", help="figure names (default: every paper-scale figure there)")
    parser.add_argument("--out", default=str(SNAPSHOT), help="the snapshot folder (default: this checkout's)")
    args = parser.parse_args(argv)
    names = args.figures or snapshot_names(args.results)
    if not names:
        sys.exit(f"no paper-scale figure under {args.results}/results/figures")
    for name in names:
        record = snapshot_figure(args.results, name, args.out)
        wall = record["experiment_wall_time_s"]
        print(
            f"{name}: commit {record['commit'][:10]}, code {record['code_hash']}, "
            f"{'wall time not recorded' if wall is None else f'{wall / 60:.1f} min'}",
            file=sys.stderr,
        )
    Path(args.out, "README.md").write_text(index_markdown(args.out))


if __name__ == "__main__":
    main()
