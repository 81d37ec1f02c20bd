"""The Resource model of skill learning (skills spec section 3).

Skills compete for one shared learning resource. With u_i = 1 - s_i the unlearned part of
skill i (u_i(0) = 1), frequencies p_i and an overlap matrix C (C = I for orthogonal skills,
C_ij = t_i.t_j for task vectors that overlap), one step is

    u_i <- max(0, u_i - eta_eff * sum_j C_ij c_j / (sum_j c_j + N0)),   c_j = p_j u_j,
    eta_eff = 2 eta sqrt(N),   loss = sum_i p_i u_i^2.

c_j is skill j's "competitiveness" (its share of the gradient) and N0 a resource that goes
to waste (noise, overshoot). The CE variant grows logits l_i from 0 instead:

    c_i = p_i (1 - sigmoid(l_i)),   l_i += eta_eff * sum_j C_ij c_j / (sum_j c_j + N0),
    loss = sum_i p_i (-log sigmoid(l_i)).

Compositional skills (Figs. 16, 17) multiply each c_i by a gate that opens only once the
skill's parents are learned: AND = prod over parents of (1 - u_j^a), OR = max over parents,
with a small exponent a (1e-2 .. 1e-4), so the gate is about a ln(1/u_j) until u_j reaches 0.

:func:`simulate` advances any batch of settings (frequencies, eta_eff, N0, overlaps) as one
tensor program: every setting is a row of [B, K] tensors. Settings with fewer skills are
padded with p = 0 skills, which take no resource and add no loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

LOSSES = ("mse", "ce")
GATES = ("and", "or")


def eta_eff(eta: float, n_params: int, factor: float = 2.0) -> float:
    """The resource per step: eta_eff = factor * eta * sqrt(N) (factor 2; 4 for Fig. 8's CE)."""
    return factor * float(eta) * float(n_params) ** 0.5


@dataclass(frozen=True)
class SkillGraph:
    """Dependencies between K skills: ``parents[i]`` are the skills that skill i needs (empty
    for a root skill) and ``gates[i]`` says how they combine, "and" or "or"."""

    parents: tuple[tuple[int, ...], ...]
    gates: tuple[str, ...]

    def __post_init__(self):
        if len(self.parents) != len(self.gates):
            raise ValueError(f"{len(self.parents)} parent lists for {len(self.gates)} gates")
        for i, (ps, gate) in enumerate(zip(self.parents, self.gates)):
            if gate not in GATES:
                raise ValueError(f"skill {i}: gate must be one of {GATES}, got {gate!r}")
            if any(not 0 <= j < len(self.parents) or j == i for j in ps):
                raise ValueError(f"skill {i}: parents {ps} must be other skills 0..{len(self.parents) - 1}")

    @property
    def n_skills(self) -> int:
        return len(self.parents)

    @classmethod
    def from_dict(cls, spec: dict) -> SkillGraph:
        """From a config entry {"parents": [[], [0], ...], "gates": ["and", ...]}."""
        return cls(tuple(tuple(int(j) for j in ps) for ps in spec["parents"]), tuple(spec["gates"]))

    def masks(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """parent_mask [K, K] (row i: the parents of i), is_or [K], has_parents [K]."""
        K = self.n_skills
        mask = torch.zeros(K, K, dtype=torch.bool)
        for i, ps in enumerate(self.parents):
            mask[i, list(ps)] = True
        is_or = torch.tensor([g == "or" for g in self.gates], dtype=torch.bool)
        return mask, is_or, mask.any(dim=1)


def gate_values(u: torch.Tensor, graph: SkillGraph, exponent) -> torch.Tensor:
    """[B, K] gate of every skill given the unlearned parts u [B, K] of all skills: 1 for a
    root, prod_j (1 - u_j^a) over the parents (AND) or max_j (OR). ``exponent`` is a number or
    a [B, 1] tensor (one a per setting)."""
    return _gates(u, *(m.to(u.device) for m in graph.masks()), exponent)


def _gates(u, mask, is_or, has_parents, exponent) -> torch.Tensor:
    opened = 1 - u.clamp(0, 1) ** exponent  # [B, K]: how far each skill opens its children's gates
    opened = opened.unsqueeze(1)  # [B, 1, K] against mask [K, K]
    gate_and = torch.where(mask, opened, torch.ones_like(opened)).prod(dim=-1)
    gate_or = torch.where(mask, opened, torch.zeros_like(opened)).amax(dim=-1)
    gate = torch.where(is_or, gate_or, gate_and)
    return torch.where(has_parents, gate, torch.ones_like(gate))


def recorded_steps(steps: int, record_every: int) -> np.ndarray:
    """0, record_every, 2 record_every, ..., and always the last step (as the Geometry model)."""
    return np.unique(np.r_[np.arange(0, steps + 1, max(1, record_every)), steps])


def _batched(values, batch_shape, dtype, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64), dtype=dtype, device=device).expand(batch_shape)


def simulate(
    frequencies,
    eta_eff,
    n0,
    steps: int,
    *,
    overlap=None,
    loss: str = "mse",
    graph: SkillGraph | None = None,
    gate_exponent=1e-3,
    clamp: bool = True,
    frequency_raise: tuple[int, float, float] | None = None,
    record_every: int = 1,
    dtype=torch.float64,
    device="cpu",
) -> dict[str, np.ndarray]:
    """Every setting of a batch in one tensor program.

    frequencies [..., K] (p_i, used as given: not normalised here), eta_eff, n0 and
    gate_exponent (numbers or arrays that broadcast against the batch shape [...]), overlap
    [..., K, K] or None (C = I).
    ``clamp`` keeps u_i >= 0 (MSE; the spec's max(0, .)). ``frequency_raise`` (skill k,
    threshold, frequency): at every step where u_k <= threshold, skill k competes with that
    frequency instead of its own (Fig. 16's control model; the loss keeps the given p). Returns
       "step": [R] recorded steps (0 = the initial state),
       "s": [..., R, K] skill strengths s_i (1 - u_i for MSE, sigmoid(l_i) for CE),
       "skill_loss": [..., R, K] u_i^2 (MSE) or -log sigmoid(l_i) (CE),
       "loss": [..., R] sum_i p_i * skill_loss_i.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    p = torch.as_tensor(np.asarray(frequencies, dtype=np.float64), dtype=dtype, device=device)
    eta_arr, n0_arr = np.asarray(eta_eff, dtype=np.float64), np.asarray(n0, dtype=np.float64)
    exponent_arr = np.asarray(gate_exponent, dtype=np.float64)
    C = None if overlap is None else torch.as_tensor(np.asarray(overlap, dtype=np.float64), dtype=dtype, device=device)
    shapes = [p.shape[:-1], eta_arr.shape, n0_arr.shape] + ([] if C is None else [C.shape[:-2]])
    if graph is not None:
        shapes.append(exponent_arr.shape)
    batch_shape = torch.broadcast_shapes(*shapes)
    K = p.shape[-1]
    if graph is not None and graph.n_skills != K:
        raise ValueError(f"graph of {graph.n_skills} skills for {K} frequencies")
    B = int(np.prod(batch_shape, dtype=np.int64))
    p = p.expand(*batch_shape, K).reshape(B, K)
    eta = _batched(eta_arr, batch_shape, dtype, device).reshape(B, 1)
    waste = _batched(n0_arr, batch_shape, dtype, device).reshape(B, 1)
    if C is not None:
        C = C.expand(*batch_shape, K, K).reshape(B, K, K)
    if graph is not None:  # the masks once, not at every step
        masks = tuple(m.to(device) for m in graph.masks())
        exponent = _batched(exponent_arr, batch_shape, dtype, device).reshape(B, 1)

    record = recorded_steps(steps, record_every)
    record_set = set(record.tolist())
    state = (
        torch.zeros(B, K, dtype=dtype, device=device) if loss == "ce" else torch.ones(B, K, dtype=dtype, device=device)
    )
    out_s, out_skill = [], []
    for t in range(steps + 1):
        u = 1 - torch.sigmoid(state) if loss == "ce" else state  # the unlearned part
        if t in record_set:
            if loss == "ce":
                out_s.append(torch.sigmoid(state).cpu())
                out_skill.append(torch.nn.functional.softplus(-state).cpu())
            else:
                out_s.append((1 - state).cpu())
                out_skill.append((state**2).cpu())
        if t == steps:
            break
        c = p * u  # competitiveness [B, K]
        if frequency_raise is not None:
            k, threshold, raised = frequency_raise
            c[:, k] = torch.where(u[:, k] <= threshold, raised, p[:, k]) * u[:, k]
        if graph is not None:
            c = c * _gates(u, *masks, exponent)
        pull = c if C is None else torch.bmm(C, c.unsqueeze(-1)).squeeze(-1)
        total = c.sum(dim=-1, keepdim=True) + waste
        # All skills learned with N0 = 0: nothing left to share (0/0), no update.
        share = torch.where(
            total > 0, pull / torch.where(total > 0, total, torch.ones_like(total)), torch.zeros_like(pull)
        )
        if loss == "ce":
            state = state + eta * share
        else:
            state = state - eta * share
            if clamp:
                state = state.clamp(min=0)

    s = torch.stack(out_s, dim=1)  # [B, R, K]
    skill_loss = torch.stack(out_skill, dim=1)
    total_loss = (skill_loss * p.cpu().unsqueeze(1)).sum(-1)
    R = len(record)
    return {
        "step": record,
        "s": s.reshape(*batch_shape, R, K).numpy(),
        "skill_loss": skill_loss.reshape(*batch_shape, R, K).numpy(),
        "loss": total_loss.reshape(*batch_shape, R).numpy(),
    }


def pad_frequencies(frequencies: Sequence[np.ndarray]) -> np.ndarray:
    """[n_settings, K_max]: each setting's p_i followed by zeros (skills that never compete)."""
    K = max(len(p) for p in frequencies)
    out = np.zeros((len(frequencies), K))
    for row, p in zip(out, frequencies):
        row[: len(p)] = p
    return out


# ---- comparing with the Geometry model ----


def curve_distance(reference_s: np.ndarray, model_s: np.ndarray) -> np.ndarray:
    """The fit metric of Figs. 6-7: the root-mean-square difference of the skill-strength
    curves s_i(t), over every skill and recorded step with equal weight.

    reference_s [R, K] (the Geometry model, averaged over seeds); model_s [..., R, K].
    Returns [...]. Skill strengths are bounded (0 to about 1), so every skill counts, the rare
    late ones included, which is where N0 matters.
    """
    diff = np.asarray(model_s, dtype=np.float64) - np.asarray(reference_s, dtype=np.float64)
    return np.sqrt(np.mean(diff**2, axis=(-2, -1)))


def best_n0(distances: np.ndarray, n0_grid: np.ndarray) -> tuple[float, int]:
    """The grid's N0 with the smallest distance (NaN distances never win), and its index."""
    d = np.where(np.isfinite(distances), distances, np.inf)
    i = int(np.argmin(d))
    return float(n0_grid[i]), i


def collapse(u: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """u_i^(1/p_i): with C = I, u_i = exp(-p_i tau(t)) in the continuous limit, so every
    skill falls on the one curve exp(-tau(t)). u [..., K] is clipped to [0, 1] (a Geometry
    skill can overshoot, s_i > 1)."""
    return np.clip(u, 0.0, 1.0) ** (1.0 / np.asarray(frequencies, dtype=np.float64))


def first_step(s: np.ndarray, steps: np.ndarray, threshold: float) -> np.ndarray:
    """First recorded step where s >= threshold along the step axis (second-to-last of
    s [..., R, K]); inf where it never gets there."""
    reached = np.asarray(s) >= threshold
    out = np.asarray(steps, dtype=np.float64)[reached.argmax(axis=-2)]
    return np.where(reached.any(axis=-2), out, np.inf)
