"""Float64 gradient descent over a batch of (cell x learning rate) trajectories as one tensor
program, labelled bounded (0) or divergent (1) by the criteria of spec section 2.4.

A *trajectory* is one scalar GD run x_{t+1} = x_t - lr f'(x_t), t = 0 .. T-1 (T = 1000), for
one cell (the loss parameters: eps, wl, ...) and one learning rate. The losses L_t = f(x_t),
t = 1 .. T, decide the label (L_0 is never tested):

- ``"A"``: divergent iff some L_t > threshold (1e8; 1e8 d in d dimensions). A comparison with
  NaN or -inf is false, so a loss that goes NaN or to -inf counts as bounded unless another
  step exceeds the threshold (E0-E2, E7-E9; E8's literal convention).
- ``"A_abs"``: divergent iff some |L_t| > threshold or some L_t is not finite (E8's
  |loss|-based convention).
- ``"B"``: S = sum_t L_t; NaN -> 1e16; divergent iff S >= 1e16 (E3, E6).
- ``"C"``: stop at the first L_t >= B and keep it, else keep L_T; NaN -> B; divergent iff the
  kept value is >= B (E4 with B = 1e16, E5 with B = 1e3 ... 1e6).
- ``"final"``: all T losses, no stop; divergent iff L_T >= 1e16 or L_T is NaN/inf (E10).

How the tensor program runs (spec section 4.3). A working set of trajectories (16,384 by
default: its ~10 float64 work arrays stay in L2 cache) advances together; sin(kx) and cos(kx)
are computed once per step and give both the loss at x_t and the gradient that moves x_t to
x_{t+1}. Instead of testing and masking at every step, each trajectory keeps one running
statistic (the max of L_t for A and C, the NaN-keeping max of |L_t| for A_abs, the sum for B),
which is what its label needs. Every ``compact_every`` steps the trajectories whose label is
decided leave the working set ("frozen") and waiting trajectories take their places, so the
set stays full: a threshold crossed (A, A_abs, B, C), or a non-finite x, which can only give
NaN losses from then on (bounded for A, divergent for A_abs, B, C and final). A loss of -inf
with a finite x is *not* a reason to stop (E8: such runs may still cross the threshold later).
Dropping a trajectory early never changes its label, it only saves work, including the slow
argument reduction of sin/cos at huge x. The max is torch.maximum, which keeps NaN: for C a
NaN loss means divergent anyway; for A, where NaN must be ignored, the few trajectories whose
max went NaN have their last window replayed with torch.fmax.

The arithmetic equals that of :mod:`physlearn.fractal.boundary.loop` bit for bit (same operands in the
same order, no fused multiply-add; the update x - (2 lr)(f'(x)/2) is x - lr f'(x) exactly), so
the two give identical labels when given the same sin and cos (and in practice also with
numpy's, see the loop's docstring).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import Tensor

from physlearn.fractal.boundary import losses

T_STEPS = 1000
CRITERIA = ("A", "A_abs", "B", "C", "final")
DEFAULT_THRESHOLD = {"A": 1e8, "A_abs": 1e8, "B": 1e16, "C": 1e16, "final": 1e16}
DEFAULT_WIDTH = 1 << 14  # working-set width: ~10 float64 work arrays of this length stay in L2 cache
COMPACT_EVERY = 25  # a divisor of T = 1000: trajectories enter and finish on boundaries

Params = dict[str, float | Tensor]


# --------------------------------------------------------------------------------------
# One GD step per loss: returns L(x) and moves x to x - lr f'(x) in place


def _buffer(buf: dict[str, Tensor], name: str, like: Tensor) -> Tensor:
    """A reusable work array; ``buf`` is emptied whenever the working set is compacted."""
    if name not in buf:
        buf[name] = torch.empty_like(like)
    return buf[name]


def _quadratic_step(x: Tensor, p: Params, buf: dict) -> Tensor:
    loss = torch.mul(x, x, out=_buffer(buf, "loss", x))
    x.sub_(torch.mul(x, p["lr2"], out=_buffer(buf, "g", x)))  # x - (2 lr) x
    return loss


# The gradient steps below compute x - (2 lr) (f'(x) / 2): halving and doubling are exact in
# floating point, so this equals x - lr f'(x) bit for bit and saves one pass over the data.


def _additive_step(x: Tensor, p: Params, buf: dict) -> Tensor:
    kx = torch.mul(x, p["k"], out=_buffer(buf, "kx", x))
    s = torch.sin(kx, out=_buffer(buf, "s", x))
    c = torch.cos(kx, out=kx)
    loss = torch.mul(x, x, out=_buffer(buf, "loss", x)).add_(c.mul_(p["eps"]))  # x^2 + eps cos
    half_g = torch.sub(x, s.mul_(p["ek_half"]), out=_buffer(buf, "g", x))  # x - (eps k / 2) sin
    x.sub_(half_g.mul_(p["lr2"]))
    return loss


def _multiplicative_step(x: Tensor, p: Params, buf: dict) -> Tensor:
    kx = torch.mul(x, p["k"], out=_buffer(buf, "kx", x))
    s = torch.sin(kx, out=_buffer(buf, "s", x))
    q = torch.cos(kx, out=kx).mul_(p["eps"]).add_(1.0)  # 1 + eps cos
    x2 = torch.mul(x, x, out=_buffer(buf, "x2", x))
    loss = torch.mul(x2, q, out=_buffer(buf, "loss", x))  # x^2 (1 + eps cos)
    half_g = torch.mul(x, q, out=_buffer(buf, "g", x))  # x (1 + eps cos) ...
    half_g.sub_(x2.mul_(p["ek_half"]).mul_(s))  # ... - (eps k / 2) x^2 sin
    x.sub_(half_g.mul_(p["lr2"]))
    return loss


def _two_cosines_step(x: Tensor, p: Params, buf: dict) -> Tensor:
    kx1 = torch.mul(x, p["k1"], out=_buffer(buf, "kx1", x))
    s1 = torch.sin(kx1, out=_buffer(buf, "s1", x))
    c1 = torch.cos(kx1, out=kx1)
    kx2 = torch.mul(x, p["k2"], out=_buffer(buf, "kx2", x))
    s2 = torch.sin(kx2, out=_buffer(buf, "s2", x))
    c2 = torch.cos(kx2, out=kx2)
    loss = torch.mul(x, x, out=_buffer(buf, "loss", x)).add_(c1.mul_(p["eps1"])).add_(c2.mul_(p["eps2"]))
    half_g = torch.sub(x, s1.mul_(p["e1k1_half"]), out=_buffer(buf, "g", x)).sub_(s2.mul_(p["e2k2_half"]))
    x.sub_(half_g.mul_(p["lr2"]))
    return loss


def _nd_step(name: str) -> Callable[[Tensor, Params, dict], Tensor]:
    """The literal d-vector losses (x of shape (n, d)), from :mod:`physlearn.fractal.boundary.losses`."""
    loss_fn, grad_fn = losses.LOSS_FUNCTIONS[name]

    def step(x: Tensor, p: Params, buf: dict) -> Tensor:
        loss = loss_fn(x, p["eps"], p["wl"])
        x.sub_(grad_fn(x, p["eps"], p["wl"]).mul_(p["lr"]))
        return loss

    return step


STEPS = {
    "quadratic": _quadratic_step,
    "additive": _additive_step,
    "multiplicative": _multiplicative_step,
    "two_cosines": _two_cosines_step,
    "additive_nd": _nd_step("additive_nd"),
    "multiplicative_nd": _nd_step("multiplicative_nd"),
}


def _derived(loss: str, params: Params) -> Params:
    """The constants a step needs (k = 2 pi / wl, eps k / 2, 2 lr), computed once per chunk."""
    p = dict(params)
    if "lr" in p:
        p["lr2"] = 2 * p["lr"]
    if loss in ("additive", "multiplicative"):
        p["k"] = losses.wavenumber(p["wl"])
        p["ek_half"] = p["eps"] * p["k"] / 2
    elif loss == "two_cosines":
        p["k1"], p["k2"] = losses.wavenumber(p["wl1"]), losses.wavenumber(p["wl2"])
        p["e1k1_half"], p["e2k2_half"] = p["eps1"] * p["k1"] / 2, p["eps2"] * p["k2"] / 2
    return p


# --------------------------------------------------------------------------------------
# The criteria: a running statistic per trajectory, early decisions, final labels


def _initial_statistic(criterion: str, n: int, like: Tensor) -> Tensor:
    fill = -math.inf if criterion in ("A", "C") else 0.0
    return torch.full((n,), fill, dtype=like.dtype, device=like.device)


def _accumulate(criterion: str, stat: Tensor, loss: Tensor) -> None:
    if criterion in ("A", "C"):
        # maximum keeps NaN (torch.fmax, which ignores it, is 4x slower). For C a NaN loss means
        # divergent anyway; for A the window is replayed with fmax where the max went NaN.
        torch.maximum(stat, loss, out=stat)
    elif criterion == "A_abs":
        torch.maximum(stat, loss.abs_(), out=stat)  # maximum keeps NaN: NaN counts as divergent
    elif criterion == "B":
        stat.add_(loss)


def _decided(criterion: str, stat: Tensor, x: Tensor, threshold: float) -> tuple[Tensor, Tensor]:
    """(decided, label) of trajectories whose label can no longer change, given the statistic
    up to L_t and the next iterate x_{t+1}, t < T. A non-finite x gives NaN losses forever."""
    bad_x = ~torch.isfinite(x) if x.dim() == 1 else ~torch.isfinite(x).all(-1)
    if criterion == "A":
        divergent = stat > threshold
        return divergent | bad_x, divergent
    if criterion == "A_abs":
        divergent = (stat > threshold) | stat.isnan() | bad_x
    elif criterion == "B":  # the spec's fast form: a sum past 1e16 or NaN stays divergent
        divergent = (stat >= threshold) | stat.isnan() | bad_x
    elif criterion == "C":  # a NaN loss makes every later x NaN, so L_T is NaN: divergent
        divergent = (stat >= threshold) | stat.isnan() | bad_x
    else:  # "final": only a non-finite x decides early
        divergent = bad_x
    return divergent, divergent


def _final_label(criterion: str, stat: Tensor, last: Tensor, threshold: float) -> Tensor:
    """The label after all T steps; ``last`` is L_T."""
    if criterion == "A":
        return stat > threshold
    if criterion == "A_abs":
        return (stat > threshold) | stat.isnan()
    if criterion == "B":
        return (stat >= threshold) | stat.isnan()
    if criterion == "C":
        return (stat >= threshold) | stat.isnan() | last.isnan()
    return (last >= threshold) | ~torch.isfinite(last)


# --------------------------------------------------------------------------------------
# A stream of trajectories through a working set of fixed width


def _period(steps: int, compact_every: int) -> int:
    """The largest divisor of ``steps`` not above ``compact_every``: trajectories enter the
    working set on these boundaries, so each one also reaches t = steps on a boundary."""
    return max(p for p in range(1, max(1, min(compact_every, steps)) + 1) if steps % p == 0)


def _replay_lost_maxima(step, p: Params, stat: Tensor, x_start: Tensor, stat_start: Tensor, period: int) -> int:
    """Criterion A: where the running maximum of the last window went NaN, recompute it with
    fmax (NaN ignored, as a comparison with NaN is false) from the window's start. Returns the
    trajectory-steps replayed."""
    lost = stat.isnan().nonzero().squeeze(1)
    if lost.numel() == 0:
        return 0
    x = x_start[lost].clone()
    exact = stat_start[lost].clone()
    mine = {k: v[lost] if isinstance(v, Tensor) and v.dim() > 0 else v for k, v in p.items()}
    buf: dict[str, Tensor] = {}
    for _ in range(period):
        torch.fmax(exact, step(x, mine, buf), out=exact)
    stat[lost] = exact
    return period * lost.numel()


def run_trajectories(
    loss: str,
    lr: Tensor,
    x0: float | Tensor,
    params: Params | None = None,
    criterion: str = "A",
    threshold: float | None = None,
    steps: int = T_STEPS,
    width: int | None = None,
    compact_every: int = COMPACT_EVERY,
    return_steps: bool = False,
) -> Tensor | tuple[Tensor, int]:
    """Labels (bool, True = divergent) of n trajectories advanced as one tensor program.

    At most ``width`` trajectories are advanced together (the working set). Every
    ``compact_every`` steps (rounded down to a divisor of ``steps``) the trajectories that are
    decided or have done all their steps leave it, and waiting ones take their places, so the
    working set stays full and cache-sized while early-stopped trajectories drop out.

    Args:
        loss: a name in :data:`physlearn.fractal.boundary.losses.LOSSES`.
        lr: learning rates, shape (n,), float64; its device is used throughout.
        x0: initial points: a number or shape (n,); for the ``*_nd`` losses shape (d,) or (n, d).
        params: the loss parameters (``losses.LOSS_PARAMETERS``), each a number or shape (n,).
        criterion: one of :data:`CRITERIA`; ``threshold`` defaults to :data:`DEFAULT_THRESHOLD`.
        width: the working-set size (default :data:`DEFAULT_WIDTH`).
        return_steps: also return the trajectory-steps executed (evaluations of the step,
            decided trajectories not yet dropped included), for benchmarks.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {CRITERIA}")
    threshold = DEFAULT_THRESHOLD[criterion] if threshold is None else threshold
    width = width or DEFAULT_WIDTH
    step = STEPS[loss]
    period = _period(steps, compact_every)
    n, device, dtype = lr.shape[0], lr.device, lr.dtype
    nd = loss.endswith("_nd")

    def tensor(v):
        return torch.as_tensor(v, dtype=dtype, device=device) if isinstance(v, np.ndarray | Tensor) else v

    everyone = _derived(loss, {k: tensor(v) for k, v in (params or {}).items()} | {"lr": lr})
    if nd:  # per-trajectory values broadcast over the coordinates
        everyone = {k: v.unsqueeze(-1) if isinstance(v, Tensor) else v for k, v in everyone.items()}
    x0 = tensor(x0)
    per_trajectory_x0 = isinstance(x0, Tensor) and x0.dim() == (2 if nd else 1)

    def admit(ids: Tensor) -> tuple[Tensor, Params]:
        """x_1 and the parameters of newcomers: their first step is taken here (L_0 is never tested)."""
        if per_trajectory_x0:
            x = x0[ids].clone()
        else:
            shape = (len(ids), x0.shape[-1]) if nd else (len(ids),)
            x = torch.as_tensor(x0, dtype=dtype, device=device).expand(shape).clone()
        p = {k: v[ids] if isinstance(v, Tensor) and v.dim() > 0 else v for k, v in everyone.items()}
        step(x, p, {})
        return x, p

    labels = torch.zeros(n, dtype=torch.bool, device=device)
    index = torch.arange(min(width, n), device=device)  # chunk position of each working trajectory
    waiting = len(index)  # the next trajectory to admit
    x, p = admit(index)
    stat = _initial_statistic(criterion, len(index), x)
    born = torch.zeros(len(index), dtype=torch.int64, device=device)  # global step at admission
    executed = len(index)
    buf: dict[str, Tensor] = {}
    clock = 0
    window_start = (x.clone(), stat.clone()) if criterion == "A" else None
    while len(index):
        clock += 1
        current = step(x, p, buf)  # L_t for each trajectory, t = clock - born; x moves to x_{t+1}
        executed += len(index)
        _accumulate(criterion, stat, current)
        if clock % period:
            continue
        if window_start is not None:
            executed += _replay_lost_maxima(step, p, stat, *window_start, period)
        done = clock - born == steps
        decided, value = _decided(criterion, stat, x, threshold)
        decided &= ~done  # at t = T, x_{T+1} is not part of the trajectory
        leaving = done | decided
        if done.any():
            labels[index[done]] = _final_label(criterion, stat[done], current[done], threshold)
        if decided.any():
            labels[index[decided]] = value[decided]
        room = min(int(leaving.sum()) + width - len(index), n - waiting)
        if not leaving.any() and room == 0:
            window_start = (x.clone(), stat.clone()) if criterion == "A" else None
            continue
        keep = (~leaving).nonzero().squeeze(1)
        x, stat, index, born = x[keep], stat[keep], index[keep], born[keep]
        p = {k: v[keep] if isinstance(v, Tensor) and v.dim() > 0 else v for k, v in p.items()}
        if room > 0:
            ids = torch.arange(waiting, waiting + room, device=device)
            waiting += room
            x_new, p_new = admit(ids)
            executed += room
            x = torch.cat([x, x_new])
            stat = torch.cat([stat, _initial_statistic(criterion, room, x)])
            index = torch.cat([index, ids])
            born = torch.cat([born, torch.full((room,), clock, dtype=torch.int64, device=device)])
            p = {k: torch.cat([v, p_new[k]]) if isinstance(v, Tensor) and v.dim() > 0 else v for k, v in p.items()}
        buf = {}
        window_start = (x.clone(), stat.clone()) if criterion == "A" else None
    return (labels, executed) if return_steps else labels


