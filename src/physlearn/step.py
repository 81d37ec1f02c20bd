"""The command line that every workflow step shares.

A step module keeps only what is its own: its inputs, its options, its science and its
claims. This module gives it ``--config JSON`` (the slice of the workflow config the step
reads), one path option per input and output (a figure step's four outputs by default),
and the thread count; :func:`physlearn.figures.write_figure` writes a figure's outputs::

    args, cfg = step.parse(__doc__, section="skills_resource", inputs=("fits",), argv=argv)
    ...
    figures.write_figure(args, cfg, "resource_n0", fig=fig, table=table, claims=claims, config=summary)

It imports nothing of the package but :mod:`physlearn.runtime`, so that a training step's
code inputs (physlearn.sources) do not grow with the figure code.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from physlearn import runtime

FIGURE_FILES = ("pdf", "png", "table", "claims")


def parser(
    doc: str | None, *, inputs: Iterable[str] = (), outputs: Iterable[str] = FIGURE_FILES
) -> argparse.ArgumentParser:
    """``--config JSON`` and a required path option per input and output."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="the step's slice of the workflow config, as JSON")
    for name in (*inputs, *outputs):
        ap.add_argument(f"--{name}", type=Path, required=True)
    return ap


def parse(
    doc: str | None,
    *,
    section: str | None = None,
    inputs: Iterable[str] = (),
    outputs: Iterable[str] = FIGURE_FILES,
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
    argv=None,
) -> tuple[argparse.Namespace, dict]:
    """Parse the command line; returns (args, config). With ``section``, fixes torch's
    threads to ``config[section]["threads"]`` (1 when the section has none) and routes log
    lines to stderr. ``extra`` adds the step's own options."""
    ap = parser(doc, inputs=inputs, outputs=outputs)
    if extra:
        extra(ap)
    args = ap.parse_args(argv)
    cfg = json.loads(args.config)
    if section is not None:
        runtime.setup(cfg[section].get("threads", 1))
    return args, cfg


def logger() -> logging.Logger:
    return logging.getLogger("physlearn")


def save_table(table: pd.DataFrame, path: Path | str) -> None:
    """A tidy table as CSV, 6 significant digits."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.6g")
