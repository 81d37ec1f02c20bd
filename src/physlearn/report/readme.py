"""Rewrite README.md's "Results at a glance" block from the scoreboard of a laptop-scale run.

    snakemake --cores all && python -m physlearn.report.readme

Reads ``results/claims.csv``, keeps the laptop-scale rows, and writes, between the markers
``<!-- results-at-a-glance:begin -->`` and ``<!-- results-at-a-glance:end -->`` of
README.md, the counts per paper and a small gallery. The gallery's PNGs are copied to
``docs/gallery/`` (``results/`` is not under version control), so the README shows them
anywhere. It also rewrites the table of figures (between ``<!-- figures:begin -->`` and
``<!-- figures:end -->``) from :mod:`physlearn.figures`; ``--figures-only`` rewrites just that
table. Nothing outside the blocks changes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

from physlearn import figures
from physlearn.claims import PAPERS
from physlearn.report import PAPER_TITLES, snapshot
from physlearn.report.scoreboard import anchor, holds, label_key, paper_counts, tally

BEGIN = "<!-- results-at-a-glance:begin -->"
END = "<!-- results-at-a-glance:end -->"
FIGURES_BEGIN = "<!-- figures:begin -->"
FIGURES_END = "<!-- figures:end -->"
COMMAND = "python -m physlearn.report.readme"


def laptop_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The claims of a laptop-scale run: all of them. A figure whose settings are the
    paper's says scale "paper" even in a laptop run; a run with no reduced figure at all is
    a paper-scale run, which this block does not describe."""
    if not table.empty and (table["scale"] != "laptop").all():
        raise ValueError(
            "the scoreboard has no laptop-scale claims: run `snakemake --cores all` "
            "with config.yaml (not config/paper.yaml) first"
        )
    return table


def gallery_figures(table: pd.DataFrame, per_paper: int = 2) -> pd.DataFrame:
    """Up to ``per_paper`` figures of each paper, the paper's main figures (labels without a
    parenthesis, such as ``Fig. 2a``) first, in figure order."""
    one_per_figure = table.drop_duplicates("claims_file")
    picked = []
    for paper in PAPERS:
        mine = one_per_figure[one_per_figure["paper"] == paper]
        mine = sorted(mine.to_dict("records"), key=lambda f: ("(" in f["figure"], label_key(f["figure"])))
        picked += mine[:per_paper]
    return pd.DataFrame(picked, columns=table.columns)


def gallery_name(figure: dict) -> str:
    return f"{figure['paper']}-{anchor(figure['claims_file'])}.png"


