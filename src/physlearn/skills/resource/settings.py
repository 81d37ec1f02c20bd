"""The config section ``skills_resource`` turned into model settings: the N0 grid, the seeds
of an experiment and the default Geometry setup of Figs. 6 and 7."""

from __future__ import annotations

import dataclasses

import numpy as np

from physlearn.skills.geometry.model import GeometryConfig


def n0_grid(section: dict, study: str = "ablations") -> np.ndarray:
    """The N0 values scanned (a log grid; the schema's axis form): ``n0`` for Fig. 6's
    ablations, ``sweeps.n0`` for Fig. 7's sweeps (the authors scan 1e-4..1e2 there, since N0
    reaches about 40 at sigma 1)."""
    axis = section["sweeps"]["n0"] if study == "sweeps" else section["n0"]
    if not isinstance(axis, dict):
        return np.array([float(axis)])
    space = np.geomspace if axis.get("scale", "linear") == "log" else np.linspace
    return space(axis["start"], axis["stop"], axis["num"])


def seeds(cfg: dict, experiment: int) -> list[int]:
    """Seeds of one experiment, derived from the root seed: 1000 * root + 100 * experiment + k
    (experiments 0 and 1: the fit's two studies, 2: Fig. 8; Fig. 18 keeps its 3 in
    :mod:`physlearn.skills.geometry.modular_figure`)."""
    return [1000 * int(cfg["seed"]) + 100 * experiment + k for k in range(cfg["skills_resource"]["seeds"])]


def geometry_base(section: dict, **changes) -> GeometryConfig:
    """The Figs. 6-7 Geometry setup (config ``geometry``), with changes."""
    g = section["geometry"]
    base = GeometryConfig(
        n_params=g["n_params"],
        n_skills=g["n_skills"],
        alpha=g["alpha"],
        lr=g["lr"],
        batch_size=g["batch_size"],
        steps=g["steps"],
    )
    return dataclasses.replace(base, **changes)


def sweep_base(section: dict, **changes) -> GeometryConfig:
    """The authors' Fig. 7 (bottom) Geometry setup (config ``sweeps.geometry``: N 1000, 10
    skills with Gaussian unit task vectors, eta 1e-3, B 128, 1000 steps), with changes. It is
    not Fig. 6's default setup: the spec's N0 values per eta, sigma and B were measured here."""
    g = section["sweeps"]["geometry"]
    base = GeometryConfig(
        n_params=g["n_params"],
        n_skills=g["n_skills"],
        alpha=g["alpha"],
        task_vectors=g["task_vectors"],
        lr=g["lr"],
        batch_size=g["batch_size"],
        steps=g["steps"],
    )
    return dataclasses.replace(base, **changes)


def fmt(x: float) -> str:
    return f"{x:.3g}"
