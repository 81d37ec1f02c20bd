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


# On the CPU, large updates run piece by piece, each piece a group of tensor slices holding
# about this many numbers. A piece's intermediates (the momentum's sign, the attraction, the
# EMA estimate) are then cache-sized temporaries, reused from the allocator, instead of
# parameter-sized tensors that stream through main memory and are page-faulted in afresh
# every step: over GPT-2 small's 124M parameters a FOCUS step gets 3.5-7x faster
# (benchmarks/optimizer_step.py, docs/benchmarks.md). Smaller pieces pay torch's per-op
# overhead more often; larger ones fall out of cache. Elementwise results do not depend on
# where tensors are cut (torch's scalar and vectorised kernels agree bit for bit), so cutting
# changes no result: tests/test_optim_pieces.py checks the two paths against each other.
CPU_PIECE_NUMEL = 1 << 18
# With more than one torch thread, slices are kept to torch's parallel grain (an op on at most
# this many numbers runs on one thread): thousands of small parallel regions per step stall
# at their barriers whenever another process shares a core (measured on a shared 2-core VM:
# 10 s instead of 0.2 s per step), while serial slices degrade only with the share of CPU.
CPU_SERIAL_SLICE_NUMEL = 1 << 15


def _needs_ema(gamma: float, weight_decay: Scale, decay_to_ema: bool, param_avgs) -> bool:
    """Whether the update reads the parameter EMA; raises if it does and none is given."""
    needs_ema = gamma != 0.0 or (decay_to_ema and not _is_zero(weight_decay))
    if needs_ema and param_avgs is None:
        raise ValueError("param_avgs is required when gamma != 0 or the decay pulls toward the EMA")
    return needs_ema


def _step_list(steps: int | Sequence[int], n: int) -> list[int]:
    """One step count per tensor, checked as :func:`_bias_corrections` does."""
    steps = [steps] * n if isinstance(steps, int) else list(steps)
    _bias_corrections(0.0, steps, n)
    return steps


def _cut_into_pieces(tensor_lists: list[list[Tensor]], steps: list[int], piece_numel: int, slice_numel: int):
    """Yield (tensor_lists, steps) for pieces of about ``piece_numel`` numbers: aligned lists of
    same-shaped tensors cut into flat slices of at most ``slice_numel`` (contiguous tensors
    only) and grouped, each slice with the step count of its tensor."""
    pieces = [[] for _ in tensor_lists]
    piece_steps, filled = [], 0
    for i, step in enumerate(steps):
        tensors = [lst[i] for lst in tensor_lists]
        numel = tensors[0].numel()
        if numel > slice_numel and all(t.is_contiguous() for t in tensors):
            flat = [t.view(-1) for t in tensors]
            slices = [[f[start : start + slice_numel] for f in flat] for start in range(0, numel, slice_numel)]
        else:
            slices = [tensors]
        for sliced in slices:
            for piece, t in zip(pieces, sliced):
                piece.append(t)
            piece_steps.append(step)
            filled += sliced[0].numel()
            if filled >= piece_numel:
                yield pieces, piece_steps
                pieces, piece_steps, filled = [[] for _ in tensor_lists], [], 0
    if piece_steps:
        yield pieces, piece_steps


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
    needs_ema = _needs_ema(gamma, weight_decay, decay_to_ema, param_avgs)
    if not params:
        return
    steps = _step_list(steps, len(params))
    kwargs = dict(
        lr=lr,
        beta1=beta1,
        beta2=beta2,
        gamma=gamma,
        weight_decay=weight_decay,
        decay_to_ema=decay_to_ema,
        needs_ema=needs_ema,
    )
    tensor_lists = [params, grads, exp_avgs] + ([param_avgs] if needs_ema else [])
    # Pieces need float hyperparameters: a tensor lr or decay broadcasts against whole tensors.
    by_pieces = (
        params[0].device.type == "cpu"
        and not isinstance(lr, Tensor)
        and not isinstance(weight_decay, Tensor)
        and sum(p.numel() for p in params) > CPU_PIECE_NUMEL
    )
    if not by_pieces:
        _focus_update(tensor_lists, steps, **kwargs)
        return
    slice_numel = CPU_PIECE_NUMEL if torch.get_num_threads() == 1 else min(CPU_PIECE_NUMEL, CPU_SERIAL_SLICE_NUMEL)
    for pieces, piece_steps in _cut_into_pieces(tensor_lists, steps, CPU_PIECE_NUMEL, slice_numel):
        _focus_update(pieces, piece_steps, **kwargs)


