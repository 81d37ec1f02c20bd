"""What the workflow steps of the real-network and Domino figures (Figs. 2, 9, 12, 13, 19)
share: the command line, the config section, and writing a figure's outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import torch

from physlearn import plotting, runtime
from physlearn.claims import Claim, write_claims

FIGURE_OUTPUTS = ("pdf", "png", "table", "claims")


def parser(doc: str, inputs=(), outputs=FIGURE_OUTPUTS) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="JSON: seed, device, scale and skills_networks.<part>")
    for name in (*inputs, *outputs):
        ap.add_argument(f"--{name}", type=Path, required=True)
    return ap


def load(args, part: str):
    """(whole config, this part's section, logger, torch device); fixes threads."""
    cfg = json.loads(args.config)
    section = cfg["skills_networks"][part]
    log = runtime.setup(cfg["skills_networks"]["threads"])
    torch.set_flush_denormal(True)  # Adam's tiny second moments otherwise slow CPUs several-fold
    return cfg, section, log, runtime.pick_device(cfg["device"])


def save_table(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.6g")


def write_figure(args, cfg: dict, fig, table: pd.DataFrame, *, figure: str, title: str, config: dict,
                 claims: list[Claim]) -> None:
    save_table(table, args.table)
    plotting.save(fig, args.pdf, args.png)
    write_claims(args.claims, paper="skills", figure=figure, title=title, scale=cfg["scale"], config=config,
                 claims=claims, files={"pdf": str(args.pdf), "png": str(args.png), "table": str(args.table)})


def within_factor(ours: float, paper: float, factor: float) -> bool:
    """ours within [paper / factor, paper * factor] (False for NaN)."""
    return bool(paper / factor <= ours <= paper * factor)
