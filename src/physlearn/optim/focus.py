"""FOCUS and Signum as ``torch.optim.Optimizer`` s.

The update rule itself lives in :mod:`physlearn.optim.functional`; these classes hold the
state and call it, with one multi-tensor call per parameter group by default
(``foreach=True``), one call per parameter (``foreach=False``), or one ``torch.compile``-fused
kernel per parameter (``fused=True``, the fastest for large models; it compiles on first use).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim import Optimizer

import physlearn.optim.functional as F


def _check_hyperparameters(lr: float, betas: tuple[float, float], gamma: float, weight_decay: float) -> None:
    if not lr >= 0.0:
        raise ValueError(f"invalid learning rate lr={lr}: it must be >= 0")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for name, beta in zip(("beta1", "beta2"), betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"invalid {name}={beta}: it must lie in [0, 1)")
    if not gamma >= 0.0:
        raise ValueError(f"invalid gamma={gamma}: it must be >= 0")
    if not weight_decay >= 0.0:
        raise ValueError(f"invalid weight_decay={weight_decay}: it must be >= 0")


class FOCUS(Optimizer):
    """First Order Concentrated Updating Scheme: Signum plus attraction toward the EMA of
    the parameters (Liu, Liu & Gore 2025).

    Args:
        params: parameters or parameter groups.
        lr: learning rate (size of each signed step).
        betas: (beta1, beta2): EMA coefficients of the gradient and of the parameters.
        gamma: strength of the attraction ``gamma * sign(theta - phat)``.
        weight_decay: decoupled decay ``lr * wd * phat`` (toward the EMA) or
            ``lr * wd * theta`` when ``decay_to_ema=False``.
        decay_to_ema: see ``weight_decay``; True is the paper's neural-network rule.
        foreach: use the multi-tensor path (default True).
        fused: one compiled kernel per parameter instead (``torch.compile``; equal to the
            other paths up to float rounding). Takes precedence over ``foreach``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        betas: tuple[float, float] = (0.9, 0.999),
        gamma: float = 0.1,
        weight_decay: float = 0.0,
        *,
        decay_to_ema: bool = True,
        foreach: bool = True,
        fused: bool = False,
    ) -> None:
        _check_hyperparameters(lr, betas, gamma, weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            gamma=gamma,
            weight_decay=weight_decay,
            decay_to_ema=decay_to_ema,
            foreach=foreach,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _needs_param_avg(self, group: dict) -> bool:
        return group["gamma"] != 0.0 or (group["weight_decay"] != 0.0 and group["decay_to_ema"])

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            _check_hyperparameters(group["lr"], group["betas"], group["gamma"], group["weight_decay"])
            needs_avg = self._needs_param_avg(group)
            params, grads, exp_avgs, param_avgs, steps = [], [], [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                if needs_avg and "param_avg" not in state:
                    # The attraction or the EMA decay was switched on after the first step:
                    # start the EMA as if theta had been constant, so that phat == theta.
                    bc = 1.0 - group["betas"][1] ** (state["step"] - 1)
                    state["param_avg"] = p.detach() * bc
                params.append(p)
                grads.append(p.grad)
                exp_avgs.append(state["exp_avg"])
                if needs_avg:
                    param_avgs.append(state["param_avg"])
                steps.append(state["step"])
            if not params:
                continue

            beta1, beta2 = group["betas"]
            kwargs = dict(
                lr=group["lr"],
                beta1=beta1,
                beta2=beta2,
                gamma=group["gamma"],
                weight_decay=group["weight_decay"],
                decay_to_ema=group["decay_to_ema"],
            )
            if group.get("fused", False):  # .get: state dicts saved before the option existed
                F.focus_fused(params, grads, exp_avgs, param_avgs if needs_avg else None, steps, **kwargs)
            elif group["foreach"]:
                F.focus(params, grads, exp_avgs, param_avgs if needs_avg else None, steps, **kwargs)
            else:
                for i, p in enumerate(params):
                    avg = [param_avgs[i]] if needs_avg else None
                    F.focus([p], [grads[i]], [exp_avgs[i]], avg, steps[i], **kwargs)
        return loss


class Signum(FOCUS):
    """Signum: sign of the gradient momentum, FOCUS with ``gamma = 0``.

    As in the FOCUS paper's neural-network runs, the decoupled decay pulls toward the EMA
    of the parameters by default (``decay_to_ema=True``), so Signum and FOCUS differ only
    in the attraction term.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        *,
        decay_to_ema: bool = True,
        foreach: bool = True,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            gamma=0.0,
            weight_decay=weight_decay,
            decay_to_ema=decay_to_ema,
            foreach=foreach,
            fused=fused,
        )
