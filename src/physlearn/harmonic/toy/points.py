"""Harmonic Fig. 1 (spec section 3): a 2-D classifier of a few points, one class per point.

Two point sets: the four corners (±1, ±1), and the four axis points (±1, 0), (0, ±1) plus
the origin. Each is fitted by

- a harmonic layer: centres w_i in the plane, p_i ∝ (||x - w_i||^2 + eps)^-1 (the authors'
  code exponent n = 1 on d^2, i.e. p ∝ d^-2; eps 1e-6);
- a standard softmax classifier: logits w_i . x, the same 2-D weight vectors, no bias (the
  picture the paper draws: one weight vector per class beside the points; without a bias
  the logits at the origin are all 0, so no weights can single out the centre point).

Full-batch Adam (lr 1e-2) for 10k steps. Every seed is an independent run; the seeds are
stacked along a leading dimension of one weight tensor, which one Adam step updates (Adam
is elementwise: stacking changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from physlearn.harmonic.layer import harmonic_logits
from physlearn.optim import functional

POINT_SETS = {
    "square": [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)],
    "cross": [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (0.0, 0.0)],
}
MODELS = ("harmonic", "standard")
ADAM = dict(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0)  # torch's defaults


@dataclass(frozen=True)
class ToySettings:
    steps: int = 10_000
    lr: float = 1e-2
    exponent: float = 1.0  # code n on d^2
    eps: float = 1e-6
    seeds: int = 5
    init_std: float = 0.5  # initial weights N(0, init_std^2), both models
    log_points: int = 60  # steps (log-spaced) at which the weights are recorded

    @classmethod
    def from_config(cls, section: dict) -> ToySettings:
        return cls(**{k: section[k] for k in cls.__dataclass_fields__ if k in section})


def logits(model: str, points: torch.Tensor, weights: torch.Tensor, settings: ToySettings) -> torch.Tensor:
    """[S, N, C] logits of every seed's model at every point (points [N, 2], weights [S, C, 2])."""
    if model == "harmonic":
        return harmonic_logits(
            points.expand(weights.shape[0], -1, -1), weights, settings.exponent, eps=settings.eps, method="direct"
        )
    if model == "standard":
        return points @ weights.transpose(-1, -2)
    raise ValueError(f"model must be one of {MODELS}, got {model!r}")


def log_steps(steps: int, n: int) -> np.ndarray:
    """0, then about n log-spaced steps up to ``steps`` (inclusive), unique."""
    return np.unique(np.concatenate([[0], np.geomspace(1, steps, n).round().astype(int)]))


