"""The Geometry model of skill learning (skills spec section 2).

Parameters theta in R^N start at 0. Skill i is a unit task vector t_i; its strength is
s_i = t_i.theta (MSE, loss l_i = (1 - s_i)^2) or s_i = sigmoid(t_i.theta) (CE, l_i = -log s_i).
Skill frequencies p_i are Zipf, p_i ~ i^-alpha, and the total loss is L = sum_i p_i l_i. Each
step draws B skill ids iid from p and follows the stochastic gradient

    g = -(1/B) sum_b (1 - s_ib) t_ib   (+ optional Gaussian noise of std sigma)

with SGD, SignGD (= Adam with betas (0, 0)), Adam, Lion or AdEMAMix.

Everything runs as one tensor program over runs = configs x seeds: theta is [S, C, N] (seed,
config, parameter), so the two products per step (s = T theta and g = coef . T) are batched
matrix-matrix products, one per seed, shared by every config of that seed. Configs in one
batch may differ only in their frequencies (alpha), learning rate, noise, optimizer and N;
configs with another N form another group with its own theta and task vectors, stepped in
the same loop, and every group reuses the same skill draws (drawing them costs more than a
step at small N). Within a group, configs with different optimizers share the products
(more rows per product run faster per row) and each optimizer updates its own rows.

Randomness: a seed fixes its task vectors, its skill draws and its gradient noise, each from
its own stream, so a run's numbers do not depend on what else is in the batch. Skill ids come
from uniforms through the inverse CDF of p, so configs of one seed share their uniforms
(common random numbers across alpha). :func:`draw_skill_ids` and :func:`draw_noise` return
exactly the draws that :func:`simulate` uses, for checking it against a plain loop.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from physlearn.checkpoint import load_matching, save_atomic

log = logging.getLogger("physlearn.skills")

LOSSES = ("mse", "ce")
TASK_VECTORS = ("orthonormal", "gaussian", "scaled_gaussian")
OPTIMIZERS = ("sgd", "signgd", "adam", "lion", "ademamix")
# Betas when the config gives none: torch's Adam defaults, Lion's paper (0.9, 0.99), and
# AdEMAMix's paper (beta1 fast EMA, beta2 second moment, beta3 slow EMA).
DEFAULT_BETAS = {
    "sgd": (),
    "signgd": (0.0, 0.0),
    "adam": (0.9, 0.999),
    "lion": (0.9, 0.99),
    "ademamix": (0.9, 0.999, 0.9999),
}
# Configs batched together may differ only in these fields.
BATCHABLE = ("alpha", "frequencies", "lr", "noise", "n_params", "optimizer", "betas", "eps", "ademamix_alpha")
# The fields that make an optimizer: configs of one N with different ones share theta's
# products (one larger matrix product per seed) and each updates its own slice.
_OPTIMIZER_FIELDS = ("optimizer", "betas", "eps", "ademamix_alpha")
# Skill ids and noise are drawn this many steps at a time (fixed: the draws must not depend
# on how often a run records).
CHUNK = 256
# Skill counts are made this many steps at a time: the ids and counts of a block stay in cache
# (for Fig. 10's 1000 skills, 7 Zipf exponents and 4 seeds a block's counts take 1.8 MB).
COUNTS_BLOCK = 16
# Independent streams per seed.
_TASK, _SKILLS, _NOISE = 0, 1, 2


@dataclass(frozen=True)
class GeometryConfig:
    n_params: int = 1000  # N
    n_skills: int = 10
    alpha: float = 2.0  # Zipf exponent, p_i ~ i^-alpha (normalised)
    frequencies: tuple[float, ...] | None = None  # explicit p_i (normalised here); overrides alpha
    loss: str = "mse"  # "mse" | "ce"
    # "orthonormal": rows of a random orthogonal matrix (n_skills <= n_params); "gaussian":
    # normalised Gaussian rows; "scaled_gaussian": Gaussian rows / sqrt(N), not normalised
    task_vectors: str = "orthonormal"
    optimizer: str = "signgd"  # "sgd" | "signgd" | "adam" | "lion" | "ademamix"
    lr: float = 3e-4
    batch_size: int = 128  # skill ids drawn iid from p per step
    noise: float = 0.0  # std of Gaussian noise added to the gradient
    steps: int = 3000
    betas: tuple[float, ...] | None = None  # None: DEFAULT_BETAS[optimizer]
    eps: float = 1e-8  # SignGD, Adam and AdEMAMix denominators
    ademamix_alpha: float = 2.0  # weight of AdEMAMix's slow EMA

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.task_vectors not in TASK_VECTORS:
            raise ValueError(f"task_vectors must be one of {TASK_VECTORS}, got {self.task_vectors!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.task_vectors == "orthonormal" and self.n_skills > self.n_params:
            raise ValueError(
                f"orthonormal task vectors need n_skills <= n_params, got {self.n_skills} > {self.n_params}"
            )
        if self.frequencies is not None and len(self.frequencies) != self.n_skills:
            raise ValueError(f"{len(self.frequencies)} frequencies for {self.n_skills} skills")
        if min(self.n_params, self.n_skills, self.batch_size) < 1 or self.steps < 0:
            raise ValueError("n_params, n_skills and batch_size must be >= 1, steps >= 0")
        if len(self.optimizer_betas) != len(DEFAULT_BETAS[self.optimizer]):
            raise ValueError(f"{self.optimizer} takes {len(DEFAULT_BETAS[self.optimizer])} betas, got {self.betas}")

    @property
    def optimizer_betas(self) -> tuple[float, ...]:
        return tuple(self.betas) if self.betas is not None else DEFAULT_BETAS[self.optimizer]

    @property
    def skill_frequencies(self) -> np.ndarray:
        if self.frequencies is not None:
            p = np.asarray(self.frequencies, dtype=np.float64)
            return p / p.sum()
        return zipf_frequencies(self.n_skills, self.alpha)


def zipf_frequencies(n: int, alpha: float) -> np.ndarray:
    """p_i = i^-alpha / sum_j j^-alpha, i = 1..n."""
    p = np.arange(1, n + 1, dtype=np.float64) ** -float(alpha)
    return p / p.sum()


def _generator(seed: int, stream: int) -> torch.Generator:
    state = np.random.SeedSequence([int(seed), stream]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def make_task_vectors(config: GeometryConfig, seed: int, dtype=torch.float64) -> torch.Tensor:
    """[n_skills, n_params] rows: the first rows of a Haar-random orthogonal matrix, normalised
    Gaussian rows (unit rows, both), or Gaussian rows / sqrt(N) (norms near 1, not normalised:
    Fig. 15's draw). Depends only on the seed, N, the number of skills and the kind."""
    gen = _generator(seed, _TASK)
    gauss = torch.randn(config.n_params, config.n_skills, generator=gen, dtype=torch.float64)
    if config.task_vectors == "orthonormal":
        q, r = torch.linalg.qr(gauss)  # [N, n] orthonormal columns
        vectors = (q * torch.sign(torch.diagonal(r))).T  # sign fix makes the distribution Haar
    elif config.task_vectors == "gaussian":
        vectors = gauss.T / gauss.T.norm(dim=1, keepdim=True)
    else:
        vectors = gauss.T / config.n_params**0.5
    return vectors.to(dtype).contiguous()


class _Chunks:
    """One seed's stream of draws [rows, width], CHUNK steps at a time (float64). Its state,
    the generator's and the next step's, is what a checkpoint keeps of it."""

    def __init__(self, seed: int, stream: int, width: int, n_steps: int):
        self.draw = torch.rand if stream == _SKILLS else torch.randn
        self.gen, self.width, self.n_steps, self.start = _generator(seed, stream), width, n_steps, 0

    def __iter__(self) -> Iterator[torch.Tensor]:
        return self

    def __next__(self) -> torch.Tensor:
        if self.start >= self.n_steps:
            raise StopIteration
        rows = min(CHUNK, self.n_steps - self.start)
        self.start += rows
        return self.draw(rows, self.width, generator=self.gen, dtype=torch.float64)

    def state(self) -> list:
        return [self.gen.get_state(), self.start]

    def restore(self, state: list) -> None:
        self.gen.set_state(state[0])
        self.start = int(state[1])


def _uniform_chunks(seed: int, batch_size: int, n_steps: int) -> _Chunks:
    return _Chunks(seed, _SKILLS, batch_size, n_steps)


def _noise_chunks(seed: int, n_params: int, n_steps: int) -> _Chunks:
    return _Chunks(seed, _NOISE, n_params, n_steps)


class _InverseCdf:
    """Skill ids from uniforms, id(u) = #{i : cdf_i <= u}, as torch.searchsorted gives them,
    but through a lookup table: u falls in one of 2^16 equal buckets, and only the few buckets
    that hold a cdf value need the search (the sampling would otherwise dominate Fig. 10)."""

    BUCKETS = 1 << 16  # a table of 2^16 ids stays in cache; < 2% of draws need the search

    def __init__(self, frequencies: np.ndarray, device=torch.device("cpu")):
        self.n = len(frequencies)
        self.cdf = torch.as_tensor(np.cumsum(frequencies), dtype=torch.float64)
        self.cdf[-1] = 1.0  # rounding must not leave uniforms above the last bin
        edges = torch.arange(self.BUCKETS + 1, dtype=torch.float64) / self.BUCKETS
        first = torch.searchsorted(self.cdf, edges[:-1], right=True)  # id at the bucket's start
        last = torch.searchsorted(self.cdf, edges[1:], right=False)  # id just below its end
        # one id per bucket, or -1 where a cdf value splits the bucket
        self.table = torch.where(last == first, first.clamp(max=self.n - 1), -1).to(device)
        self.cdf = self.cdf.to(device)

    @classmethod
    def buckets(cls, uniforms: torch.Tensor) -> torch.Tensor:
        """The bucket of each uniform in [0, 1) (torch.rand's range): u * BUCKETS is exact (a
        power of 2) and truncates to its floor. int32: converting to it is several times
        faster than to int64, and index_select takes it."""
        return (uniforms * cls.BUCKETS).to(torch.int32)

    def __call__(
        self, uniforms: torch.Tensor, buckets: torch.Tensor | None = None, out: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Skill ids (int64) of ``uniforms``; ``buckets`` (from :meth:`buckets`) may be shared
        between several frequency vectors; ``out``, a contiguous int64 tensor of their shape,
        receives the ids."""
        buckets = self.buckets(uniforms) if buckets is None else buckets
        flat = None if out is None else out.view(-1)
        flat = torch.index_select(self.table, 0, buckets.reshape(-1), out=flat)  # ~2x faster than table[buckets]
        split = torch.nonzero(flat < 0).squeeze(1)
        flat[split] = torch.searchsorted(self.cdf, uniforms.reshape(-1)[split], right=True).clamp_(max=self.n - 1)
        return flat.view(buckets.shape)


def draw_skill_ids(config: GeometryConfig, seed: int) -> np.ndarray:
    """[steps + 1, B] the skill ids that :func:`simulate` draws for this seed (the last row is
    the batch at the final state, used only for its n_align)."""
    chunks = _uniform_chunks(seed, config.batch_size, config.steps + 1)
    inverse_cdf = _InverseCdf(config.skill_frequencies)
    return torch.cat([inverse_cdf(u) for u in chunks]).numpy()


def draw_noise(config: GeometryConfig, seed: int) -> np.ndarray:
    """[steps + 1, N] standard normals; the gradient noise of step t is config.noise * row t."""
    return torch.cat(list(_noise_chunks(seed, config.n_params, config.steps + 1))).numpy()


def recorded_steps(steps: int, record_every: int) -> np.ndarray:
    """0, record_every, 2 record_every, ..., and always the last step."""
    return np.unique(np.r_[np.arange(0, steps + 1, max(1, record_every)), steps])


def _check_batch(configs: Sequence[GeometryConfig]) -> GeometryConfig:
    first = configs[0]
    for other in configs[1:]:
        diff = [
            f.name
            for f in dataclasses.fields(GeometryConfig)
            if f.name not in BATCHABLE and getattr(other, f.name) != getattr(first, f.name)
        ]
        if diff:
            raise ValueError(f"configs batched together differ in {diff}; only {BATCHABLE} may differ")
    return first


class _Optimizer:
    """The update rules on a [S, C, N] tensor; lr is [1, C, 1]. ``step`` returns the update
    that is subtracted from theta (lr included)."""

    def __init__(self, config: GeometryConfig, lr: torch.Tensor, like: torch.Tensor):
        self.kind, self.betas, self.eps, self.lr = config.optimizer, config.optimizer_betas, config.eps, lr
        self.ademamix_alpha = config.ademamix_alpha
        self.t = 0
        zeros = lambda: torch.zeros_like(like)  # noqa: E731
        self.m = zeros() if self.kind in ("adam", "lion", "ademamix") else None
        self.v = zeros() if self.kind in ("adam", "ademamix") else None
        self.m_slow = zeros() if self.kind == "ademamix" else None

    def state(self) -> dict:
        return {"t": self.t, **{k: getattr(self, k) for k in ("m", "v", "m_slow") if getattr(self, k) is not None}}

    def restore(self, state: dict) -> None:
        self.t = int(state["t"])
        for k in ("m", "v", "m_slow"):
            if k in state:
                getattr(self, k).copy_(state[k])

    def step(self, g: torch.Tensor) -> torch.Tensor:
        self.t += 1
        if self.kind == "sgd":
            return self.lr * g
        if self.kind == "signgd":  # Adam with betas (0, 0): m_hat = g, v_hat = g^2
            return self.lr * g / (g.abs() + self.eps)
        if self.kind == "lion":
            b1, b2 = self.betas
            update = torch.sign(self.m * b1 + g * (1 - b1))
            self.m.mul_(b2).add_(g, alpha=1 - b2)
            return self.lr * update
        b1, b2 = self.betas[:2]
        self.m.mul_(b1).add_(g, alpha=1 - b1)
        self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
        m_hat = self.m / (1 - b1**self.t)
        denom = (self.v / (1 - b2**self.t)).sqrt_().add_(self.eps)
        if self.kind == "adam":
            return self.lr * m_hat / denom
        # AdEMAMix (Pagliardini et al. 2024, Algorithm 1, without its alpha/beta3 warm-up
        # schedulers): fast EMA with bias correction plus alpha times the slow EMA without.
        b3 = self.betas[2]
        self.m_slow.mul_(b3).add_(g, alpha=1 - b3)
        return self.lr * (m_hat + self.ademamix_alpha * self.m_slow) / denom


def _counts(ids: torch.Tensor, n_skills: int, dtype=torch.float32) -> torch.Tensor:
    """[..., B] skill ids -> [..., n_skills] how often each skill was drawn."""
    counts = torch.zeros(*ids.shape[:-1], n_skills, dtype=dtype, device=ids.device)
    return counts.scatter_add_(-1, ids, torch.ones((), dtype=dtype, device=ids.device).expand(ids.shape))


def _block_counts(uniforms: torch.Tensor, inverse_cdfs: list[_InverseCdf], n_skills: int, dtype) -> torch.Tensor:
    """[steps, S, B] uniforms -> [U, steps, S, n] skill counts for each of U frequency vectors."""
    buckets = _InverseCdf.buckets(uniforms)  # shared by every frequency vector
    ids = torch.empty(len(inverse_cdfs), *uniforms.shape, dtype=torch.long, device=uniforms.device)
    for inverse_cdf, out in zip(inverse_cdfs, ids):
        inverse_cdf(uniforms, buckets, out=out)
    return _counts(ids, n_skills, dtype)


def simulate_many(
    configs: Sequence[GeometryConfig],
    seeds: Sequence[int],
    *,
    device="cpu",
    record_every: int = 1,
    n_align: bool = False,
    task_vectors: torch.Tensor | None = None,
    skill_ids: np.ndarray | None = None,
    record_steps: Sequence[int] | None = None,
    record_skills: bool = True,
    dtype=torch.float32,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 300.0,
) -> dict[str, np.ndarray]:
    """Every config x seed in one tensor program. Configs may differ only in alpha (or
    frequencies), lr, noise, optimizer (with its betas, eps and AdEMAMix alpha) and N (a
    group per N, sharing the skill draws; within it, the optimizers share the products). Arrays are
    config-first: "s" is [C, S, R, n_skills] etc., "frequencies" [C, n_skills]; see
    :func:`simulate` for the keys and the options (skill_ids needs one frequency vector,
    task_vectors one N).

    With ``checkpoint`` (a file path), the state (theta, optimizer moments, the random
    streams' positions, the records so far) is written there at the first chunk boundary
    (every CHUNK steps) after ``checkpoint_every`` seconds, atomically, with a progress line;
    a call that finds the checkpoint of the same simulation goes on from it, to the numbers
    an uninterrupted call gives. The file is left in place; the caller removes it."""
    base = _check_batch(configs)
    if checkpoint is not None and (task_vectors is not None or skill_ids is not None):
        raise ValueError("checkpoint works with drawn task vectors and skill ids only")
    # Adam's second moment and CE's (1 - s) underflow into float32 subnormals, which make
    # elementwise ops ~100x slower on x86; flushing them to zero changes nothing we record.
    torch.set_flush_denormal(True)
    try:
        return _simulate_many(
            configs,
            base,
            [int(s) for s in seeds],
            torch.device(device),
            record_every,
            n_align,
            task_vectors,
            skill_ids,
            record_steps,
            record_skills,
            dtype,
            checkpoint,
            checkpoint_every,
        )
    finally:
        torch.set_flush_denormal(False)


def _group_task_vectors(config, seeds, task_vectors, dtype, device):
    if task_vectors is None:
        T = torch.stack([make_task_vectors(config, s, dtype) for s in seeds])
    else:
        T = torch.as_tensor(task_vectors, dtype=dtype)
        T = T.expand(len(seeds), *T.shape[-2:]) if T.ndim == 2 else T
        if tuple(T.shape) != (len(seeds), config.n_skills, config.n_params):
            raise ValueError(f"task_vectors of shape {tuple(T.shape)}, expected [S, n_skills, N]")
    return T.to(device).contiguous()  # [S, n, N]


def _optimizer_key(config: GeometryConfig) -> tuple:
    return tuple(getattr(config, f) for f in _OPTIMIZER_FIELDS)


class _Group:
    """The runs of one N: theta [S, C_g, N], task vectors [S, n, N], and per optimizer the
    slice of configs it updates, with its state."""

    def __init__(self, configs, index, seeds, task_vectors, dtype, device):
        # configs of one optimizer next to each other (in order of first appearance)
        keys = list(dict.fromkeys(_optimizer_key(configs[i]) for i in index))
        index = sorted(index, key=lambda i: keys.index(_optimizer_key(configs[i])))
        self.index = index  # positions of this group's configs in the batch
        self.config = configs[index[0]]
        shape = (1, len(index), 1)
        self.lr = torch.tensor([configs[i].lr for i in index], dtype=dtype, device=device).view(shape)
        self.sigma = torch.tensor([configs[i].noise for i in index], dtype=dtype, device=device).view(shape)
        self.noisy = any(configs[i].noise > 0 for i in index)
        self.T = _group_task_vectors(self.config, seeds, task_vectors, dtype, device)
        self.theta = torch.zeros(len(seeds), len(index), self.config.n_params, dtype=dtype, device=device)
        self.opts = []  # (slice of configs, optimizer)
        for key in keys:
            rows = [k for k, i in enumerate(index) if _optimizer_key(configs[i]) == key]
            part = slice(rows[0], rows[-1] + 1)
            self.opts.append((part, _Optimizer(configs[index[rows[0]]], self.lr[:, part], self.theta[:, part])))
        self.noise_streams = [_noise_chunks(s, self.config.n_params, self.config.steps + 1) for s in seeds]
        self.noise = None

    def state(self) -> dict:
        return {
            "theta": self.theta,
            "opts": [opt.state() for _, opt in self.opts],
            "noise": [stream.state() for stream in self.noise_streams],
        }

    def restore(self, state: dict) -> None:
        self.theta.copy_(state["theta"])
        for (_, opt), opt_state in zip(self.opts, state["opts"]):
            opt.restore(opt_state)
        for stream, stream_state in zip(self.noise_streams, state["noise"]):
            stream.restore(stream_state)

    def step(self, grad: torch.Tensor) -> None:
        if len(self.opts) == 1:
            self.theta -= self.opts[0][1].step(grad)
            return
        for part, opt in self.opts:
            self.theta[:, part] -= opt.step(grad[:, part])


def _as_slice(index: torch.Tensor) -> slice | torch.Tensor:
    """index = a, a + 1, ..., b - 1 as slice(a, b); other indices as they are."""
    first = int(index[0])
    if bool((index == torch.arange(first, first + len(index), device=index.device)).all()):
        return slice(first, first + len(index))
    return index


def _simulate_many(
    configs,
    base,
    seeds,
    device,
    record_every,
    n_align,
    task_vectors,
    skill_ids,
    record_steps,
    record_skills,
    dtype,
    checkpoint=None,
    checkpoint_every=300.0,
):
    n_configs, n_seeds, steps, batch = len(configs), len(seeds), base.steps, base.batch_size
    freqs = np.stack([c.skill_frequencies for c in configs])  # [C, n]
    p = torch.as_tensor(freqs, dtype=dtype, device=device)
    # Configs with the same frequencies share their skill draws (the same seed's uniforms).
    unique_freqs, draw_of = np.unique(freqs, axis=0, return_inverse=True)
    draw_of = torch.as_tensor(draw_of.reshape(-1), device=device)
    by_n: dict[int, list[int]] = {}
    for i, c in enumerate(configs):
        by_n.setdefault(c.n_params, []).append(i)
    if task_vectors is not None and len(by_n) > 1:
        raise ValueError("task_vectors can be given only when every config has the same N")
    groups = [_Group(configs, index, seeds, task_vectors, dtype, device) for index in by_n.values()]
    for g in groups:
        draws = draw_of[g.index]  # which distinct frequencies each config of the group draws from
        g.repeats = 1
        if len(g.opts) > 1 and len(draws) % len(g.opts) == 0:  # each optimizer's configs: the same draws?
            size = len(draws) // len(g.opts)
            if bool((draws.view(len(g.opts), size) == draws[:size]).all()):
                draws, g.repeats = draws[:size], len(g.opts)
        g.draws = _as_slice(draws)  # a view of the counts if it can
    order = np.argsort(np.concatenate([g.index for g in groups]))
    in_order = bool((order == np.arange(n_configs)).all())
    order = torch.as_tensor(order, device=device)

    def joined(tensors):  # per-group [S, C_g, ...] -> [S, C, ...] in the batch's config order
        together = tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim=1)
        return together if in_order else together[:, order]

    if skill_ids is not None:
        if len(unique_freqs) != 1:
            raise ValueError("skill_ids can be given only when every config has the same frequencies")
        skill_ids = torch.as_tensor(np.asarray(skill_ids), dtype=torch.long)
        if tuple(skill_ids.shape) != (n_seeds, steps + 1, batch):
            raise ValueError(f"skill_ids of shape {tuple(skill_ids.shape)}, expected {(n_seeds, steps + 1, batch)}")

    if record_steps is None:
        record = recorded_steps(steps, record_every)
    else:
        record = np.unique(np.r_[np.asarray(record_steps, dtype=np.int64), 0, steps])
        if record.min() < 0 or record.max() > steps:
            raise ValueError(f"record_steps must lie in [0, {steps}]")
    record_set = set(record.tolist())
    out = {"s": [], "skill_loss": [], "loss": [], "n_align": []}

    uniforms = [_uniform_chunks(s, batch, steps + 1) for s in seeds]
    inverse_cdfs = [_InverseCdf(f, device) for f in unique_freqs]
    counts = u = None
    fingerprint = json.dumps(
        {
            "configs": [dataclasses.asdict(c) for c in configs],
            "seeds": seeds,
            "record": record.tolist(),
            "n_align": n_align,
            "record_skills": record_skills,
            "dtype": str(dtype),
        },
        sort_keys=True,
    )
    first_step, started = 0, time.perf_counter()
    state = load_matching(checkpoint, fingerprint, "configs, seeds or records")
    if state is not None:
        log.info("%s: resuming at step %d", checkpoint, state["step"])
        first_step = state["step"]
        for g, group_state in zip(groups, state["groups"]):
            g.restore(group_state)
        for stream, stream_state in zip(uniforms, state["uniforms"]):
            stream.restore(stream_state)
        out = {name: list(values) for name, values in state["out"].items()}
    last_save = time.perf_counter()
    for t in range(first_step, steps + 1):
        k = t % CHUNK
        if k == 0 and checkpoint is not None and t > first_step and time.perf_counter() - last_save >= checkpoint_every:
            # at a chunk boundary the draws and counts start afresh: the state is all that matters
            save_atomic(
                {
                    "fingerprint": fingerprint,
                    "step": t,
                    "groups": [g.state() for g in groups],
                    "uniforms": [stream.state() for stream in uniforms],
                    "out": out,
                },
                checkpoint,
            )
            last_save = time.perf_counter()
            log.info("step %d of %d, %.0f s; checkpoint %s", t, steps, last_save - started, checkpoint)
        if k == 0:  # the next chunk of draws
            if skill_ids is None:
                u = torch.stack([next(it) for it in uniforms], dim=1).to(device)  # [chunk, S, B]
            for g in groups:
                if g.noisy:
                    g.noise = torch.stack([next(it) for it in g.noise_streams]).to(device, dtype).unsqueeze(1)
        j = k % COUNTS_BLOCK
        if j == 0:  # skill counts [U, block, S, n] per distinct frequencies, a cache-sized block of steps
            if skill_ids is not None:
                ids = skill_ids[:, t : t + COUNTS_BLOCK].transpose(0, 1).to(device)
                counts = _counts(ids, base.n_skills, dtype).unsqueeze(0)
            else:
                counts = _block_counts(u[k : k + COUNTS_BLOCK], inverse_cdfs, base.n_skills, dtype)
            counts = counts.mul_(-1 / batch)  # -(count / B): the gradient's weights, once per block

        recording = t in record_set
        parts = {"s": [], "z": [], "n_align": []}
        for g in groups:
            z = torch.bmm(g.theta, g.T.transpose(1, 2))  # [S, C_g, n] = t_i . theta
            s = torch.sigmoid(z) if base.loss == "ce" else z
            # The spec's stochastic gradient, the same formula for MSE and CE: exact for CE
            # (d/dz -log sigmoid z = -(1 - s)); for MSE it omits the factor 2 of d(1 - s)^2/ds.
            # coef = -(count / B) (1 - s) in one op: w - w s with w = -count / B.
            w = counts[g.draws, j].transpose(0, 1)  # [S, C_g / repeats, n]
            if g.repeats == 1:
                coef = torch.addcmul(w, w, s, value=-1)  # [S, C_g, n]
            else:  # the same counts for every optimizer's block of configs, by broadcasting
                w = w.unsqueeze(1)
                coef = torch.addcmul(w, w, s.view(s.shape[0], g.repeats, -1, s.shape[2]), value=-1).view(s.shape)
            grad = torch.bmm(coef, g.T)  # [S, C_g, N]
            if g.noisy:
                grad = grad + g.sigma * g.noise[:, :, k]
            if recording:
                parts["s"].append(s)
                parts["z"].append(z)
                if n_align:  # n_align_i = #{k : t_ik * (-g_k) > 0}
                    parts["n_align"].append(((g.T.unsqueeze(1) * (-grad).unsqueeze(2)) > 0).sum(-1))
            if t < steps:
                g.step(grad)
        if recording:  # back to the batch's config order: [S, C, n]
            z = joined(parts["z"])
            skill_loss = torch.nn.functional.softplus(-z) if base.loss == "ce" else (1 - z) ** 2
            out["loss"].append((skill_loss * p).sum(-1).cpu())
            if record_skills:
                out["s"].append(joined(parts["s"]).cpu())
                out["skill_loss"].append(skill_loss.cpu())
            if n_align:
                out["n_align"].append(joined(parts["n_align"]).cpu())

    def stack(name):  # R entries of [S, C, ...] -> [C, S, R, ...]
        return torch.stack(out[name], dim=2).transpose(0, 1).numpy()

    result = {"step": record, "loss": stack("loss"), "frequencies": freqs}
    if record_skills:
        result.update(s=stack("s"), skill_loss=stack("skill_loss"))
    if n_align:
        result["n_align"] = stack("n_align")
    return result


def simulate(
    config: GeometryConfig,
    seeds: Sequence[int],
    *,
    device="cpu",
    record_every: int = 1,
    n_align: bool = False,
    task_vectors: torch.Tensor | None = None,
    **options,
) -> dict[str, np.ndarray]:
    """All seeds in one batched tensor program. Returns
       "step": [R] recorded steps (0 = initial state, then every record_every steps, and the last step),
       "s": [seeds, R, n_skills] skill strength s_i (t_i.theta for MSE, sigmoid(t_i.theta) for CE),
       "skill_loss": [seeds, R, n_skills] l_i,
       "loss": [seeds, R] total L = sum_i p_i l_i,
       "frequencies": [n_skills] p_i,
       "n_align": [seeds, R, n_skills] (only when n_align=True): at a recorded step, the
         coordinates k with t_ik * (-g_k) > 0 for the stochastic gradient g taken there (at the
         last step, from one extra batch that updates nothing).
    task_vectors: [n_skills, N] shared by all seeds, or [seeds, n_skills, N]; default: drawn per
    seed (make_task_vectors). Options:
       skill_ids: [seeds, steps + 1, B] draws to use instead of the seeds' own (draw_skill_ids);
       record_steps: the steps to record (with 0 and the last), instead of record_every;
       record_skills: False records only "loss" (no "s", "skill_loss");
       dtype: torch.float32 (default) or torch.float64.
    A diverging run records NaN or inf; it does not raise."""
    many = simulate_many(
        [config], seeds, device=device, record_every=record_every, n_align=n_align, task_vectors=task_vectors, **options
    )
    return {k: (v if k == "step" else v[0]) for k, v in many.items()}


def steps_to_reach(s: np.ndarray, steps: np.ndarray, threshold: float = 0.9) -> np.ndarray:
    """First recorded step where s >= threshold, along the step axis (the second-to-last of
    s: [..., R, n_skills]); NaN where it never gets there."""
    reached = np.asarray(s) >= threshold
    first = reached.argmax(axis=-2)
    out = np.asarray(steps, dtype=np.float64)[first]
    return np.where(reached.any(axis=-2), out, math.nan)
