"""Update rules as pure functions on lists of tensors.

Each rule is written once, in torch's multi-tensor ``_foreach`` ops, and serves two callers:

- the ``torch.optim`` optimizers in :mod:`physlearn.optim.focus` pass one list entry per
  parameter (or one call per parameter when ``foreach=False``);
- the vectorised toy sweeps pass a single batched tensor that holds thousands of
  trajectories, with ``lr`` and ``weight_decay`` as tensors that broadcast against it (one
  value per trajectory).

All functions update ``params`` and the state tensors in place and return nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

# A float, or a tensor broadcasting against each parameter (one value per trajectory).
Scale = float | Tensor


def _bias_corrections(beta: float, steps: int | Sequence[int], n: int) -> list[float]:
    """1 - beta**t for each tensor (t >= 1). ``steps`` is one int or one int per tensor."""
    if isinstance(steps, int):
        steps = [steps] * n
    if len(steps) != n:
        raise ValueError(f"expected {n} step counts, got {len(steps)}")
    if any(t < 1 for t in steps):
        raise ValueError(f"step counts start at 1, got {list(steps)}")
    return [1.0 - beta**t for t in steps]


def _add_scaled(tensors: list[Tensor], others: list[Tensor], scale: Scale) -> None:
    """tensors += scale * others, for a float or a broadcasting tensor ``scale``."""
    if isinstance(scale, Tensor):
        torch._foreach_addcmul_(tensors, others, [scale] * len(others))
    else:
        torch._foreach_add_(tensors, others, alpha=scale)


def _apply_update(params: list[Tensor], updates: list[Tensor], lr: Scale) -> None:
    """params -= lr * updates."""
    if isinstance(lr, Tensor):
        torch._foreach_mul_(updates, [lr] * len(updates))
        torch._foreach_sub_(params, updates)
    else:
        torch._foreach_add_(params, updates, alpha=-lr)


def _is_zero(scale: Scale) -> bool:
    return not isinstance(scale, Tensor) and scale == 0.0


def focus(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    param_avgs: list[Tensor] | None,
    steps: int | Sequence[int],
    *,
    lr: Scale,
    beta1: float,
    beta2: float,
    gamma: float,
    weight_decay: Scale,
    decay_to_ema: bool = True,
) -> None:
    """One FOCUS step (Liu, Liu & Gore 2025, Algorithm 1 as in the authors' code).

    With theta the parameters before this step and t the step count (from 1)::

        m     = b1*m + (1-b1)*g
        pbar  = b2*pbar + (1-b2)*theta
        phat  = pbar / (1 - b2**t)
        u     = sign(m) + gamma*sign(theta - phat) + wd*(phat if decay_to_ema else theta)
        theta = theta - lr*u

    Ordering: the attraction sign is taken on theta *before* the decay (the authors' code);
    the paper's Algorithm 1 decays first. The two differ by O(lr*wd).

    ``decay_to_ema=True`` is the neural-network rule (decoupled decay toward the EMA);
    ``False`` is the toy experiments' rule (decay wd*theta). Signum is ``gamma=0``; with
    ``decay_to_ema=False`` it needs no parameter EMA, so ``param_avgs`` may be ``None``.
    ``sign(0) = 0`` (torch semantics), so at t=1, where phat == theta, the attraction is 0.
    """
    needs_ema = gamma != 0.0 or (decay_to_ema and not _is_zero(weight_decay))
    if needs_ema and param_avgs is None:
        raise ValueError("param_avgs is required when gamma != 0 or the decay pulls toward the EMA")

    torch._foreach_lerp_(exp_avgs, grads, 1.0 - beta1)
    updates = torch._foreach_sign(exp_avgs)

    if needs_ema:
        torch._foreach_lerp_(param_avgs, params, 1.0 - beta2)
        bias_corrections = _bias_corrections(beta2, steps, len(params))
        phat = torch._foreach_div(param_avgs, bias_corrections)
        if gamma != 0.0:
            # sign(theta - phat) as sign(theta*bc - pbar) (bc > 0): at t=1 this is exactly 0,
            # whereas pbar/bc can come back one ulp off theta and flip the sign.
            attraction = torch._foreach_mul(params, bias_corrections)
            torch._foreach_sub_(attraction, param_avgs)
            torch._foreach_sign_(attraction)
            _add_scaled(updates, attraction, gamma)
    if not _is_zero(weight_decay):
        _add_scaled(updates, phat if decay_to_ema else params, weight_decay)

    _apply_update(params, updates, lr)


def signum(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    param_avgs: list[Tensor] | None,
    steps: int | Sequence[int],
    *,
    lr: Scale,
    beta1: float,
    beta2: float,
    weight_decay: Scale,
    decay_to_ema: bool = True,
) -> None:
    """Signum: FOCUS without the attraction (gamma = 0). See :func:`focus`."""
    focus(
        params,
        grads,
        exp_avgs,
        param_avgs,
        steps,
        lr=lr,
        beta1=beta1,
        beta2=beta2,
        gamma=0.0,
        weight_decay=weight_decay,
        decay_to_ema=decay_to_ema,
    )


def adam(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    steps: int | Sequence[int],
    *,
    lr: Scale,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: Scale,
) -> None:
    """One bias-corrected Adam step with decoupled decay, the toy experiments' Adam::

        m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
        u = (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) + wd*theta
        theta = theta - lr*u

    This is torch.optim.AdamW's update; the tests check the two agree. It exists so the toy
    sweep can run Adam with one learning rate per trajectory.
    """
    n = len(params)
    bc1 = _bias_corrections(beta1, steps, n)
    bc2 = _bias_corrections(beta2, steps, n)
    torch._foreach_lerp_(exp_avgs, grads, 1.0 - beta1)
    torch._foreach_mul_(exp_avg_sqs, beta2)
    torch._foreach_addcmul_(exp_avg_sqs, grads, grads, value=1.0 - beta2)

    denom = torch._foreach_div(exp_avg_sqs, bc2)
    torch._foreach_sqrt_(denom)
    torch._foreach_add_(denom, eps)
    updates = torch._foreach_div(exp_avgs, bc1)
    torch._foreach_div_(updates, denom)
    if not _is_zero(weight_decay):
        _add_scaled(updates, params, weight_decay)
    _apply_update(params, updates, lr)
