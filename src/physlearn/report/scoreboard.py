"""Workflow step: the claims scoreboard, one row per claim of every figure, as
``results/claims.csv`` and ``results/paper/index.html``.

    python -m physlearn.report.scoreboard --claims A.claims.json ... --figures A.png ... \
        --csv results/claims.csv --html results/paper/index.html

``--claims`` are the claims files of every figure the workflow declares (the rule takes
them from the DAG, so a new figure shows up without an edit here); ``--figures`` are the
declared figure PNGs, each of which must have a claims file. The page links every figure
and each paper's notebook (``<paper>.html`` beside it). A verdict is PASS, FAIL or
INCONCLUSIVE (docs/claims.md); the page counts the three apart, so that a claim our run
could not decide is neither credited to nor held against the paper.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from pathlib import Path

import pandas as pd

from physlearn import figures
from physlearn.claims import PAPERS, VERDICTS, read_claims, settings_problems, verdict_of
from physlearn.report import PAPER_CITATIONS, PAPER_TITLES, snapshot

REGISTRY_ORDER = {(f.paper, f.name): i for i, f in enumerate(figures.FIGURES)}
SCALES = ("laptop", "paper")
CLAIM_FIELDS = ("id", "claim", "paper_value", "ours", "criterion")
# One row per claim; the HTML page shows paper, figure, claim, paper value, ours (with its
# uncertainty), verdict (with its criterion) and scale (with the figure's settings summary);
# the other columns say where the figure is.
COLUMNS = [
    "paper",
    "figure",
    "title",
    "claim_id",
    "claim",
    "paper_value",
    "ours",
    "uncertainty",
    "criterion",
    "verdict",
    "scale",
    "settings",
    "claims_file",
    "png",
    "pdf",
    "table",
    # the paper-scale snapshot's verdict of the same claim (physlearn.report.snapshot)
    "paper_scale_state",
    "paper_scale_verdict",
    "paper_scale_ours",
    "paper_scale_uncertainty",
    "paper_scale_png",
]
PAPER_SCALE_COLUMNS = [c for c in COLUMNS if c.startswith("paper_scale_")]
PAPER_SCALE_NOTE = (
    "Paper settings: the verdict of the same claim in the paper-scale snapshot (docs/paper-scale/, made by "
    "`python -m physlearn.report.snapshot` from a run with config/paper.yaml), marked stale when the figure's "
    'code or the paper\'s settings for it changed since; "needs a GPU" for GPT-2 small, "not run" for a '
    "figure not yet run at paper scale."
)


# ----- reading and checking the claims files -----


def figure_problems(doc: dict, where: str) -> list[str]:
    """Everything wrong with one figure's claims document, as readable lines (empty: fine)."""
    problems = []
    if doc.get("paper") not in PAPERS:
        problems.append(f"{where}: paper {doc.get('paper')!r} is not one of {PAPERS}")
    for key in ("figure", "title"):
        if not str(doc.get(key) or "").strip():
            problems.append(f"{where}: {key} is missing")
    if doc.get("scale") not in SCALES:
        problems.append(f"{where}: scale {doc.get('scale')!r} is not one of {SCALES}")
    if not (doc.get("files") or {}).get("png"):
        problems.append(f"{where}: files.png is missing")
    if "settings" in doc:
        problems += [f"{where}: {p}" for p in settings_problems(doc["settings"])]
    claims = doc.get("claims") or []
    if not claims:
        problems.append(f"{where}: no claims")
    ids = [c.get("id") for c in claims]
    if len(set(ids)) != len(ids):
        problems.append(f"{where}: duplicate claim ids {ids}")
    for n, claim in enumerate(claims):
        name = f"{where}: claim {claim.get('id') or n!r}"
        for key in CLAIM_FIELDS:
            if not str(claim.get(key) or "").strip():
                problems.append(f"{name} has no {key}")
        if not isinstance(claim.get("uncertainty", ""), str):
            problems.append(f"{name}: uncertainty {claim['uncertainty']!r} is not text")
        verdict, passed = claim.get("verdict"), claim.get("passed")
        if verdict not in VERDICTS:
            problems.append(f"{name}: verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
        elif "passed" not in claim:  # a missing `passed` is not None: the writer always writes it
            problems.append(f"{name} has no passed (true, false or null)")
        elif (passed is not None and not isinstance(passed, bool)) or verdict != verdict_of(passed):
            problems.append(f"{name}: verdict {verdict} disagrees with passed = {passed!r}")
    return problems


def load_figures(paths) -> list[dict]:
    """Read and check claims files; each document gets its own path as ``claims_file``.
    Raises ValueError listing every problem of every file."""
    docs, problems = [], []
    for path in paths:
        doc = read_claims(path)
        problems += figure_problems(doc, str(path))
        docs.append({**doc, "claims_file": str(path)})
    if problems:
        raise ValueError("claims files with problems:\n  " + "\n  ".join(problems))
    return sorted(docs, key=figure_order)


def undeclared_claims(figure_pngs, docs: list[dict]) -> list[str]:
    """The declared figure PNGs that no claims document names as its ``files.png``."""
    named = {os.path.normpath(d["files"]["png"]) for d in docs}
    return [str(p) for p in figure_pngs if os.path.normpath(str(p)) not in named]


def label_key(label: str) -> tuple:
    """Natural order of figure labels: Fig. 2a < Fig. 2a (appendix pairs) < Fig. 2b < Fig. 10."""
    parts = re.split(r"(\d+)", label)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def figure_order(doc: dict) -> tuple:
    """Paper, then the paper's figure number; a figure of physlearn.figures in its row's
    order among equal labels (Fig. 2a before its appendix pairs)."""
    paper = doc.get("paper")
    rank = PAPERS.index(paper) if paper in PAPERS else len(PAPERS)
    name = Path(str(doc.get("claims_file", ""))).name.removesuffix(".claims.json")
    row = REGISTRY_ORDER.get((paper, name), len(REGISTRY_ORDER))
    return rank, label_key(str(doc.get("figure", ""))), row, str(doc.get("claims_file", ""))


def settings_summary(doc: dict) -> str:
    """How the figure's settings differ from the paper's, in words; "" when the file does not say."""
    return str((doc.get("settings") or {}).get("summary") or "")


# ----- counting verdicts (shared by the page, the notebooks and the README) -----


def tally(verdicts) -> dict[str, int]:
    """How many of each verdict, every verdict named (0 where none)."""
    verdicts = list(verdicts)
    return {v: verdicts.count(v) for v in VERDICTS}


def overall(counts: dict[str, int]) -> str:
    """One verdict for a group of claims, for its colour: FAIL if any fails, else
    INCONCLUSIVE if any is undecided, else PASS."""
    if counts["FAIL"]:
        return "FAIL"
    return "INCONCLUSIVE" if counts["INCONCLUSIVE"] else "PASS"


def holds(counts: dict[str, int], noun: str = "claims hold") -> str:
    """``"3 of 5 claims hold, 1 inconclusive"``; the inconclusive part only where there are some."""
    total = sum(counts.values())
    text = f"{counts['PASS']} of {total} {noun}".rstrip()
    return text + (f", {counts['INCONCLUSIVE']} inconclusive" if counts["INCONCLUSIVE"] else "")


# ----- the table -----


def claims_table(docs: list[dict], snapshot_dir: Path | str | None = None) -> pd.DataFrame:
    """One row per claim, in paper, figure and claim order; with ``snapshot_dir``, each
    claim's paper-scale verdict from that snapshot beside it (:func:`snapshot.attach`)."""
    rows = []
    for doc in sorted(docs, key=figure_order):
        files = doc.get("files") or {}
        for claim in doc["claims"]:
            rows.append(
                {
                    "paper": doc["paper"],
                    "figure": doc["figure"],
                    "title": doc["title"],
                    "claim_id": claim["id"],
                    "claim": claim["claim"],
                    "paper_value": claim["paper_value"],
                    "ours": claim["ours"],
                    "uncertainty": claim.get("uncertainty", ""),
                    "criterion": claim["criterion"],
                    "verdict": claim["verdict"],
                    "scale": doc["scale"],
                    "settings": settings_summary(doc),
                    "claims_file": doc["claims_file"],
                    "png": files.get("png", ""),
                    "pdf": files.get("pdf", ""),
                    "table": files.get("table", ""),
                    **dict.fromkeys(PAPER_SCALE_COLUMNS, ""),
                }
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    if snapshot_dir is not None:
        table = snapshot.attach(table.drop(columns=PAPER_SCALE_COLUMNS), docs, snapshot_dir)
    return table[COLUMNS]


def paper_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per paper (all of PAPERS, those without figures too): figures, claims, PASS, FAIL,
    INCONCLUSIVE (which add up to the claims), scale; and of the paper-scale snapshot's
    current verdicts, ``paper_PASS``, ``paper_FAIL``, ``paper_INCONCLUSIVE``, ``paper_stale``
    (rows whose code or settings changed since), ``paper_gpu`` (needs a GPU) and
    ``paper_not_run``, which add up to the claims too; ``agree`` of ``both``: claims whose two
    current verdicts are the same."""
    rows = []
    for paper in PAPERS:
        mine = table[table["paper"] == paper]
        state = mine["paper_scale_state"]
        agree, both = snapshot.agreement(mine)
        rows.append(
            {
                "paper": paper,
                "figures": mine["claims_file"].nunique(),
                "claims": len(mine),
                **tally(mine["verdict"]),
                "scale": ", ".join(sorted(set(mine["scale"]))) or "",
                **{f"paper_{v}": n for v, n in tally(mine["paper_scale_verdict"][state == snapshot.CURRENT]).items()},
                "paper_stale": int(state.str.startswith("stale").sum()),
                "paper_gpu": int((state == snapshot.NEEDS_GPU).sum()),
                "paper_not_run": int(state.isin([snapshot.NOT_RUN, ""]).sum()),
                "agree": agree,
                "both": both,
            }
        )
    return pd.DataFrame(rows)


def paper_scale_text(row) -> str:
    """The paper-scale counts of one row of :func:`paper_counts`, in words."""
    parts = [f"{row['paper_PASS']} PASS, {row['paper_FAIL']} FAIL, {row['paper_INCONCLUSIVE']} INCONCLUSIVE"]
    parts += [
        f"{row[key]} {words}"
        for key, words in (("paper_stale", "stale"), ("paper_gpu", "need a GPU"), ("paper_not_run", "not run"))
        if row[key]
    ]
    return "; ".join(parts)


def anchor(claims_file: str) -> str:
    """The id of a figure's section in its paper's notebook: the claims file's name less
    ``.claims.json`` (e.g. ``valley_sharpness``)."""
    name = Path(claims_file).name
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name.removesuffix(".claims.json"))


def coverage(counts: pd.DataFrame) -> str:
    """Which papers have figures so far, in words."""

    def names(rows):
        return ", ".join(PAPER_TITLES[p] for p in rows["paper"])

    done, todo = counts[counts["claims"] > 0], counts[counts["claims"] == 0]
    if todo.empty:
        return "Every paper has figures."
    if done.empty:
        return "No paper has figures yet."
    return f"Figures so far: {names(done)}; none yet: {names(todo)}."


def status(row) -> str:
    """A paper's state in words, from its row of :func:`paper_counts`."""
    fail, undecided = row["FAIL"], row["INCONCLUSIVE"]
    if row["claims"] == 0:
        return "no figures produced yet"
    if fail == 0 and undecided == 0:
        return "every claim holds"
    if fail == 0:
        return f"no claim fails; {undecided} of {row['claims']} inconclusive"
    return f"{fail} of {row['claims']} claims fail" + (f", {undecided} inconclusive" if undecided else "")


# ----- the page -----

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
       max-width: 1400px; margin: 2em auto; padding: 0 1.5em; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
p.lede { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0; }
th, td { text-align: left; vertical-align: top; padding: 0.45em 0.6em; border-bottom: 1px solid #e5e5e5; }
th { background: #f5f5f7; position: sticky; top: 0; }
table.counts { width: auto; } table.counts td.n { text-align: right; }
td.verdict { white-space: nowrap; }
.PASS { color: #0a6e31; font-weight: 600; } .FAIL { color: #b3261e; font-weight: 600; }
.INCONCLUSIVE { color: #8a5a00; font-weight: 600; }
tr.row-FAIL td { background: #fff4f3; } tr.row-INCONCLUSIVE td { background: #fff8e6; }
.uncertainty, .settings { display: block; color: #666; font-size: 0.85em; }
.criterion { display: block; color: #666; font-size: 0.85em; font-weight: normal; white-space: normal; }
.muted { color: #777; } .small { font-size: 0.85em; }
td.figure { white-space: nowrap; }
.gallery { display: flex; flex-wrap: wrap; gap: 1.2em; }
.gallery figure { margin: 0; width: 300px; }
.gallery img { width: 300px; border: 1px solid #ddd; }
.gallery figcaption { font-size: 0.85em; color: #444; }
code { background: #f5f5f7; padding: 0 0.25em; border-radius: 3px; }
"""


def _e(text) -> str:
    return html.escape(str(text))


def _link(href: str, text: str) -> str:
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def render_index(table: pd.DataFrame, html_path: Path | str) -> str:
    """The scoreboard page. Links are relative to ``html_path``'s folder; each paper's
    notebook is ``<paper>.html`` there."""
    here = Path(html_path).parent

    def rel(path: str) -> str:
        return os.path.relpath(path, here) if path else ""

    counts = paper_counts(table)
    everything = tally(table["verdict"])
    scales = sorted(set(table["scale"]))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>physlearn: replication scoreboard</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>physlearn: what replicated</h1>",
        f'<p class="lede"><b>{everything["PASS"]} of {len(table)} claims hold</b>, '
        f"<span class='INCONCLUSIVE'>{everything['INCONCLUSIVE']} inconclusive</span>, "
        f"at {_e(' and '.join(scales) or 'no')} scale. "
        f"{_e(paper_scale_lede(table))} "
        f"{_e(coverage(counts))} Each figure rule wrote its claims "
        "(the paper's value, ours with its uncertainty, the criterion fixed before the numbers were seen, "
        "and the verdict); this page gathers them. A claim that fails at this scale is shown as FAIL, not "
        "tuned away; one whose uncertainty interval straddles the criterion is INCONCLUSIVE. Under each "
        "figure, how its settings differ from the paper's.</p>",
        "<h2>Per paper</h2>",
        '<table class="counts"><tr><th>paper</th><th>notebook</th><th>figures</th><th>claims</th>'
        + "".join(f"<th>{v}</th>" for v in VERDICTS)
        + "<th>scale</th><th>status</th><th>at the paper's settings (snapshot)</th><th>verdicts agree</th></tr>",
    ]
    for _, row in counts.iterrows():
        paper = row["paper"]
        out.append(
            f"<tr><td>{_e(PAPER_TITLES[paper])}<br><span class='muted small'>{_e(PAPER_CITATIONS[paper])}</span></td>"
            f"<td>{_link(f'{paper}.html', 'notebook')}</td>"
            + (
                f"<td class='n'>{row['figures']}</td><td class='n'>{row['claims']}</td>"
                + "".join(f"<td class='n {v}'>{row[v]}</td>" for v in VERDICTS)
                if row["claims"]
                else "<td class='n muted'>0</td>" + "<td class='n muted'>&ndash;</td>" * (1 + len(VERDICTS))
            )
            + f"<td>{_e(row['scale']) or '&ndash;'}</td><td>{_e(status(row))}</td>"
            f"<td>{_e(paper_scale_text(row)) if row['claims'] else '&ndash;'}</td>"
            f"<td class='n'>{agreement_text(row)}</td></tr>"
        )
    out.append("</table>")

    out.append("<h2>Figures</h2>")
    one_per_figure = table.drop_duplicates("claims_file")
    if one_per_figure.empty:
        out.append("<p>No figure has been produced yet.</p>")
    for paper in PAPERS:
        mine = one_per_figure[one_per_figure["paper"] == paper]
        if mine.empty:
            continue
        out.append(f"<h3>{_e(PAPER_TITLES[paper])}</h3><div class='gallery'>")
        for _, fig in mine.iterrows():
            verdicts = tally(table[table["claims_file"] == fig["claims_file"]]["verdict"])
            links = [_link(f"{paper}.html#{anchor(fig['claims_file'])}", "in the notebook")]
            links += [
                _link(rel(fig[k]), k.upper() if k != "table" else "CSV") for k in ("png", "pdf", "table") if fig[k]
            ]
            out.append(
                f"<figure><a href='{_e(rel(fig['png']))}'><img src='{_e(rel(fig['png']))}' "
                f"alt='{_e(fig['figure'])}' loading='lazy'></a>"
                f"<figcaption><b>{_e(fig['figure'])}</b>: {_e(fig['title'])}<br>"
                f"<span class='{overall(verdicts)}'>{_e(holds(verdicts))}</span>"
                f" &middot; {' &middot; '.join(links)}"
                + (f"<span class='settings'>settings: {_e(fig['settings'])}</span>" if fig["settings"] else "")
                + "</figcaption></figure>"
            )
        out.append("</div>")

    out += [
        "<h2>Every claim</h2>",
        "<p class='muted'>The same table is <code>results/claims.csv</code>. Under ours, its uncertainty; "
        "under each verdict, the criterion that decided it; under the scale, how the figure's settings "
        f"differ from the paper's. {_e(PAPER_SCALE_NOTE)}</p>",
        "<table class='claims'><tr><th>paper</th><th>figure</th><th>claim</th><th>paper value</th>"
        "<th>ours</th><th>verdict</th><th>scale</th><th>at the paper's settings</th></tr>",
    ]
    for _, row in table.iterrows():
        section = f"{row['paper']}.html#{anchor(row['claims_file'])}"
        out.append(
            f"<tr class='row-{_e(row['verdict'])}'><td>{_e(PAPER_TITLES.get(row['paper'], row['paper']))}</td>"
            f"<td class='figure'>{_link(section, row['figure'])}<br>"
            f"<span class='small'>{_link(rel(row['png']), 'PNG')}"
            + (f" &middot; {_link(rel(row['pdf']), 'PDF')}" if row["pdf"] else "")
            + "</span></td>"
            f"<td>{_e(row['claim'])}</td><td>{_e(row['paper_value'])}</td><td>{_e(row['ours'])}"
            + (f"<span class='uncertainty'>{_e(row['uncertainty'])}</span>" if row["uncertainty"] else "")
            + "</td>"
            f"<td class='verdict'><span class='{_e(row['verdict'])}'>{_e(row['verdict'])}</span>"
            f"<span class='criterion'>{_e(row['criterion'])}</span></td>"
            f"<td>{_e(row['scale'])}"
            + (f"<span class='settings'>{_e(row['settings'])}</span>" if row["settings"] else "")
            + f"</td><td class='verdict'>{paper_scale_cell(row, rel)}</td></tr>"
        )
    if table.empty:
        out.append("<tr><td colspan='8'>No claims yet.</td></tr>")
    out += ["</table>", "</body></html>", ""]
    return "\n".join(out)


def agreement_text(row) -> str:
    """ "12 of 14" claims whose two verdicts agree, of a row of :func:`paper_counts`."""
    return f"{row['agree']} of {row['both']}" if row["both"] else "&ndash;"


def paper_scale_lede(table: pd.DataFrame) -> str:
    """The paper-scale verdicts in one sentence, and how often the two scales agree."""
    current = table[table["paper_scale_state"] == snapshot.CURRENT]
    if current.empty:
        return "No claim has a current verdict at the paper's settings yet (docs/paper-scale/)."
    counts = tally(current["paper_scale_verdict"])
    agree, both = snapshot.agreement(table)
    return (
        f"At the paper's settings (the snapshot in docs/paper-scale/), {counts['PASS']} of {len(current)} claims "
        f"measured hold, {counts['INCONCLUSIVE']} inconclusive; the laptop verdict agrees with it for {agree} of "
        f"{both} ({agree / both:.0%})."
    )


def paper_scale_cell(row, rel) -> str:
    """A claim's paper-scale verdict, ours and uncertainty, and its state unless current."""
    state, verdict = row["paper_scale_state"] or snapshot.NOT_RUN, row["paper_scale_verdict"]
    if not verdict:
        return f"<span class='muted'>{_e(state)}</span>"
    out = f"<span class='{_e(verdict)}'>{_e(verdict)}</span>"
    if state != snapshot.CURRENT:
        out = f"<span class='muted'>{_e(verdict)}</span> <span class='muted small'>({_e(state)})</span>"
    out += f"<span class='criterion'>{_e(row['paper_scale_ours'])}</span>"
    if row["paper_scale_uncertainty"]:
        out += f"<span class='uncertainty'>{_e(row['paper_scale_uncertainty'])}</span>"
    if row["paper_scale_png"]:
        out += f"<span class='small'>{_link(rel(row['paper_scale_png']), 'PNG')}</span>"
    return out


def build(claims_files, figure_pngs, csv_path, html_path, snapshot_dir=None) -> pd.DataFrame:
    """Read, check, and write the CSV and the page; returns the table."""
    docs = load_figures(claims_files)
    missing = undeclared_claims(figure_pngs, docs)
    if missing:
        raise ValueError("declared figures without a claims file naming them: " + ", ".join(missing))
    table = claims_table(docs, snapshot_dir)
    for path in (csv_path, html_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv_path, index=False)
    Path(html_path).write_text(render_index(table, html_path))
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", nargs="*", default=[], help="every figure's claims.json")
    parser.add_argument("--figures", nargs="*", default=[], help="every declared figure PNG")
    parser.add_argument("--csv", required=True)
    parser.add_argument("--html", required=True)
    parser.add_argument(
        "--snapshot", default=str(snapshot.SNAPSHOT), help="the paper-scale snapshot to set beside each claim"
    )
    args = parser.parse_args(argv)
    table = build(args.claims, args.figures, args.csv, args.html, args.snapshot)
    counts = paper_counts(table)
    for _, row in counts.iterrows():
        print(
            f"{row['paper']}: {row['figures']} figures, {row['claims']} claims, "
            + ", ".join(f"{row[v]} {v}" for v in VERDICTS)
            + f"; paper settings: {paper_scale_text(row)}",
            file=sys.stderr,
            flush=True,
        )


if __name__ == "__main__":
    main()
