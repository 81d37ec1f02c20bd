"""Sparse parity (skills spec section 1, Fig. 2), and the batched MLPs that the real-network
experiments of the skills paper share (parity, grokking, modularity).

Many networks train as ONE tensor program: every weight is stacked along a leading model
axis ``M`` and the layers are batched matmuls. Adam(W) is elementwise, so one torch
optimizer over the stacked tensors updates each network exactly as its own optimizer would
(the summed loss gives each network its own gradient).

Data: random 0/1 bits; a task ``"x1^x2"`` is the parity (XOR) of bits 1 and 2 (1-based,
as the paper writes them). A task's frequency p is set by masking its loss on a (1 - p)
fraction of the rows, drawn afresh at every step as in the authors' ``MLP.fit`` (which
shuffles the rows each step under a fixed positional mask); accuracy is always measured on
every training row.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"float32": torch.float32, "float64": torch.float64}
ACTIVATIONS = {"relu": torch.relu, "silu": F.silu}


def derive_seed(root: int, *names) -> int:
    """A seed for one random stream (an experiment, a replicate) derived from the root seed."""
    words = [int(root)] + [zlib.crc32(str(n).encode()) for n in names]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


# ----- data -----


def parse_task(task: str) -> list[int]:
    """``"x1^x2^x3"`` -> the 0-based bit indices [0, 1, 2]."""
    bits = []
    for term in task.split("^"):
        term = term.strip()
        if not (term.startswith("x") and term[1:].isdigit() and int(term[1:]) >= 1):
            raise ValueError(f"parity task {task!r}: terms must be x1, x2, ... joined by ^")
        bits.append(int(term[1:]) - 1)
    return bits


def random_bits(n: int, n_bits: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    """(n, n_bits) uniform random 0/1 inputs."""
    return torch.randint(0, 2, (n, n_bits), generator=generator(seed)).to(dtype)


def parity(bits: torch.Tensor, task: str) -> torch.Tensor:
    """The 0/1 parity of the task's bits, for each row of ``bits`` (..., n_bits)."""
    idx = parse_task(task)
    if max(idx) >= bits.shape[-1]:
        raise ValueError(f"parity task {task!r} needs {max(idx) + 1} bits, inputs have {bits.shape[-1]}")
    return bits[..., idx].sum(-1).remainder(2)


def resampled_frequency_weights(n: int, frequencies, mask_seeds, n_tasks: int, task: int) -> Iterator[torch.Tensor]:
    """Loss weights that draw a task's rows afresh at every step: an endless iterator of
    (S * P, n, n_tasks) 0/1 weights, one per step in order, for networks ordered (seed,
    frequency). Each draw advances the seeds' generators, so step t's weights are the t-th
    item of a fresh iterator. At each step every seed's stream gives each row a random rank;
    the task keeps its loss on the rows of rank < round(p n): exactly that many, a new uniform
    subset each step, and nested across the frequencies of one seed (paired). The other tasks
    keep every row."""
    generators = [generator(s) for s in mask_seeds]
    keep = torch.tensor([int(round(p * n)) for p in frequencies])
    while True:
        ranks = torch.stack([torch.randperm(n, generator=g) for g in generators])  # (S, n)
        w = torch.ones(len(generators), len(keep), n, n_tasks)
        w[..., task] = (ranks[:, None, :] < keep[None, :, None]).to(w.dtype)
        yield w.reshape(-1, n, n_tasks)


# ----- batched MLPs -----


