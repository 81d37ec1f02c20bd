"""One trajectory at a time, one step at a time, in numpy float64: the straightforward way.

It serves two purposes:

- the *oracle* that tests/test_fractal.py checks the vectorised sweep
  (:func:`physlearn.fractal.boundary.sweep.run_trajectories`) against;
- the *baseline* of benchmarks/fractal_sweep.py: the cost of one (trajectory, step) in
  plain per-trajectory code.

It is written from the spec (sections 2.1, 2.2, 2.4) and shares no code with
:mod:`physlearn.fractal.boundary.sweep`: each criterion is coded literally, with its early stop, as the
authors' scripts do (the sweep instead keeps one running statistic and drops decided
trajectories in batches). The sweep's arithmetic gives the same floating-point results, so
given the same ``sin`` and ``cos`` the two agree bit for bit. numpy's sin/cos (glibc) and
torch's vectorised ones (SLEEF) differ in the last bit for about 0.2 % of arguments, which can
flip a chaotic trajectory's label (none flipped on the grids of tests/test_fractal.py, nor on
the benchmark's samples); pass ``sin``/``cos`` to compare exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

T_STEPS = 1000


def loss_and_grad(name: str, x, params: dict, sin: Callable = np.sin, cos: Callable = np.cos):
    """(f(x), f'(x)) of spec section 2.1; x is a float, or a d-vector for the ``*_nd`` losses."""
    if name == "quadratic":
        return x * x, 2 * x
    if name == "two_cosines":
        k1, k2 = 2 * math.pi / params["wl1"], 2 * math.pi / params["wl2"]
        e1, e2 = params["eps1"], params["eps2"]
        loss = x * x + e1 * cos(k1 * x) + e2 * cos(k2 * x)
        return loss, 2 * x - e1 * k1 * sin(k1 * x) - e2 * k2 * sin(k2 * x)
    eps, k = params["eps"], 2 * math.pi / params["wl"]
    s, c = sin(k * x), cos(k * x)
    if name == "additive":
        return x * x + eps * c, 2 * x - eps * k * s
    if name == "multiplicative":
        x2, q = x * x, 1.0 + eps * c
        return x2 * q, 2 * x * q - eps * k * x2 * s
    if name == "additive_nd":
        return np.sum(x * x + eps * c), 2 * x - eps * k * s
    if name == "multiplicative_nd":
        norm2, q = np.sum(x * x), 1.0 + eps * np.sum(c)
        return norm2 * q, 2 * x * q - eps * k * norm2 * s
    raise ValueError(f"unknown loss {name!r}")


def run_trajectory(
    name: str,
    x0,
    lr: float,
    params: dict | None = None,
    criterion: str = "A",
    threshold: float | None = None,
    steps: int = T_STEPS,
    sin: Callable = np.sin,
    cos: Callable = np.cos,
) -> tuple[bool, int]:
    """(divergent, number of GD steps taken) of one trajectory, criteria exactly as coded."""
    params = params or {}
    threshold = threshold if threshold is not None else (1e8 if criterion in ("A", "A_abs") else 1e16)
    x = np.array(x0, dtype=np.float64) if np.ndim(x0) else np.float64(x0)
    total = 0.0
    with np.errstate(all="ignore"):
        loss, grad = loss_and_grad(name, x, params, sin, cos)  # L_0 is never tested
        for t in range(1, steps + 1):
            x = x - lr * grad
            loss, grad = loss_and_grad(name, x, params, sin, cos)  # L_t, and the next step's gradient
            if criterion == "A" and loss > threshold:  # False for NaN and -inf
                return True, t
            if criterion == "A_abs" and not abs(loss) <= threshold:  # True for NaN and inf
                return True, t
            if criterion == "C" and loss >= threshold:
                return True, t
            if criterion == "B":
                total += loss
        if criterion == "B":
            if math.isnan(total):
                total = 1e16
            return bool(total >= threshold), steps
        if criterion == "C":
            return bool(math.isnan(loss)), steps
        if criterion == "final":
            return bool(loss >= threshold or not math.isfinite(loss)), steps
    return False, steps


def loop_labels(name: str, lr, params: dict | None = None, x0=1.0, criterion: str = "A", **kwargs) -> np.ndarray:
    """Labels of one cell over the learning rates ``lr``, one trajectory after the other."""
    return np.array([run_trajectory(name, x0, float(eta), params, criterion, **kwargs)[0] for eta in lr])
