"""What the Resource-model workflow steps share: their command line, the config section
``skills_resource`` turned into model settings, and writing a figure with its claims."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from physlearn import plotting
from physlearn.claims import Claim, write_claims
from physlearn.runtime import setup
from physlearn.skills.geometry.model import GeometryConfig

FIGURE_FILES = ("pdf", "png", "table", "claims")


def parse_args(doc: str, *, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = FIGURE_FILES,
               extra=None, argv=None) -> tuple[argparse.Namespace, dict]:
    """--config JSON plus one path option per input and output; returns (args, config)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="the config as JSON (seed, scale, skills_resource)")
    for name in inputs + outputs:
        ap.add_argument(f"--{name}", type=Path, required=True)
    if extra:
        extra(ap)
    args = ap.parse_args(argv)
    cfg = json.loads(args.config)
    setup(cfg["skills_resource"]["threads"])
    return args, cfg


def n0_grid(section: dict) -> np.ndarray:
    """The N0 values scanned (a log grid; the schema's axis form)."""
    axis = section["n0"]
    if not isinstance(axis, dict):
        return np.array([float(axis)])
    space = np.geomspace if axis.get("scale", "linear") == "log" else np.linspace
    return space(axis["start"], axis["stop"], axis["num"])


def seeds(cfg: dict, experiment: int) -> list[int]:
    """Seeds of one experiment, derived from the root seed: 1000 * root + 100 * experiment + k."""
    return [1000 * int(cfg["seed"]) + 100 * experiment + k for k in range(cfg["skills_resource"]["seeds"])]


def geometry_base(section: dict, **changes) -> GeometryConfig:
    """The Figs. 6-7 Geometry setup (config ``geometry``), with changes."""
    g = section["geometry"]
    base = GeometryConfig(n_params=g["n_params"], n_skills=g["n_skills"], alpha=g["alpha"], lr=g["lr"],
                          batch_size=g["batch_size"], steps=g["steps"])
    return dataclasses.replace(base, **changes)


def finish_figure(fig, args, *, cfg: dict, table: pd.DataFrame, claims: list[Claim], figure: str, title: str,
                  config: dict) -> None:
    """Write the figure (PDF, PNG), its tidy table and its claims."""
    table.to_csv(args.table, index=False, float_format="%.6g")
    plotting.save(fig, args.pdf, args.png)
    write_claims(args.claims, paper="skills", figure=figure, title=title, scale=cfg["scale"], config=config,
                 claims=claims, files={"pdf": str(args.pdf), "png": str(args.png), "table": str(args.table)})


def fmt(x: float) -> str:
    return f"{x:.3g}"