# --------------------------------------------------------------------------------------
# A whole sweep: cells x learning rates, in chunks


def _as_cells(cells: dict | None) -> tuple[dict[str, np.ndarray], int]:
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in (cells or {}).items()}
    sizes = {len(v) for v in arrays.values()} - {1}
    if len(sizes) > 1:
        raise ValueError(f"cell parameters have different lengths: { {k: len(v) for k, v in arrays.items()} }")
    n_cells = sizes.pop() if sizes else 1
    return {k: np.broadcast_to(v, (n_cells,)) for k, v in arrays.items()}, n_cells


def chunk_plan(total: int, chunk_size: int, workers: int) -> list[range]:
    """The flat trajectory indices of each chunk: equal chunks of at most ``chunk_size``, at
    least one per worker. One worker takes contiguous runs; several take interleaved ones,
    since a run's cost varies smoothly with its learning rate (high rates diverge within a few
    steps) and contiguous chunks would leave one worker with most of the steps."""
    n_chunks = max(math.ceil(total / chunk_size), min(workers, total))
    if workers > 1:
        return [range(c, total, n_chunks) for c in range(n_chunks)]
    size = math.ceil(total / n_chunks)
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def sweep_labels(
    loss: str,
    lr: np.ndarray,
    cells: dict | None = None,
    x0: float | np.ndarray = 1.0,
    criterion: str = "A",
    threshold: float | None = None,
    steps: int = T_STEPS,
    chunk_size: int = 1 << 18,
    width: int = DEFAULT_WIDTH,
    workers: int = 1,
    device: str | torch.device = "cpu",
    return_steps: bool = False,
) -> np.ndarray | tuple[np.ndarray, int]:
    """Labels of every (cell, learning rate), shape (n_cells, len(lr)), True = divergent.

    Args:
        cells: loss parameters, each a number or an array over cells (all the same length).
        x0: a number, one per cell (n_cells,), or one per trajectory (n_cells, len(lr)) as in E9;
            for the ``*_nd`` losses a d-vector shared by every trajectory.
        chunk_size: the most trajectories handed to one :func:`run_trajectories` call (chunks
            are made equal, and at least one per worker). Trajectories are flattened cell-major;
            with one worker a chunk is a contiguous run of them, so it usually lies within one
            cell and its parameters are plain numbers. With several, chunks interleave.
        width: the working-set size inside a chunk (see :func:`run_trajectories`).
        workers: Python threads that each run whole chunks (torch ops release the GIL). With
            workers > 1 torch runs single-threaded meanwhile, so the threads do not oversubscribe.
        return_steps: also return the trajectory-steps executed (see :func:`run_trajectories`).
    """
    cells, n_cells = _as_cells(cells)
    lr = np.asarray(lr, dtype=np.float64)
    n_lr = len(lr)
    nd = loss.endswith("_nd")
    x0 = np.asarray(x0, dtype=np.float64)
    if not nd and x0.ndim == 1:
        x0 = np.broadcast_to(x0.reshape(n_cells, 1), (n_cells, n_lr))
    total = n_cells * n_lr
    out = np.zeros(total, dtype=bool)
    executed = []

    chunks = chunk_plan(total, chunk_size, workers)

    def run_chunk(chunk: range) -> None:
        flat = np.arange(chunk.start, chunk.stop, chunk.step)
        cell, j = np.divmod(flat, n_lr)
        single = cell[0] == cell[-1]

        def per_trajectory(values: np.ndarray) -> float | Tensor:
            return float(values[cell[0]]) if single else torch.as_tensor(values[cell], device=device)

        params = {k: per_trajectory(v) for k, v in cells.items()}
        if nd or x0.ndim == 0:
            start_x = torch.as_tensor(x0, device=device) if nd else float(x0)
        else:
            start_x = torch.as_tensor(np.ascontiguousarray(x0[cell, j]), device=device)
        lr_chunk = torch.as_tensor(lr[j], device=device)
        labels, n_steps = run_trajectories(
            loss, lr_chunk, start_x, params, criterion, threshold, steps, width, return_steps=True
        )
        out[flat] = labels.cpu().numpy()
        executed.append(n_steps)

    if workers > 1:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run_chunk, chunks))
        finally:
            torch.set_num_threads(threads)
    else:
        for chunk in chunks:
            run_chunk(chunk)
    labels = out.reshape(n_cells, n_lr)
    return (labels, sum(executed)) if return_steps else labels