@dataclass
class BatchedMLP:
    """M independent MLPs with the same widths, stacked. ``weights[l]`` is (M, fan_in, fan_out)
    (x @ W, the transpose of nn.Linear's layout), ``biases[l]`` is (M, fan_out)."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    activation: str = "relu"
    # optional fixed 0/1 masks per weight: (fan_in, fan_out) for all networks or (M, fan_in, fan_out)
    masks: list[torch.Tensor | None] | None = None

    @classmethod
    def init(cls, widths, seeds, *, dtype=torch.float64, activation="relu", masks=None) -> BatchedMLP:
        """nn.Linear's default initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
        biases, drawn per network from its own seed (weight then bias, layer by layer), so a
        network does not depend on which others share its batch."""
        weights = [[] for _ in widths[1:]]
        biases = [[] for _ in widths[1:]]
        for seed in seeds:
            g = generator(seed)
            for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
                bound = 1.0 / fan_in**0.5
                weights[layer].append((torch.rand(fan_in, fan_out, generator=g, dtype=torch.float64) * 2 - 1) * bound)
                biases[layer].append((torch.rand(fan_out, generator=g, dtype=torch.float64) * 2 - 1) * bound)
        return cls(
            [torch.stack(w).to(dtype).requires_grad_() for w in weights],
            [torch.stack(b).to(dtype).requires_grad_() for b in biases],
            activation,
            masks,
        )

    @property
    def n_models(self) -> int:
        return self.weights[0].shape[0]

    def parameters(self) -> list[torch.Tensor]:
        return [*self.weights, *self.biases]

    def to(self, device) -> BatchedMLP:
        """The same networks on ``device`` (leaf tensors, ready for an optimizer)."""

        def move(t):
            return t.detach().to(device).requires_grad_(t.requires_grad)

        masks = None if self.masks is None else [None if m is None else m.to(device) for m in self.masks]
        return BatchedMLP([move(w) for w in self.weights], [move(b) for b in self.biases], self.activation, masks)

    def layer(self, i: int, h: torch.Tensor) -> torch.Tensor:
        w = self.weights[i]
        if self.masks is not None and self.masks[i] is not None:
            w = w * self.masks[i]  # masked entries carry neither signal nor gradient
        return torch.baddbmm(self.biases[i].unsqueeze(1), h, w)

    def hidden(self, h: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Layers ``start..`` on (M, N, fan_in) inputs: activation between layers, none at the end."""
        act = ACTIVATIONS[self.activation]
        for i in range(start, len(self.weights)):
            h = self.layer(i, h)
            if i < len(self.weights) - 1:
                h = act(h)
        return h

    __call__ = hidden

    def to_modules(self, m: int) -> torch.nn.Sequential:
        """Network ``m`` as a plain nn.Sequential (for tests against a straightforward loop)."""
        layers = []
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            lin = torch.nn.Linear(w.shape[1], w.shape[2], dtype=w.dtype)
            with torch.no_grad():
                mask = None if self.masks is None else self.masks[i]
                if mask is not None and mask.dim() == 3:
                    mask = mask[m]
                weight = w[m] if mask is None else w[m] * mask
                lin.weight.copy_(weight.T)
                lin.bias.copy_(b[m])
            layers.append(lin)
            if i < len(self.weights) - 1:
                layers.append(torch.nn.ReLU() if self.activation == "relu" else torch.nn.SiLU())
        return torch.nn.Sequential(*layers)


# ----- training -----


@dataclass
class ParityHistory:
    """Per step t (metrics of the network after t updates), model and task."""

    accuracy: torch.Tensor  # (steps, M, k), on every training row
    loss: torch.Tensor  # (steps, M, k), unmasked MSE per task on every training row
    diverged: torch.Tensor  # (M,) bool: the training loss became NaN/inf


def train_parity(
    x: torch.Tensor,
    targets: torch.Tensor,
    loss_weights: torch.Tensor | Iterator[torch.Tensor],
    seeds,
    *,
    hidden: int,
    lr: float,
    steps: int,
    dtype=torch.float64,
    device="cpu",
    stop_at: float | None = None,
    log=None,
) -> tuple[BatchedMLP, ParityHistory]:
    """Full-batch Adam on MSE for M networks n_bits-``hidden``-k (ReLU) at once.

    x (M, N, n_bits) 0/1 inputs; targets (M, N, k) 0/1 labels; loss_weights (M, N, k) 0/1
    masks (a task's frequency), or an iterator yielding one such tensor per step, in order
    (masks redrawn each step). Network m is initialised from ``seeds[m]``. The loss of a
    network is the mean over rows and tasks of mask * (out - label)^2 (nn.MSELoss's mean of
    the masked errors). With ``stop_at``, training stops once every network reached that
    accuracy on every task (later steps cannot change when it was first reached).
    """
    x, targets = (a.to(device=device, dtype=dtype) for a in (x, targets))
    fixed_weights = loss_weights.to(device=device, dtype=dtype) if isinstance(loss_weights, torch.Tensor) else None
    n_models, n, k = targets.shape
    model = BatchedMLP.init([x.shape[-1], hidden, k], seeds, dtype=dtype, activation="relu").to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    accuracy = torch.full((steps, n_models, k), float("nan"))
    task_loss = torch.full((steps, n_models, k), float("nan"))
    diverged = torch.zeros(n_models, dtype=torch.bool, device=device)
    labels = targets > 0.5
    learned_yet = torch.zeros(n_models, k, dtype=torch.bool)
    for t in range(steps):
        out = model(x)
        err2 = (out - targets) ** 2
        w = fixed_weights if fixed_weights is not None else next(loss_weights).to(device=device, dtype=dtype)
        loss = (err2 * w).mean((1, 2))  # per network
        with torch.no_grad():
            accuracy[t] = ((out > 0.5) == labels).to(torch.float32).mean(1).cpu()
            task_loss[t] = err2.mean(1).float().cpu()
            diverged |= ~torch.isfinite(loss)
            if stop_at is not None:
                learned_yet |= accuracy[t] >= stop_at
        opt.zero_grad(set_to_none=True)
        # a diverged network's NaN stays its own: its gradient does not touch the others
        loss.sum().backward()
        opt.step()
        if log and t % 250 == 0:
            log.info(f"step {t}: lowest accuracy per task {accuracy[t].min(0).values.tolist()}")
        if stop_at is not None and learned_yet.all():
            accuracy, task_loss = accuracy[: t + 1], task_loss[: t + 1]
            break
    return model, ParityHistory(accuracy, task_loss, diverged.cpu())


