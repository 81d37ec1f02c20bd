"""What the paper notebooks (``paper/*.py``) show, as HTML built from the workflow's outputs.

A notebook lists its paper's figures as sections; each section shows, for every figure the
workflow produced with a matching label: our figure, the paper's claims and numbers, ours
with its uncertainty, the verdict (PASS, FAIL or INCONCLUSIVE) with its criterion, the scale
with how the figure's settings differ from the paper's, and the config values the figure
records. A figure the workflow does not produce yet is named plainly as such. Nothing here computes a
result: it reads each figure's ``claims.json`` and its PNG.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from pathlib import Path

from physlearn.report import PAPER_TITLES, snapshot
from physlearn.report.scoreboard import anchor, holds, label_key, load_figures, overall, settings_summary, tally

SCALE_NOTES = {
    "laptop": "laptop scale (config.yaml: CPU, minutes; smaller grids, fewer replicates or shorter runs than the paper)",
    "paper": "paper scale (config/paper.yaml: the authors' settings)",
}
NOTEBOOK_DIR = "results/paper"  # where the rendered notebooks live; links are relative to it

STYLE = """<style>
.pl-section { margin: 0.5em 0 2.5em 0; }
.pl-section h3 { margin-bottom: 0.2em; }
.pl-section img { max-width: 100%; height: auto; border: 1px solid #ddd; }
.pl-section table, .pl-summary table { border-collapse: collapse; margin: 0.6em 0; width: 100%; }
.pl-section th, .pl-section td, .pl-summary th, .pl-summary td { text-align: left; vertical-align: top;
    padding: 0.4em 0.6em; border-bottom: 1px solid #e5e5e5; }
.pl-section th, .pl-section td, .pl-summary th, .pl-summary td { text-align: left !important;
    vertical-align: top !important; max-width: none !important; font-size: 13px; }
.pl-section th, .pl-summary th { background: #f5f5f7; }
.pl-PASS { color: #0a6e31; font-weight: 600; } .pl-FAIL { color: #b3261e; font-weight: 600; }
.pl-INCONCLUSIVE { color: #8a5a00; font-weight: 600; }
tr.pl-row-FAIL td { background: #fff4f3; } tr.pl-row-INCONCLUSIVE td { background: #fff8e6; }
.pl-muted { color: #666; font-size: 0.9em; }
.pl-badge { display: inline-block; padding: 0 0.5em; border-radius: 0.6em; background: #eef; font-size: 0.85em; }
.pl-settings { background: #f3f3f3; }
.pl-missing { border-left: 4px solid #d9a400; background: #fffbea; padding: 0.6em 0.9em; }
table.pl-config { width: auto; } table.pl-config td:first-child { font-family: monospace; }
</style>"""


# ----- reading -----


def load_paper(
    paper: str, claims: list[str] | None = None, results: Path | str = "results", paper_scale=snapshot.SNAPSHOT
) -> list[dict]:
    """The paper's figures, each its checked claims document, in figure order, every claim
    with its result in the paper-scale snapshot ``paper_scale`` under ``"paper_scale"``.

    ``claims``: the claims files (the workflow passes those of the figures it declares);
    None finds them under ``results/figures/<paper>/`` (for a notebook opened by hand).
    """
    if claims is None:
        claims = sorted(str(p) for p in (Path(results) / "figures" / paper).rglob("*.claims.json"))
    docs = load_figures(claims)
    wrong = [d["claims_file"] for d in docs if d["paper"] != paper]
    if wrong:
        raise ValueError(f"claims files of another paper than {paper!r}: {wrong}")
    return snapshot.annotate(docs, paper_scale)


def figure_number(label: str) -> tuple[int, str] | None:
    """``"Fig. 2a (appendix pairs)"`` -> ``(2, "a")``; ``"Figs. 3"`` -> ``(3, "")``; None if no number."""
    match = re.search(r"Figs?\.?\s*(\d+)\s*([a-z]?)(?![a-z])", label)
    return (int(match.group(1)), match.group(2)) if match else None


def matches(label: str, wanted: str) -> bool:
    """Whether a figure labelled ``label`` is (part of) the paper's figure ``wanted``:
    same number, and the same panel letter unless either names the whole figure."""
    ours, theirs = figure_number(label), figure_number(wanted)
    if ours is None or theirs is None:
        return label.strip() == wanted.strip()
    return ours[0] == theirs[0] and (not ours[1] or not theirs[1] or ours[1] == theirs[1])


def select(docs: list[dict], wanted: list[str]) -> list[dict]:
    return [d for d in docs if any(matches(d["figure"], w) for w in wanted)]


def not_produced(docs: list[dict], wanted: list[str]) -> list[str]:
    return [w for w in wanted if not any(matches(d["figure"], w) for d in docs)]


# ----- HTML pieces -----


def _e(text) -> str:
    return html.escape(str(text))


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value)
    return str(value)


def embedded_png(path: Path | str) -> str:
    """A PNG as a data URI, so that the rendered notebook stands alone."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def png_width(path: Path | str) -> int:
    """A PNG's width in pixels, from its header."""
    header = Path(path).read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    return int.from_bytes(header[16:20], "big")


def _rel(path: str, base: str) -> str:
    return os.path.relpath(path, base) if path else ""


def verdict_counts(doc: dict) -> dict[str, int]:
    """How many of the figure's claims have each verdict (every verdict named)."""
    return tally(c["verdict"] for c in doc["claims"])


def settings_note(doc: dict) -> str:
    """The figure's settings against the paper's, for beside the scale; "" when the file does not say."""
    summary = settings_summary(doc)
    if not summary:
        return ""
    differs = (doc.get("settings") or {}).get("differs") or []
    return f"settings: {summary}" if differs else summary


def paper_scale_summary(docs: list[dict]) -> str:
    """The paper-scale snapshot's verdicts of the paper's claims, and their agreement with ours, in words."""
    results = [c.get("paper_scale") or {"state": snapshot.NOT_RUN, "verdict": ""} for d in docs for c in d["claims"]]
    laptop = [c["verdict"] for d in docs for c in d["claims"]]
    current = [r["verdict"] for r in results if r["state"] == snapshot.CURRENT and r["verdict"]]
    both = [(ours, r["verdict"]) for ours, r in zip(laptop, results) if r["state"] == snapshot.CURRENT and r["verdict"]]
    states = [r["state"] for r in results]
    rest = [
        f"{n} {words}"
        for n, words in (
            (sum(s.startswith("stale") for s in states), "stale"),
            (states.count(snapshot.NEEDS_GPU), "need a GPU"),
            (states.count(snapshot.NOT_RUN), "not run yet"),
        )
        if n
    ]
    counts = tally(current)
    text = (
        f"At the paper's settings (the snapshot in docs/paper-scale/): {counts['PASS']} PASS, {counts['FAIL']} FAIL, "
        f"{counts['INCONCLUSIVE']} INCONCLUSIVE"
    )
    if rest:
        text += f"; {', '.join(rest)}"
    if both:
        text += f". The two scales agree on {sum(a == b for a, b in both)} of the {len(both)} claims measured at both."
    return text + "."


def summary_html(paper: str, docs: list[dict], expected: list[str]) -> str:
    """The notebook's opening: counts, and each of the paper's figures, produced or not."""
    counts = tally(c["verdict"] for d in docs for c in d["claims"])
    scales = sorted({d["scale"] for d in docs})
    out = [STYLE, "<div class='pl-summary'>"]
    if docs:
        out.append(
            f"<p><b>{counts['PASS']} of {sum(counts.values())} claims hold</b>: "
            f"<span class='pl-PASS'>{counts['PASS']} PASS</span>, <span class='pl-FAIL'>{counts['FAIL']} FAIL</span>, "
            f"<span class='pl-INCONCLUSIVE'>{counts['INCONCLUSIVE']} INCONCLUSIVE</span> "
            "(our uncertainty interval straddles the criterion), "
            f"over {len(docs)} figures produced, at {_e(' and '.join(SCALE_NOTES.get(s, s) for s in scales))}.</p>"
        )
        out.append(f"<p>{_e(paper_scale_summary(docs))}</p>")
    else:
        out.append(
            f"<p class='pl-missing'><b>No figure of this paper is produced yet.</b> The workflow has no "
            f"rule for {_e(PAPER_TITLES.get(paper, paper))} yet, so there is nothing to compare; the "
            "sections below list what will appear here.</p>"
        )
    out.append("<table><tr><th>paper's figure</th><th>our figures</th><th>claims that hold</th></tr>")
    for label in sorted(expected, key=label_key):
        mine = select(docs, [label])
        if not mine:
            out.append(f"<tr><td>{_e(label)}</td><td colspan='2' class='pl-muted'>not produced yet</td></tr>")
            continue
        for n, doc in enumerate(mine):
            counts = verdict_counts(doc)
            first = f"<td rowspan='{len(mine)}'>{_e(label)}</td>" if n == 0 else ""
            out.append(
                f"<tr>{first}<td><a href='#{_e(anchor(doc['claims_file']))}'>{_e(doc['figure'])}</a>: "
                f"{_e(doc['title'])}</td><td class='pl-{overall(counts)}'>{_e(holds(counts, ''))}</td></tr>"
            )
    others = [d for d in docs if not select([d], expected)]
    for doc in others:
        counts = verdict_counts(doc)
        out.append(
            f"<tr><td class='pl-muted'>(other)</td><td><a href='#{_e(anchor(doc['claims_file']))}'>"
            f"{_e(doc['figure'])}</a>: {_e(doc['title'])}</td>"
            f"<td class='pl-{overall(counts)}'>{_e(holds(counts, ''))}</td></tr>"
        )
    out += [
        "</table>",
        "<p class='pl-muted'>The scoreboard of all the papers: <a href='index.html'>index.html</a>.</p>",
        "</div>",
    ]
    return "\n".join(out)


def figure_html(doc: dict, base: str = NOTEBOOK_DIR) -> str:
    """One figure's section: our figure, then per claim the paper's value, ours with its
    uncertainty, the verdict with its criterion; the scale with how the settings differ from
    the paper's, and the config the figure records."""
    files = doc.get("files") or {}
    counts = verdict_counts(doc)
    note = settings_note(doc)
    links = " &middot; ".join(
        f"<a href='{_e(_rel(files[k], base))}'>{name}</a>"
        for k, name in (("pdf", "PDF"), ("png", "PNG"), ("table", "the numbers (CSV)"))
        if files.get(k)
    )
    links += f" &middot; <a href='{_e(_rel(doc['claims_file'], base))}'>claims.json</a>"
    out = [
        f"<div class='pl-section' id='{_e(anchor(doc['claims_file']))}'>",
        f"<h3>{_e(doc['figure'])}: {_e(doc['title'])}</h3>",
        f"<p><span class='pl-badge'>{_e(SCALE_NOTES.get(doc['scale'], doc['scale']))}</span> "
        + (f"<span class='pl-badge pl-settings'>{_e(note)}</span> " if note else "")
        + f"<span class='pl-{overall(counts)}'>{_e(holds(counts))}</span></p>",
        # Figures are saved at 200 dpi: 0.6 px per pixel is about their size at 120 dpi on screen.
        f"<img src='{embedded_png(files['png'])}' alt='{_e(doc['figure'])}' "
        f"style='width: {round(png_width(files['png']) * 0.6)}px'>",
        f"<p class='pl-muted'>{links}</p>",
        "<table><tr><th>the paper's claim</th><th>paper</th><th>ours</th><th>verdict, and why</th>"
        "<th>at the paper's settings</th></tr>",
    ]
    for claim in doc["claims"]:
        out.append(
            f"<tr class='pl-row-{_e(claim['verdict'])}'><td>{_e(claim['claim'])}</td>"
            f"<td>{_e(claim['paper_value'])}</td><td>{_e(claim['ours'])}"
            + (f"<br><span class='pl-muted'>{_e(claim['uncertainty'])}</span>" if claim.get("uncertainty") else "")
            + f"</td><td><span class='pl-{_e(claim['verdict'])}'>{_e(claim['verdict'])}</span>"
            f"<br><span class='pl-muted'>{_e(claim['criterion'])}</span></td>"
            f"<td>{paper_scale_html(claim.get('paper_scale'))}</td></tr>"
        )
    out.append("</table>")
    config = doc.get("config") or {}
    differs = (doc.get("settings") or {}).get("differs") or []
    if config or differs:
        out.append(f"<details open><summary>Settings of this run ({_e(doc['scale'])} scale)</summary>")
    if differs:
        out.append("<table class='pl-config'><tr><th>differs from the paper</th><th>ours</th><th>paper</th></tr>")
        out += [
            f"<tr><td>{_e(d.get('key', ''))}</td><td>{_e(_value(d.get('ours')))}</td>"
            f"<td>{_e(_value(d.get('paper')))}</td></tr>"
            for d in differs
        ]
        out.append("</table>")
    if config:
        out.append("<table class='pl-config'>")
        out += [f"<tr><td>{_e(k)}</td><td>{_e(_value(v))}</td></tr>" for k, v in config.items()]
        out.append("</table>")
    if config or differs:
        out.append("</details>")
    out.append("</div>")
    return "\n".join(out)


def paper_scale_html(result: dict | None) -> str:
    """A claim's paper-scale verdict with ours, or why there is none (needs a GPU, not run, stale)."""
    result = result or {"state": snapshot.NOT_RUN, "verdict": ""}
    if not result["verdict"]:
        return f"<span class='pl-muted'>{_e(result['state'])}</span>"
    current = result["state"] == snapshot.CURRENT
    out = (
        f"<span class='pl-{_e(result['verdict'])}'>{_e(result['verdict'])}</span>" if current else _e(result["verdict"])
    )
    if not current:
        out += f" <span class='pl-muted'>({_e(result['state'])})</span>"
    out += f"<br>{_e(result['ours'])}"
    if result.get("uncertainty"):
        out += f"<br><span class='pl-muted'>{_e(result['uncertainty'])}</span>"
    return out


def missing_html(labels: list[str]) -> str:
    names = ", ".join(labels)
    which = "this figure" if len(labels) == 1 else "these figures"
    return (
        f"<p class='pl-missing'><b>Not produced yet: {_e(names)}.</b> The workflow has no "
        f"rule for {which} yet; their claims will appear here once it does.</p>"
    )


def section_html(docs: list[dict], wanted: list[str], base: str = NOTEBOOK_DIR) -> str:
    """Every produced figure matching ``wanted``, in order, then the labels not produced yet."""
    parts = [figure_html(d, base) for d in select(docs, wanted)]
    missing = not_produced(docs, wanted)
    if missing:
        parts.append(missing_html(missing))
    return "\n".join(parts)


def others_html(docs: list[dict], expected: list[str], base: str = NOTEBOOK_DIR) -> str:
    """Produced figures that no section of the notebook names (new ones land here first)."""
    others = [d for d in docs if not select([d], expected)]
    if not others:
        return "<p class='pl-muted'>None: every figure produced is shown in its section above.</p>"
    return "\n".join(figure_html(d, base) for d in sorted(others, key=lambda d: label_key(d["figure"])))


def show(markup: str) -> None:
    """Display HTML in a notebook (prints a note when run as a plain script)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(HTML(markup))
    else:
        text = re.sub(r"<style>.*?</style>|<img[^>]*>", "", markup, flags=re.S)
        print(html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()))
