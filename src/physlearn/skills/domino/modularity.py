"""Modularity speeds up rare skills (skills spec section 4, Fig. 19).

Two regression skills: y1 = x1^2 and y2 = x2^2. Each sample carries one task: a random
(1 - rare_fraction) of the rows train output 1 on y1, the rest (1%) train output 2 on y2, and
a row holds only its own task's input, x_i uniform in [-1, 1], the other coordinate 0 (as the
authors' notebook Fig19_modularity builds it; the spec's "x in [-1, 1]^2" leaves this out,
and with both coordinates random 41 of 100 non-modular inits never learn the rare skill in
1000 steps: docs/failures.md). An MLP [2, 100, 100, 2] with SiLU is trained with full-batch
Adam.

- Non-modular: the plain MLP.
- Modular: two 50-unit towers, one per task: tower i sees only input i and feeds only output
  i (fixed 0/1 masks on every weight matrix, so no path and no gradient crosses towers; the
  authors' MLP_Modular).

T_i is the first step at which skill i's MSE falls below the threshold. ``measure_on``
picks where that MSE is taken: ``task_rows`` (the rows that train skill i: its training
loss) or ``all_samples`` (output i against x_i^2 on every sample: the skill over the input
distribution). Both are recorded.
"""

from __future__ import annotations

import numpy as np
import torch

from physlearn.skills.parity.model import DTYPES, BatchedMLP, derive_seed, first_step_below, generator

MEASURES = ("task_rows", "all_samples")


def make_data(n: int, rare_fraction: float, seed: int, dtype=torch.float32):
    """x (n, 2), targets (n, 2) = x^2, and 0/1 loss weights (n, 2): one task per row, exactly
    round(rare_fraction n) rows of task 2. A row of task i holds x_i uniform in [-1, 1] and 0
    in the other coordinate."""
    g = generator(seed)
    x = torch.rand(n, 2, generator=g, dtype=torch.float64) * 2 - 1
    rare_rows = torch.randperm(n, generator=g)[: int(round(rare_fraction * n))]
    weights = torch.zeros(n, 2, dtype=torch.float64)
    weights[:, 0] = 1.0
    weights[rare_rows] = torch.tensor([0.0, 1.0], dtype=torch.float64)
    x = x * weights  # each row keeps only its own task's input
    return x.to(dtype), (x**2).to(dtype), weights.to(dtype)


def tower_masks(widths, n_towers: int) -> list[torch.Tensor]:
    """0/1 masks per weight matrix (fan_in, fan_out) for ``n_towers`` equal towers, one per
    task: input i feeds only tower i, hidden-to-hidden is block diagonal, and output i reads
    only tower i."""
    if widths[0] != n_towers or widths[-1] != n_towers or any(w % n_towers for w in widths[1:-1]):
        raise ValueError(f"tower_masks: widths {widths} do not split into {n_towers} towers")

    def tower_of(width):
        return torch.arange(width) // (width // n_towers)

    return [
        (tower_of(fan_in)[:, None] == tower_of(fan_out)[None, :]).double()
        for fan_in, fan_out in zip(widths, widths[1:])
    ]


def train(cfg: dict, root_seed: int, *, device="cpu", log=None) -> dict:
    """Every init, non-modular and modular, in one batch ordered (variant, init); the two
    variants of an init share the data and the initial weights (the modular one masked).
    Returns the variants and, per place of measurement (MEASURES), the learning steps
    (variants, inits, 2) and the skill-MSE curves (steps_run, variants, inits, 2); with
    cfg["stop_when_learned"] the runs end once every network learned both skills as
    measured on cfg["measure_on"]."""
    dtype = DTYPES[cfg["dtype"]]
    widths = [2, *cfg["hidden"], 2]
    n_inits = cfg["inits"]
    variants = ["non-modular", "modular"]
    x, y, w = make_data(cfg["n_samples"], cfg["rare_fraction"], derive_seed(root_seed, "modularity-data"), dtype)
    seeds = [derive_seed(root_seed, "modularity-init", i) for i in range(n_inits)] * len(variants)
    # per network 0/1 masks (M, fan_in, fan_out): all ones for the non-modular networks
    towers = tower_masks(widths, 2)
    masks = [
        torch.cat([torch.ones_like(m).expand(n_inits, -1, -1), m.expand(n_inits, -1, -1)]).to(dtype) for m in towers
    ]
    net = BatchedMLP.init(widths, seeds, dtype=dtype, activation="silu", masks=masks).to(device)
    x, y, w = x.to(device), y.to(device), w.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"])
    n_models = len(seeds)
    xs = x.expand(n_models, -1, -1)
    rows_per_task = w.sum(0)
    curves = {where: np.full((cfg["steps"], n_models, 2), np.nan) for where in MEASURES}
    learned_yet = np.zeros((n_models, 2), dtype=bool)
    for t in range(cfg["steps"]):
        err2 = (net(xs) - y) ** 2
        loss = (err2 * w).sum(2).mean(1)  # per network: each row's own task
        with torch.no_grad():
            curves["task_rows"][t] = ((err2 * w).sum(1) / rows_per_task).cpu().numpy()
            curves["all_samples"][t] = err2.mean(1).cpu().numpy()
            learned_yet |= curves[cfg["measure_on"]][t] < cfg["threshold"]
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        if log and t % 250 == 0:
            log.info(f"step {t}: median skill MSE ({cfg['measure_on']}) {np.median(curves[cfg['measure_on']][t], 0)}")
        if cfg["stop_when_learned"] and learned_yet.all():
            curves = {where: c[: t + 1] for where, c in curves.items()}
            break
    steps_run = len(curves["task_rows"])
    return {
        "variants": variants,
        "learning_step": {
            where: first_step_below(c, cfg["threshold"]).reshape(len(variants), n_inits, 2)
            for where, c in curves.items()
        },
        "task_mse": {where: c.reshape(steps_run, len(variants), n_inits, 2) for where, c in curves.items()},
    }
