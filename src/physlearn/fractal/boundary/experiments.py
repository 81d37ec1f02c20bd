"""Experiment-specific pieces of spec section 3: the exact 1-D reductions of the
d-dimensional experiments E7/E8 and the initial points of E9 under both protocols."""

from __future__ import annotations

import numpy as np

E9_BLOCK = 1024  # learning rates per seeded block of E9's as-coded draws


def diagonal_start(d: int) -> np.ndarray:
    """x0 = (1/d) 1 of E7/E8."""
    return np.full(d, 1.0 / d)


def e7_reduction(d: int, eps: float = 0.2, wl: float = 0.1, tau: float = 1e8) -> dict:
    """E7 (F(x) = sum_i [x_i^2 + eps cos(k x_i)], x0 = (1/d) 1, threshold tau d) as a 1-D run.

    On the diagonal every coordinate follows the 1-D additive map from u0 = 1/d, and
    F = d f+(u) > tau d iff f+(u) > tau. Returns ``sweep_labels`` keyword arguments.
    """
    return {"loss": "additive", "cells": {"eps": eps, "wl": wl}, "x0": 1.0 / d, "threshold": tau}


def e8_reduction(d: int, eps: float = 0.2, wl: float = 0.1, tau: float = 1e8) -> dict:
    """E8 (F(x) = |x|^2 (1 + eps sum_j cos(k x_j)), x0 = (1/d) 1, threshold tau d) as a 1-D run:
    the multiplicative loss with effective amplitude eps d, from 1/d, threshold tau.

    For d >= 5 (eps d >= 1) the loss is unbounded below; under the literal criterion A a run
    to -inf or NaN is bounded. Returns ``sweep_labels`` keyword arguments.
    """
    return {"loss": "multiplicative", "cells": {"eps": eps * d, "wl": wl}, "x0": 1.0 / d, "threshold": tau}


def e9_initial_points(
    protocol: str, columns: int, lr_indices: np.ndarray, seed: int, low: float = -5.0, high: float = 5.0
) -> np.ndarray:
    """E9's x0 ~ U[low, high] for ``columns`` columns at the learning rates ``lr_indices``
    (positions on the grid), shape (columns, len(lr_indices)).

    - ``"as_coded"``: the authors' scripts draw fresh x0 for every learning rate, so each column
      changes its x0 from one eta to the next. Draws come in seeded blocks of :data:`E9_BLOCK`
      learning rates, so any shard of the grid gets the same numbers as the whole grid.
    - ``"intended"``: one x0 per column, kept for every learning rate.
    """
    lr_indices = np.asarray(lr_indices, dtype=np.int64)
    if protocol == "intended":
        x0 = np.random.default_rng([seed, 0]).uniform(low, high, size=columns)
        return np.repeat(x0[:, None], len(lr_indices), axis=1)
    if protocol != "as_coded":
        raise ValueError(f"unknown E9 protocol {protocol!r}; expected 'as_coded' or 'intended'")
    out = np.empty((columns, len(lr_indices)))
    blocks = lr_indices // E9_BLOCK
    for block in np.unique(blocks):
        draws = np.random.default_rng([seed, 1, int(block)]).uniform(low, high, size=(E9_BLOCK, columns))
        mine = blocks == block
        out[:, mine] = draws[lr_indices[mine] % E9_BLOCK].T
    return out