def block(table: pd.DataFrame, gallery: pd.DataFrame, gallery_dir: str = "docs/gallery") -> str:
    """The Markdown between the markers (the markers excluded). Inconclusive claims (our
    uncertainty interval straddles the criterion) are counted apart, never as holding."""
    counts = paper_counts(table)
    everything = tally(table["verdict"])
    figures_run = table.drop_duplicates("claims_file")
    n_figures, at_paper = len(figures_run), int((figures_run["scale"] == "paper").sum())
    agree, both = snapshot.agreement(table)
    lines = [
        f"<!-- written by `{COMMAND}` from results/claims.csv; do not edit by hand -->",
        "",
        f"At laptop scale (`config.yaml`), **{everything['PASS']} of {len(table)} claims hold**, "
        f"{everything['INCONCLUSIVE']} inconclusive; {at_paper} of {n_figures} figures ran at the "
        "paper's settings. Beside them, the verdicts of the paper-scale snapshot (`docs/paper-scale/`, "
        "the same claims measured with `config/paper.yaml`)"
        + (f": the two scales agree on **{agree} of {both}** claims measured at both." if both else ": none yet.")
        + " Per paper:",
        "",
        "| paper | figures | claims | laptop PASS | FAIL | INCONCLUSIVE | paper settings PASS | FAIL | INCONCLUSIVE "
        "| not measured | agree |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for _, row in counts.iterrows():
        name = PAPER_TITLES[row["paper"]]
        if row["claims"] == 0:
            lines.append(f"| {name} | not produced yet | | | | | | | | | |")
            continue
        unmeasured = [
            f"{row[key]} {words}"
            for key, words in (("paper_stale", "stale"), ("paper_gpu", "need a GPU"), ("paper_not_run", "not run"))
            if row[key]
        ]
        cells = [row["figures"], row["claims"], row["PASS"], row["FAIL"], row["INCONCLUSIVE"]]
        cells += [row["paper_PASS"], row["paper_FAIL"], row["paper_INCONCLUSIVE"], ", ".join(unmeasured) or "0"]
        cells.append(f"{row['agree']} of {row['both']}" if row["both"] else "–")
        lines.append(f"| {name} | " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", *claim_lines(table)]
    if not gallery.empty:
        lines += ["", "<table><tr>"]
        for n, (_, fig) in enumerate(gallery.iterrows()):
            if n and n % 2 == 0:
                lines.append("</tr><tr>")
            mine = tally(table[table["claims_file"] == fig["claims_file"]]["verdict"])
            lines.append(
                f'<td width="50%"><img src="{gallery_dir}/{gallery_name(fig)}" alt="{fig["figure"]}"><br>'
                f"{PAPER_TITLES[fig['paper']]} {fig['figure']}: {fig['title']} "
                f"({holds(mine)})</td>"
            )
        lines.append("</tr></table>")
    lines += [
        "",
        "A claim is INCONCLUSIVE when our uncertainty interval straddles its criterion. "
        "Every claim, with the paper's value, ours and the criterion, is in `results/paper/index.html` "
        "(and `results/claims.csv`); each paper's notebook is `results/paper/<paper>.html`. "
        f"After a laptop-scale run, `{COMMAND}` rewrites this block.",
    ]
    return "\n".join(lines)


def claim_lines(table: pd.DataFrame) -> list[str]:
    """Every claim's two verdicts, folded away (the README stays short)."""
    lines = [
        "<details><summary>Every claim at both scales</summary>",
        "",
        "| paper | figure | claim | laptop | paper settings |",
        "|---|---|---|---|---|",
    ]
    for _, row in table.iterrows():
        state, verdict = row["paper_scale_state"] or snapshot.NOT_RUN, row["paper_scale_verdict"]
        theirs = verdict if state == snapshot.CURRENT else (f"{verdict} ({state})" if verdict else state)
        lines.append(
            f"| {PAPER_TITLES[row['paper']]} | {row['figure']} | `{row['claim_id']}` | {row['verdict']} | {theirs} |"
        )
    return [*lines, "", "</details>"]


def replace_block(readme: str, content: str, begin: str = BEGIN, end: str = END) -> str:
    """README text with everything between the markers replaced by ``content``."""
    if readme.count(begin) != 1 or readme.count(end) != 1 or readme.index(begin) > readme.index(end):
        raise ValueError(f"README must hold {begin} and then {end}, once each")
    head, rest = readme.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{content}\n{end}{tail}"


def figures_block() -> str:
    """The README's table of figures, one row per row of physlearn.figures."""
    lines = [
        f"<!-- written by `{COMMAND} --figures-only` from src/physlearn/figures.py; do not edit by hand -->",
        "",
        "| paper | figure | outputs `results/figures/<paper>/<name>.{pdf,png,csv,claims.json}` | what | code |",
        "|---|---|---|---|---|",
    ]
    for f in figures.FIGURES:
        lines.append(f"| {PAPER_TITLES[f.paper]} | {f.label} | `{f.paper}/{f.name}` | {f.title} | `{f.step}` |")
    return "\n".join(lines)


def update(
    claims_csv: Path | str, readme: Path | str, gallery_dir: Path | str, per_paper: int = 2, root: Path | str = "."
) -> str:
    """Rewrite the README block and the gallery's PNGs; returns the new README text."""
    table = laptop_rows(pd.read_csv(claims_csv, keep_default_na=False))
    gallery = gallery_figures(table, per_paper)
    root, gallery_dir = Path(root), Path(gallery_dir)
    target = gallery_dir if gallery_dir.is_absolute() else root / gallery_dir
    target.mkdir(parents=True, exist_ok=True)
    keep = set()
    for _, fig in gallery.iterrows():
        name = gallery_name(fig)
        shutil.copyfile(root / fig["png"], target / name)
        keep.add(name)
    for old in target.glob("*.png"):  # figures that left the gallery
        if old.name not in keep:
            old.unlink()
    text = replace_block(Path(readme).read_text(), block(table, gallery, gallery_dir.as_posix()))
    if FIGURES_BEGIN in text:
        text = replace_block(text, figures_block(), FIGURES_BEGIN, FIGURES_END)
    Path(readme).write_text(text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", default="results/claims.csv")
    parser.add_argument("--readme", default="README.md")
    parser.add_argument(
        "--gallery", default="docs/gallery", help="where the gallery's PNGs go (relative to the README)"
    )
    parser.add_argument("--per-paper", type=int, default=2, help="figures per paper in the gallery")
    parser.add_argument(
        "--figures-only",
        action="store_true",
        help="rewrite only the table of figures (from src/physlearn/figures.py; needs no results)",
    )
    args = parser.parse_args(argv)
    if args.figures_only:
        path = Path(args.readme)
        path.write_text(replace_block(path.read_text(), figures_block(), FIGURES_BEGIN, FIGURES_END))
        print(f"rewrote the table of figures of {args.readme}", file=sys.stderr)
        return
    update(args.claims, args.readme, args.gallery, args.per_paper, root=Path(args.readme).parent)
    print(f"rewrote the results block of {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