def loss_sums(
    loss: str,
    lr: Tensor,
    x0: float | Tensor,
    params: Params | None = None,
    threshold: float = 1e16,
    steps: int = T_STEPS,
) -> tuple[Tensor, Tensor, Tensor]:
    """E10 (Fig. 1d): every loss L_1 .. L_T, no stop. Returns (label, sum of L_t, sum of 1/L_t),
    the label as criterion ``"final"`` (L_T >= threshold, NaN or inf).

    The sums skip non-finite terms (a divergent run's losses overflow to inf and then NaN);
    the spec shades bounded points by log(1 + sum L) and divergent ones by log(1 + sum 1/L).
    One tensor program over all n trajectories, no working-set refill (E10 is 1e9 steps).
    """
    x = torch.as_tensor(x0, dtype=lr.dtype, device=lr.device).expand(lr.shape).clone()
    p = _derived(loss, dict(params or {}) | {"lr": lr})
    step = STEPS[loss]
    total, inverse = torch.zeros_like(x), torch.zeros_like(x)
    buf: dict[str, Tensor] = {}
    step(x, p, buf)  # L_0 is not recorded
    for _ in range(steps):
        current = step(x, p, buf)
        total.add_(torch.nan_to_num(current, nan=0.0, posinf=0.0, neginf=0.0))
        inverse.add_(torch.nan_to_num(current.reciprocal(), nan=0.0, posinf=0.0, neginf=0.0))
    return (current >= threshold) | ~torch.isfinite(current), total, inverse