def initial_weights(n_classes: int, settings: ToySettings, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return settings.init_std * torch.randn(settings.seeds, n_classes, 2, generator=g, dtype=torch.float64)


def gradient(
    model: str, x: torch.Tensor, weights: torch.Tensor, other_set: torch.Tensor, settings: ToySettings
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-point losses [.., N] and the gradient of their mean over points w.r.t. ``weights``
    [.., C, 2], by hand (a few tensor ops: the 10k steps are dominated by per-op overhead;
    tests check it against autograd). Point i's class is i; ``other_set`` [N, C] masks the
    classes of other point sets (probability 0)."""
    out = logits(model, x, weights, settings).masked_fill(other_set, -torch.inf)  # [.., N, C]
    log_p = torch.log_softmax(out, -1)
    n = x.shape[0]
    dlogits = (log_p.exp() - torch.eye(n, dtype=x.dtype)) / n  # d mean_i(-log p_ii) / d logit_ic
    if model == "harmonic":  # logit_ic = -n log(d_ic^2 + eps): d/dw_c = -2n (w_c - x_i) / (d_ic^2 + eps)
        diff = weights.unsqueeze(-3) - x.unsqueeze(-2)  # [.., N, C, 2]
        d2 = diff.square().sum(-1) + settings.eps
        coef = dlogits * (-2 * settings.exponent) / d2
        grad = (coef.unsqueeze(-1) * diff).sum(-3)
    else:  # logit_ic = w_c . x_i
        grad = dlogits.transpose(-1, -2) @ x
    return -log_p.diagonal(dim1=-2, dim2=-1), grad


def train(points: dict[str, np.ndarray], settings: ToySettings, seed: int) -> dict[tuple[str, str], dict]:
    """Fit every (point set, model, seed) with full-batch Adam. Returns, per (point set,
    model), ``steps`` [L], ``weights`` [S, L, C, 2] at those steps and ``loss`` [S, L]
    (each seed's mean loss over the points).

    One tensor program per model: the point sets are stacked along the class axis and every
    logit of a point for another set's class is -inf (zero probability, zero gradient), so
    each set is its own problem. Both models start from the same weights. Adam is torch's
    update (physlearn.optim.functional.adam, no weight decay).
    """
    names = list(points)
    x = torch.as_tensor(np.concatenate([points[n] for n in names]), dtype=torch.float64)  # [N, 2]
    owner = np.concatenate([[i] * len(points[n]) for i, n in enumerate(names)])
    other_set = torch.as_tensor(owner[:, None] != owner[None, :])  # [N, C]
    start = torch.cat([initial_weights(len(points[n]), settings, seed * 1000 + i) for i, n in enumerate(names)], 1)
    record = np.zeros(settings.steps + 1, dtype=bool)
    record[log_steps(settings.steps, settings.log_points)] = True
    results = {}
    for model in MODELS:
        weights = start.clone()
        m, v = torch.zeros_like(weights), torch.zeros_like(weights)
        snapshots, losses = [], []
        for step in range(settings.steps + 1):
            loss, grad = gradient(model, x, weights, other_set, settings)
            if record[step]:
                snapshots.append(weights.clone())
                losses.append(loss)
            if step == settings.steps:
                break
            functional.adam([weights], [grad], [m], [v], step + 1, lr=settings.lr, **ADAM)
        weights_t, loss_t = torch.stack(snapshots, 1).numpy(), torch.stack(losses, 1).numpy()  # [S, L, ...]
        for i, name in enumerate(names):
            cols = owner == i
            results[(name, model)] = {
                "steps": np.flatnonzero(record),
                "weights": weights_t[:, :, cols],
                "loss": loss_t[:, :, cols].mean(-1),
            }
    return results


def probabilities(model: str, points: np.ndarray, weights: np.ndarray, settings: ToySettings) -> np.ndarray:
    """[S, N, C] class probabilities at the points for final weights [S, C, 2]."""
    out = logits(model, torch.as_tensor(np.asarray(points), dtype=torch.float64), torch.as_tensor(weights), settings)
    return torch.softmax(out, -1).numpy()


def separated(probs: np.ndarray) -> np.ndarray:
    """[S, N] whether each point's own class has strictly the highest probability (a tie,
    e.g. all logits 0 at the origin, is not a separation)."""
    n = probs.shape[1]
    own = probs[:, np.arange(n), np.arange(n)]
    others = np.where(np.eye(n, dtype=bool)[None], -np.inf, probs).max(-1)
    return own > others


def run_all(settings: ToySettings, seed: int) -> dict[tuple[str, str], dict]:
    """Every (point set, model): its trajectory and final analysis."""
    points = {name: np.array(p) for name, p in POINT_SETS.items()}
    results = train(points, settings, seed)
    for (name, model), run in results.items():
        final = run["weights"][:, -1]
        probs = probabilities(model, points[name], final, settings)
        run.update(
            points=points[name],
            probs=probs,
            separated=separated(probs),
            distance=np.linalg.norm(final - points[name][None], axis=-1),
            norms=np.linalg.norm(run["weights"], axis=-1),
        )
    return results


def centre_index(points: np.ndarray) -> int | None:
    zero = np.flatnonzero(np.all(points == 0, axis=1))
    return int(zero[0]) if len(zero) else None
