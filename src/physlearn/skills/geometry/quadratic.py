"""Optimizers on a quadratic in a rotated basis (skills spec section 2, Fig. 12).

    l(theta) = sum_i c_i x_i^2,   x = R theta,   c = (1, .1, .01, .001)

Each x_i is a "skill" with its own curvature. R is the identity or the 4x4 Hadamard / 2
(orthogonal). SGD is rotation-equivariant (x' = x - lr R R^T grad_x = the same in both bases),
so its losses are the same for both R; SignGD takes the sign per coordinate of theta, which
depends on the basis.
"""

from __future__ import annotations

import numpy as np

SIGN_EPS = 1e-8  # SignGD = Adam with betas (0, 0): g / (|g| + eps)


def hadamard(n: int) -> np.ndarray:
    """Sylvester's n x n Hadamard matrix (n a power of 2), entries +-1, H H^T = n I."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"hadamard: n must be a power of 2, got {n}")
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def basis(name: str, n: int) -> np.ndarray:
    """The rotation R: ``identity`` or ``hadamard`` (H / sqrt(n), orthogonal)."""
    if name == "identity":
        return np.eye(n)
    if name == "hadamard":
        return hadamard(n) / np.sqrt(n)
    raise ValueError(f"unknown basis {name!r}")


def skill_losses(theta: np.ndarray, c: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """c_i x_i^2 per skill, for theta (..., n) and rotation (..., n, n)."""
    x = np.einsum("...ij,...j->...i", rotation, theta)
    return c * x**2


def gradient(theta: np.ndarray, c: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """d l / d theta = R^T (2 c * R theta)."""
    x = np.einsum("...ij,...j->...i", rotation, theta)
    return np.einsum("...ji,...j->...i", rotation, 2 * c * x)


def step(theta, grad, optimizer, lr):
    """One update of ``sgd`` (theta - lr g) or ``signgd`` (theta - lr g / (|g| + eps))."""
    if optimizer == "sgd":
        return theta - lr * grad
    if optimizer == "signgd":
        return theta - lr * grad / (np.abs(grad) + SIGN_EPS)
    raise ValueError(f"unknown optimizer {optimizer!r}")


def run(runs: list[dict], c, theta0, steps: int) -> np.ndarray:
    """All runs at once, each {optimizer, basis, lr}: per step 0..steps, run and skill, c_i x_i^2.
    Returns (steps + 1, n_runs, n)."""
    c, theta0 = np.asarray(c, float), np.asarray(theta0, float)
    n = len(c)
    rotation = np.stack([basis(r["basis"], n) for r in runs])
    lr = np.array([r["lr"] for r in runs])[:, None]
    signed = np.array([r["optimizer"] == "signgd" for r in runs])[:, None]
    for r in runs:
        if r["optimizer"] not in ("sgd", "signgd"):
            raise ValueError(f"unknown optimizer {r['optimizer']!r}")
    theta = np.tile(theta0, (len(runs), 1))
    out = np.empty((steps + 1, len(runs), n))
    out[0] = skill_losses(theta, c, rotation)
    for t in range(1, steps + 1):
        g = gradient(theta, c, rotation)
        theta = theta - lr * np.where(signed, g / (np.abs(g) + SIGN_EPS), g)
        out[t] = skill_losses(theta, c, rotation)
    return out
