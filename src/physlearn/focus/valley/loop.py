"""The narrowing-valley experiment one trajectory at a time, "the way the authors ran it".

A plain per-trajectory loop in numpy: one 2-vector ``p``, one optimizer step per loop
iteration, fresh noise drawn each step. It serves two purposes:

- the *reference* implementation that tests/test_focus_valley.py checks the vectorised sweep
  (:func:`physlearn.focus.valley.sweep.run_valley_trajectories`) against, fed the same initial
  points and noise draws;
- the *baseline* of benchmarks/valley_sweep.py: the cost of one (trajectory, step) in the
  authors' style of code.

It is written from the spec (docs: FOCUS spec section 2) and deliberately shares no code
with :mod:`physlearn.optim` or :mod:`physlearn.focus.valley.sweep`: it is the independent check.
Everything is float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

C = 0.1
ANGLE = math.pi / 6


def valley_loss(p: np.ndarray, a: float, c: float = C, angle: float = ANGLE) -> float:
    """L(p) = 0.5*a*x^2*y^2 - c*x, with x along and y across the valley."""
    x = p[0] * math.cos(angle) + p[1] * math.sin(angle)
    y = -p[0] * math.sin(angle) + p[1] * math.cos(angle)
    return 0.5 * a * x**2 * y**2 - c * x


def valley_grad(p: np.ndarray, a: float, c: float = C, angle: float = ANGLE) -> np.ndarray:
    """dL/dp: [a*x*y^2 - c, a*x^2*y] in (x, y), rotated back to p coordinates."""
    cos, sin = math.cos(angle), math.sin(angle)
    x = p[0] * cos + p[1] * sin
    y = -p[0] * sin + p[1] * cos
    gx = a * x * y**2 - c
    gy = a * x**2 * y
    return np.array([gx * cos - gy * sin, gx * sin + gy * cos])


class Adam:
    """Bias-corrected Adam; the decay wd*p is added to the update (decoupled, AdamW)."""

    def __init__(self, lr: float, wd: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.wd, self.beta1, self.beta2, self.eps = lr, wd, beta1, beta2, eps
        self.m = np.zeros(2)
        self.v = np.zeros(2)
        self.t = 0

    def step(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return p - self.lr * (m_hat / (np.sqrt(v_hat) + self.eps) + self.wd * p)


class Signum:
    """Toy Signum: sign of the gradient momentum (b1 0.9, b2 0, gamma 0), decay wd*p."""

    def __init__(self, lr: float, wd: float, beta1: float = 0.9):
        self.lr, self.wd, self.beta1 = lr, wd, beta1
        self.m = np.zeros(2)

    def step(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        return p - self.lr * (np.sign(self.m) + self.wd * p)


class Focus:
    """Toy FOCUS: Signum plus gamma*sign(p - phat), phat the bias-corrected EMA of the
    parameters before the step (b = (0.9, 0.9), gamma 0.2), decay wd*p."""

    def __init__(self, lr: float, wd: float, beta1: float = 0.9, beta2: float = 0.9, gamma: float = 0.2):
        self.lr, self.wd, self.beta1, self.beta2, self.gamma = lr, wd, beta1, beta2, gamma
        self.m = np.zeros(2)
        self.pbar = np.zeros(2)
        self.t = 0

    def step(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.pbar = self.beta2 * self.pbar + (1 - self.beta2) * p
        if self.t == 1:
            # Spec section 1: at t=1 phat == theta, so the attraction is exactly 0. (Dividing
            # (1-b2)*p by (1-b2) in floating point does not always give p back.)
            attraction = np.zeros(2)
        else:
            attraction = np.sign(p - self.pbar / (1 - self.beta2**self.t))
        return p - self.lr * (np.sign(self.m) + self.gamma * attraction + self.wd * p)


OPTIMIZERS = {"adam": Adam, "signum": Signum, "focus": Focus}


def make_optimizer(name: str, lr: float, wd: float, hparams: dict | None = None):
    """An optimizer by name; ``hparams`` are the config's (beta1, beta2, eps, gamma) keys."""
    return OPTIMIZERS[name](lr, wd, **(hparams or {}))


def run_trajectory(
    optimizer,
    p0: np.ndarray,
    a: float,
    sigma: float,
    steps: int,
    c: float = C,
    angle: float = ANGLE,
    noise: np.ndarray | Callable[[], np.ndarray] | None = None,
) -> dict[str, float | bool]:
    """Run one trajectory; return its final loss, lowest loss and furthest progress along the
    valley (both over every iterate, the initial point included) and whether it diverged (a
    NaN or inf appeared in a loss or a coordinate).

    ``noise``: the standard-normal draws z of each step (array of shape (steps, 2)), or a
    function returning one draw of shape (2,), or None for ``np.random.randn(2)`` per step
    (the authors' way). The noisy gradient is grad * (1 + sigma*z), i.e. xi ~ N(1, sigma^2).
    """
    draw = noise if callable(noise) else (lambda: np.random.randn(2)) if noise is None else None
    cos, sin = math.cos(angle), math.sin(angle)
    p = np.array(p0, dtype=np.float64)
    with np.errstate(all="ignore"):
        lowest = valley_loss(p, a, c, angle)
        furthest = p[0] * cos + p[1] * sin
        finite = math.isfinite(lowest)
        for t in range(steps):
            z = draw() if draw is not None else noise[t]
            g = valley_grad(p, a, c, angle) * (1 + sigma * z)
            p = optimizer.step(p, g)
            loss = valley_loss(p, a, c, angle)
            x = p[0] * cos + p[1] * sin
            finite = finite and math.isfinite(loss) and bool(np.isfinite(p).all())
            lowest = min(lowest, loss)
            furthest = max(furthest, x)
    return {
        "final_loss": float(loss) if steps else float(lowest),
        "lowest_loss": float(lowest) if finite else math.nan,
        "furthest_progress": float(furthest) if finite else math.nan,
        "diverged": not finite,
    }