def _focus_update(
    tensor_lists: list[list[Tensor]],
    steps: list[int],
    *,
    lr: Scale,
    beta1: float,
    beta2: float,
    gamma: float,
    weight_decay: Scale,
    decay_to_ema: bool,
    needs_ema: bool,
) -> None:
    """The body of :func:`focus` on [params, grads, exp_avgs(, param_avgs)]."""
    params, grads, exp_avgs = tensor_lists[:3]
    param_avgs = tensor_lists[3] if needs_ema else None
    decay = not _is_zero(weight_decay)

    torch._foreach_lerp_(exp_avgs, grads, 1.0 - beta1)
    updates = torch._foreach_sign(exp_avgs)

    if needs_ema:
        torch._foreach_lerp_(param_avgs, params, 1.0 - beta2)
        bias_corrections = _bias_corrections(beta2, steps, len(params))
        if gamma != 0.0:
            # sign(theta - phat) as sign(theta*bc - pbar) (bc > 0): at t=1 this is exactly 0,
            # whereas pbar/bc can come back one ulp off theta and flip the sign.
            attraction = torch._foreach_mul(params, bias_corrections)
            torch._foreach_sub_(attraction, param_avgs)
            torch._foreach_sign_(attraction)
            _add_scaled(updates, attraction, gamma)
            del attraction
    if decay:
        if decay_to_ema:
            phat = torch._foreach_div(param_avgs, bias_corrections)
            _add_scaled(updates, phat, weight_decay)
            del phat
        else:
            _add_scaled(updates, params, weight_decay)

    _apply_update(params, updates, lr)


def _focus_fused_body(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    param_avgs: list[Tensor] | None,
    lr: Tensor,
    bias_corrections: Tensor,
    *,
    beta1: float,
    beta2: float,
    gamma: float,
    weight_decay: float,
    decay_to_ema: bool,
) -> None:
    """:func:`_focus_update` written tensor by tensor, for ``torch.compile`` to fuse each
    tensor's update into one pass over memory. ``lr`` (0-d) and ``bias_corrections`` (one
    per tensor) are tensors, so a learning-rate schedule and the step count do not trigger
    recompiles."""
    for i, (p, g, m) in enumerate(zip(params, grads, exp_avgs)):
        m.lerp_(g, 1.0 - beta1)
        update = torch.sign(m)
        if param_avgs is not None:
            pbar, bias_correction = param_avgs[i], bias_corrections[i]
            pbar.lerp_(p, 1.0 - beta2)
            if gamma != 0.0:
                update = update + gamma * torch.sign(p * bias_correction - pbar)
        if weight_decay != 0.0:
            update = update + weight_decay * (pbar / bias_correction if decay_to_ema else p)
        p.sub_(lr * update)


_focus_fused_compiled = None


def focus_fused(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    param_avgs: list[Tensor] | None,
    steps: int | Sequence[int],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    gamma: float,
    weight_decay: float,
    decay_to_ema: bool = True,
) -> None:
    """:func:`focus` as one fused kernel per tensor, generated by ``torch.compile`` (C++ on
    the CPU, Triton on a GPU). Each tensor is then read and written once per step, as in
    torch's fused AdamW, instead of once per elementwise op.

    The result equals :func:`focus` up to float rounding (the fused code may order and
    contract operations differently), not bit for bit. The first call for a new set of
    shapes compiles (tens of seconds on a CPU; cached on disk across processes), and so does
    a new value of beta1, beta2, gamma or weight_decay (constants in the compiled code);
    after torch's recompile limit (8 variants) torch runs the rest eagerly, with a warning.
    Hyperparameters are floats here; per-trajectory tensors use :func:`focus`.
    """
    global _focus_fused_compiled
    needs_ema = _needs_ema(gamma, weight_decay, decay_to_ema, param_avgs)
    if not params:
        return
    steps = _step_list(steps, len(params))
    if _focus_fused_compiled is None:
        _focus_fused_compiled = torch.compile(_focus_fused_body, fullgraph=True, dynamic=False)
    device = params[0].device
    # float64 parameters get float64 scalars (a float32 bias correction would make the
    # attraction's sign nonzero at t=1); lower precisions compute them in float32.
    scalar_dtype = torch.promote_types(params[0].dtype, torch.float32)
    try:
        _focus_fused_compiled(
            params,
            grads,
            exp_avgs,
            param_avgs if needs_ema else None,
            torch.tensor(lr, dtype=scalar_dtype, device=device),
            torch.tensor([1.0 - beta2**t for t in steps], dtype=scalar_dtype, device=device),
            beta1=beta1,
            beta2=beta2,
            gamma=gamma,
            weight_decay=weight_decay,
            decay_to_ema=decay_to_ema,
        )
    except Exception as err:  # a missing C++ compiler or Triton surfaces here
        raise RuntimeError(
            f"the fused FOCUS update failed under torch.compile on {device} "
            f"({type(err).__name__}: {err}); fused=False takes the multi-tensor path"
        ) from err


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
