"""The Domino model and the parallel "quanta" model (skills spec section 4, Fig. 9).

Domino: skills are learned strictly one at a time, each in t0 steps,
    s_i(t) = clip((t - (i - 1) t0) / t0, 0, 1),   i = 1..n   (t0 = 1 / eta_eff),
so skill i is done at t_i = i t0. Quanta: every skill improves from t = 0, at a rate that
falls with its rank,
    s_i(t) = 1 - exp(-t / (scale i)).
"""

from __future__ import annotations

import numpy as np


def skill_ranks(n_skills: int) -> np.ndarray:
    return np.arange(1, n_skills + 1, dtype=float)


def domino_skills(t, n_skills: int, t0: float) -> np.ndarray:
    """(len(t), n_skills) skill levels of the Domino model."""
    t = np.asarray(t, dtype=float)[:, None]
    return np.clip((t - (skill_ranks(n_skills) - 1) * t0) / t0, 0.0, 1.0)


def quanta_skills(t, n_skills: int, scale: float) -> np.ndarray:
    """(len(t), n_skills) skill levels of the parallel quanta model."""
    t = np.asarray(t, dtype=float)[:, None]
    return 1.0 - np.exp(-t / (scale * skill_ranks(n_skills)))


def loss(skills: np.ndarray) -> np.ndarray:
    """Mean over skills of (1 - s_i)^2, per time (each skill's MSE loss, equal weights)."""
    return ((1.0 - skills) ** 2).mean(-1)


def learning_times(t, skills: np.ndarray, level: float) -> np.ndarray:
    """Per skill, the first time with s_i >= level (NaN if never)."""
    t = np.asarray(t, dtype=float)
    hit = skills >= level
    out = t[hit.argmax(0)]
    out[~hit.any(0)] = np.nan
    return out


def skills_in_progress(skills: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Per time, how many skills are partly learned (strictly between 0 and 1)."""
    return ((skills > tol) & (skills < 1 - tol)).sum(-1)