def first_step_at_least(curve: np.ndarray, threshold: float) -> np.ndarray:
    """First index along axis 0 where curve >= threshold, NaN where never (..., trailing axes)."""
    curve = np.asarray(curve)
    hit = curve >= threshold
    first = hit.argmax(0).astype(float)
    first[~hit.any(0)] = np.nan
    return first


def first_step_below(curve: np.ndarray, threshold: float) -> np.ndarray:
    """First index along axis 0 where curve < threshold, NaN where never."""
    curve = np.asarray(curve)
    hit = curve < threshold
    first = hit.argmax(0).astype(float)
    first[~hit.any(0)] = np.nan
    return first


def within_factor(ours: float, paper: float, factor: float) -> bool:
    """ours within [paper / factor, paper * factor] (False for NaN): the figures' test of a
    step count or ratio against the re-run, whose absolute values depend on random streams."""
    return bool(paper / factor <= ours <= paper * factor)


# ----- the two experiments of Fig. 2 -----


def frequency_experiment(
    cfg: dict, root_seed: int, *, device="cpu", log=None
) -> tuple[np.ndarray, np.ndarray, ParityHistory]:
    """Independent tasks t1, t2 with task 2's frequency p2 in cfg["p2"], for every seed, in one
    batch ordered (seed, p2). A seed fixes the data, the initialisation and the stream of
    task 2's rows, redrawn each step and nested across p2 (paired). Returns p2 per model, seed
    per model and the history; with cfg["stop_when_learned"] it ends once every network
    learned both tasks."""
    p2s, n_seeds, n = list(cfg["p2"]), cfg["seeds"], cfg["n_samples"]
    tasks = cfg["independent_tasks"]
    xs, ys, init_seeds, model_p2, model_seed = [], [], [], [], []
    for s in range(n_seeds):
        x = random_bits(n, cfg["n_bits"], derive_seed(root_seed, "parity-frequency-data", s))
        y = torch.stack([parity(x, task) for task in tasks], -1)
        for p2 in p2s:
            xs.append(x), ys.append(y)
            init_seeds.append(derive_seed(root_seed, "parity-frequency-init", s))
            model_p2.append(p2), model_seed.append(s)
    mask_seeds = [derive_seed(root_seed, "parity-frequency-mask", s) for s in range(n_seeds)]
    _, history = train_parity(
        torch.stack(xs),
        torch.stack(ys),
        resampled_frequency_weights(n, p2s, mask_seeds, n_tasks=len(tasks), task=1),
        init_seeds,
        hidden=cfg["hidden"],
        lr=cfg["lr"],
        steps=cfg["steps"],
        dtype=DTYPES[cfg["dtype"]],
        device=device,
        stop_at=cfg["threshold"] if cfg["stop_when_learned"] else None,
        log=log,
    )
    return np.array(model_p2), np.array(model_seed), history


def compositional_experiment(cfg: dict, root_seed: int, *, device="cpu", log=None):
    """The compositional outputs and the control, for every seed, one batch ordered
    (experiment, seed); a seed fixes the data and the initialisation of both experiments. They
    train on a ``compositional_train_fraction`` of ``n_samples`` random rows (the authors'
    notebook keeps 80% of its 10,000 rows for training and measures accuracy on those)."""
    experiments = {"compositional": cfg["compositional_tasks"], "control": cfg["control_tasks"]}
    n_train = int(round(cfg["n_samples"] * cfg["compositional_train_fraction"]))
    xs, ys, init_seeds, model_exp, model_seed = [], [], [], [], []
    for name, tasks in experiments.items():
        for s in range(cfg["seeds"]):
            x = random_bits(n_train, cfg["n_bits"], derive_seed(root_seed, "parity-compositional-data", s))
            xs.append(x)
            ys.append(torch.stack([parity(x, task) for task in tasks], -1))
            init_seeds.append(derive_seed(root_seed, "parity-compositional-init", s))
            model_exp.append(name), model_seed.append(s)
    y = torch.stack(ys)
    _, history = train_parity(
        torch.stack(xs),
        y,
        torch.ones_like(y),
        init_seeds,
        hidden=cfg["hidden"],
        lr=cfg["lr"],
        steps=cfg["compositional_steps"],
        dtype=DTYPES[cfg["dtype"]],
        device=device,
        log=log,
    )
    return experiments, np.array(model_exp), np.array(model_seed), history
