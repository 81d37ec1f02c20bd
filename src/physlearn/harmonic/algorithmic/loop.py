"""Batched training of many toy-model runs at once (harmonic spec section 2).

A *run* is one network: its seed, output layer (harmonic or standard), train fraction,
weight decay and learning rate. All runs of one (task, model family, train fraction) train
together as one tensor program: parameters [R, P], AdamW moments [R, P], each step a batch of
32 examples per run. What belongs to a run stays its own:

- its 1000 samples (drawn with replacement from the task's facts, first ``train_fraction``
  train), its initialisation, its batch order and its dropout masks all come from
  generators seeded by (root seed, task, run seed); runs that share a seed (standard and
  harmonic, or two train fractions) share data, initialisation and order;
- runs with fewer training samples have fewer steps per epoch, so runs of one training-set
  size form a stack of their own (``train`` trains the stacks one after another); a short
  last batch is averaged over its real examples only.

So a run trained in a stack equals the same run trained alone (the tests check this).

Tracked runs record their accuracy after every epoch: test accuracy exactly (eval mode);
train accuracy exactly for the transformers, and for the MLPs as the running accuracy over
the epoch's batches (each example classified just before the step that uses it: free,
where a full pass over the training set costs a quarter of an MLP epoch). Final
accuracies are exact.
AdamW is torch.optim.AdamW's fused kernel on each run's row (``BatchedAdamW``), because
learning rate, weight decay and step count differ per run.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from physlearn import checkpoint as ckpt
from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic import models as M

log = logging.getLogger("physlearn.harmonic")

STREAMS = {"data": 0, "init": 1, "order": 2, "dropout": 3}


@dataclass(frozen=True)
class Run:
    seed: int
    harmonic: bool
    train_fraction: float = 0.8
    weight_decay: float = 0.01
    lr: float = 2e-3
    track: bool = True  # record train and test accuracy after every epoch


@dataclass(frozen=True)
class TrainSettings:
    epochs: int
    batch_size: int = 32
    samples: int = 1000
    betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    log_every: int = 0  # epochs between progress lines (0: none)


@dataclass
class TrainResult:
    runs: list[Run]
    params: torch.Tensor  # [R, P] after the last epoch
    train_acc: np.ndarray  # [R, E] after each epoch (NaN for untracked runs)
    test_acc: np.ndarray  # [R, E]
    train_loss: np.ndarray  # [R, E] mean training loss (with the regulariser) over each epoch's steps
    final_train_acc: np.ndarray  # [R]
    final_test_acc: np.ndarray  # [R]
    diverged: np.ndarray  # [R] bool: a non-finite loss or parameter
    n_train: np.ndarray  # [R]
    seconds: float
    info: dict = field(default_factory=dict)


def stream_seed(root_seed: int, task: str, seed: int, stream: str) -> int:
    """An independent 63-bit seed for one random stream of one (task, seed)."""
    task_key = list(D.TASKS).index(task) if task in D.TASKS else sum(map(ord, task))
    state = np.random.SeedSequence([int(root_seed), task_key, int(seed), STREAMS[stream]])
    return int(state.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_data(task: D.Task, root_seed: int, seed: int, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The run's dataset: ``samples`` facts drawn with replacement."""
    return D.sample(task, samples, np.random.default_rng(stream_seed(root_seed, task.name, seed, "data")))


def model_config(task: D.Task, family: str, **overrides) -> M.ModelConfig:
    return M.ModelConfig(family=family, n_inputs=task.n_inputs, vocab=task.vocab, **overrides)


class BatchedAdamW:
    """torch.optim.AdamW's fused update on a stack of runs [R, P], with a learning rate,
    weight decay and step count per run.

    Each run's row is a tensor of its own for ``torch._fused_adamw_``, the kernel behind
    ``torch.optim.AdamW(fused=True)``: one pass reads and writes each number once, where the
    unfused update makes a dozen. Called directly because ``torch.optim`` would spend more
    time in Python bookkeeping over twenty row parameters than the kernel takes (~180 vs
    ~60 us a step for 20 runs of 5,412 numbers on one CPU core). Runs of one (lr, weight
    decay) share a call; the tests check the result against torch.optim.AdamW per run."""

    def __init__(self, params: torch.Tensor, lr, weight_decay, betas=(0.9, 0.999), eps=1e-8):
        R = params.shape[0]
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.grad = torch.zeros_like(params)
        self.exp_avg = torch.zeros_like(params)
        self.exp_avg_sq = torch.zeros_like(params)
        self.step_count = torch.zeros(R, device=params.device)  # float32, as torch.optim keeps it
        # per run: views of its parameters, gradient, moments and step count (updated in place)
        self.rows = list(
            zip(*(t.unbind(0) for t in (params, self.grad, self.exp_avg, self.exp_avg_sq, self.step_count)))
        )
        groups: dict[tuple[float, float], list[int]] = {}
        for r, key in enumerate(zip(np.broadcast_to(lr, R).tolist(), np.broadcast_to(weight_decay, R).tolist())):
            groups.setdefault(key, []).append(r)
        self.groups = [(group_lr, decay, runs, self._tensors(runs)) for (group_lr, decay), runs in groups.items()]

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"exp_avg": self.exp_avg, "exp_avg_sq": self.exp_avg_sq, "step_count": self.step_count}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        for name, value in state.items():  # in place: the per-run views stay valid
            getattr(self, name).copy_(value)

    def _tensors(self, runs: list[int]) -> list[list[torch.Tensor]]:
        """[params, grads, exp_avgs, exp_avg_sqs, steps] of these runs, as the kernel takes them."""
        return [list(column) for column in zip(*(self.rows[r] for r in runs))]

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        """One AdamW step of every run."""
        self.grad.copy_(grad)
        self.step_count += 1
        for lr, decay, runs, tensors in self.groups:
            params, grads, exp_avgs, exp_avg_sqs, steps = tensors
            torch._fused_adamw_(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                [],
                steps,
                lr=lr,
                beta1=self.beta1,
                beta2=self.beta2,
                weight_decay=decay,
                eps=self.eps,
                amsgrad=False,
                maximize=False,
            )


def _epoch_plan(n_train, steps_max, batch_size, order_gens, dropout_gens, cfg, device):
    """Each run's batches for one epoch, step-major: sample indices [S, R, B] (padding 0),
    weights [S, R, B] (1 real, 0 padding) and, per dropout site, multipliers [S, R, B, *shape]
    (None without dropout). A run draws its batch order and its dropout uniforms from its own
    generators, one call each per epoch, so the draws do not depend on the other runs."""
    R, N = len(n_train), cfg.dropout_numbers
    idx = torch.zeros(R, steps_max * batch_size, dtype=torch.long, device=device)
    weight = torch.zeros(R, steps_max * batch_size, device=device)
    uniforms = torch.ones(steps_max, R, batch_size, N, device=device) if N else None
    for r, n in enumerate(n_train):
        idx[r, :n] = torch.randperm(int(n), generator=order_gens[r], device=device)
        weight[r, :n] = 1
        if N:
            steps = math.ceil(n / batch_size)
            uniforms[:steps, r] = torch.rand(steps, batch_size, N, generator=dropout_gens[r], device=device)
    dropout = M.split_dropout(cfg, M.dropout_masks(uniforms, cfg.dropout)) if N else None
    step_major = lambda t: t.view(R, steps_max, batch_size).transpose(0, 1).contiguous()
    return step_major(idx), step_major(weight), dropout


def _gather_examples(table: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """table [R, N, ...], idx [..., R, B] -> [..., R, B, ...] (one flat index_select: a whole
    epoch's batches at once, where per-step advanced indexing cost more than a step's matmuls)."""
    R, N = table.shape[:2]
    flat = idx + torch.arange(R, device=idx.device).unsqueeze(1) * N
    return table.reshape(R * N, *table.shape[2:]).index_select(0, flat.reshape(-1)).view(*idx.shape, *table.shape[2:])


@dataclass
class EvalSet:
    """Each run's distinct examples from ``start`` on, with how often each occurs in its train
    and its test split: a run's 1000 samples are drawn with replacement, so an accuracy over
    them is a weighted accuracy over its distinct (tokens, answer) rows, 35-94% as many
    (genealogy to lattice), and evaluating each once gives the same counts.

    tokens [R, U, T], answers [R, U], train and test counts [R, U] (float); U is the largest
    run's number of distinct rows, the others padded with count 0."""

    tokens: torch.Tensor
    answers: torch.Tensor
    train: torch.Tensor
    test: torch.Tensor

    @classmethod
    def build(cls, inputs, answers, is_train, start: int = 0) -> EvalSet:
        rows = torch.cat([inputs[:, start:], answers[:, start:, None]], -1)  # [R, N, T + 1]
        # a row as one number in base (largest token + 1): torch.unique over numbers, not rows
        base = int(rows.max()) + 1 if rows.numel() else 1
        keys = (rows * base ** torch.arange(rows.shape[-1], device=rows.device)).sum(-1)
        picked, counts = [], []
        for run_keys, run_train in zip(keys, is_train[:, start:]):
            unique, inverse = torch.unique(run_keys, return_inverse=True)
            first = torch.full((len(unique),), len(run_keys), device=rows.device).scatter_reduce_(
                0, inverse, torch.arange(len(run_keys), device=rows.device), "amin"
            )  # a sample holding each distinct row
            count = torch.zeros(2, len(unique), device=rows.device)
            count[0].index_add_(0, inverse, run_train.float())
            count[1].index_add_(0, inverse, (~run_train).float())
            picked.append(first)
            counts.append(count)
        U = max((len(f) for f in picked), default=0)
        # pad with the run's first distinct row, counted 0 times
        index = torch.stack([torch.cat([f, f[:1].expand(U - len(f))]) for f in picked])
        counts = torch.stack([torch.nn.functional.pad(c, (0, U - c.shape[1])) for c in counts])
        distinct = rows.gather(1, index.unsqueeze(-1).expand(-1, -1, rows.shape[-1]))
        return cls(distinct[..., :-1].contiguous(), distinct[..., -1].contiguous(), counts[:, 0], counts[:, 1])


@torch.no_grad()
def accuracy(cfg, params, harmonic, examples: EvalSet, chunk=250_000):
    """Train and test accuracy [R] each over ``examples`` (no dropout); a split with no
    samples gives NaN."""
    R, U = examples.answers.shape
    per_chunk = max(1, chunk // max(R, 1))
    correct = torch.empty(R, U, device=examples.answers.device)
    p = M.unflatten(params, cfg.shapes())
    for first in range(0, U, per_chunk):
        last = first + per_chunk
        tokens, answers = examples.tokens[:, first:last], examples.answers[:, first:last]
        correct[:, first:last] = M.predict(cfg, p, tokens, harmonic) == answers
    train = (correct * examples.train).sum(1) / examples.train.sum(1)
    test = (correct * examples.test).sum(1) / examples.test.sum(1)
    return train, test


def train(
    task: D.Task,
    cfg: M.ModelConfig,
    runs: list[Run],
    settings: TrainSettings,
    *,
    root_seed: int = 0,
    device: torch.device | str = "cpu",
    init: torch.Tensor | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 300.0,
) -> TrainResult:
    """Train every run for ``settings.epochs`` epochs. ``init`` [R, P] overrides the initial
    parameters (tests). Results come in the order of ``runs``.

    Runs with the same training-set size train at once, as one stack; the stacks of
    different sizes (Fig. 3b's train fractions) one after another. One stack of all would
    compute every run on every step of the largest run's epoch, where a run of 10% of the
    data takes 4 of 29 (its other steps frozen): at the paper's eight fractions the stacks
    do 129 run-steps of work per seed and epoch where one stack did 232.

    With ``checkpoint`` (a file path), each stack's whole training state (parameters, AdamW
    moments and counts, every run's random generators, the records so far) is written to
    that path, or to ``<stem>.n<size><suffix>`` beside it when there are several stacks, at
    the end of an epoch once ``checkpoint_every`` seconds have passed since the last write,
    and after the last epoch; a call that finds a checkpoint of the same training (task,
    model, runs, settings, root seed) goes on from it, to the numbers an uninterrupted call
    gives. A checkpoint of other training is ignored, with a warning."""
    stacks: dict[int, list[int]] = {}
    for i, run in enumerate(runs):
        stacks.setdefault(D.n_train(settings.samples, run.train_fraction), []).append(i)
    parts, order = [], []
    for size, members in sorted(stacks.items(), reverse=True):
        # standard runs first: the MLP step computes each output layer on its own block of runs
        members = sorted(members, key=lambda i: runs[i].harmonic)
        path = checkpoint
        if checkpoint is not None and len(stacks) > 1:
            path = Path(checkpoint).with_name(f"{Path(checkpoint).stem}.n{size}{Path(checkpoint).suffix}")
        parts.append(
            _train_sorted(
                task,
                cfg,
                [runs[i] for i in members],
                settings,
                root_seed,
                torch.device(device),
                None if init is None else init[members],
                path,
                checkpoint_every,
            )
        )
        order += members
    back = np.argsort(order)
    sizes = [len(p.runs) for p in parts]
    result = parts[0]
    result.runs = list(runs)
    result.params = torch.cat([p.params for p in parts])[torch.as_tensor(back)]
    for name in ("train_acc", "test_acc", "train_loss", "final_train_acc", "final_test_acc", "diverged", "n_train"):
        setattr(result, name, np.concatenate([getattr(p, name) for p in parts])[back])
    result.seconds = sum(p.seconds for p in parts)
    result.info["stacks"] = sizes
    return result


def _fingerprint(task, cfg, runs, settings, root_seed, init) -> str:
    """What determines a training's numbers (not its progress logging), as a string."""
    training = {
        "task": task.name,
        "model": asdict(cfg),
        "runs": [asdict(r) for r in runs],
        "settings": {k: v for k, v in asdict(settings).items() if k != "log_every"},
        "root_seed": root_seed,
        "init": None if init is None else float(init.double().sum()),
    }
    return json.dumps(training, sort_keys=True, default=str)


def _train_sorted(
    task, cfg, runs, settings, root_seed, device, init, checkpoint=None, checkpoint_every=300.0
) -> TrainResult:
    fingerprint = _fingerprint(task, cfg, runs, settings, root_seed, init)
    R, B, N = len(runs), settings.batch_size, settings.samples
    seeds = [r.seed for r in runs]
    data = [run_data(task, root_seed, s, N) for s in seeds]
    inputs = torch.as_tensor(np.stack([d[0] for d in data]), device=device)  # [R, N, T]
    answers = torch.as_tensor(np.stack([d[1] for d in data]), device=device)  # [R, N]
    n_train = np.array([D.n_train(N, r.train_fraction) for r in runs])
    is_train = torch.arange(N, device=device).unsqueeze(0) < torch.as_tensor(n_train, device=device).unsqueeze(1)
    harmonic = torch.tensor([r.harmonic for r in runs], device=device)
    n_standard = sum(not r.harmonic for r in runs)
    if len(set(n_train.tolist())) > 1:
        raise ValueError(f"one stack, one training-set size: got {sorted(set(n_train.tolist()))}")
    steps = math.ceil(int(n_train[0]) / B)

    if init is None:
        init = M.init_runs(cfg, [stream_seed(root_seed, task.name, s, "init") for s in seeds])
    params = init.to(device=device, dtype=torch.float32).clone()
    # the model's tensors are leaves that share the flat buffer's memory: AdamW updates
    # the buffer in place, autograd gives one gradient per tensor (no slice backward)
    leaves = {k: v.detach().requires_grad_(cfg.family != "mlp") for k, v in M.unflatten(params, cfg.shapes()).items()}
    opt = BatchedAdamW(params, [r.lr for r in runs], [r.weight_decay for r in runs], settings.betas, settings.adam_eps)
    generator = lambda s, stream: torch.Generator(device).manual_seed(stream_seed(root_seed, task.name, s, stream))
    order_gens = [generator(s, "order") for s in seeds]
    dropout_gens = [generator(s, "dropout") for s in seeds]

    track_idx = torch.tensor([i for i, r in enumerate(runs) if r.track], dtype=torch.long, device=device)
    E = settings.epochs
    train_acc = torch.full((R, E), float("nan"), device=device)
    test_acc = torch.full((R, E), float("nan"), device=device)
    train_loss = torch.zeros(R, E, device=device)
    n_train_t = torch.as_tensor(n_train, device=device, dtype=torch.float32)
    test_start = int(n_train[[r.track for r in runs]].min()) if len(track_idx) else 0  # tracked runs' tests start here
    all_tracked = len(track_idx) == R
    tracked = lambda t: t if all_tracked else t[track_idx]  # no per-epoch copy when every run is tracked
    # the tracked runs' distinct examples, once (the MLPs' tests only: their train accuracy is the running one)
    track_examples = None
    if len(track_idx):
        first = test_start if cfg.family == "mlp" else 0
        track_examples = EvalSet.build(*(tracked(t) for t in (inputs, answers, is_train)), start=first)
    track_harmonic = tracked(harmonic)
    records = {"train_acc": train_acc, "test_acc": test_acc, "train_loss": train_loss}
    gens = order_gens + dropout_gens
    first_epoch, seconds_before = 0, 0.0
    # on the CPU: generator states are CPU tensors; copy_ moves the rest
    state = ckpt.load_matching(checkpoint, fingerprint, "task, model, runs or settings")
    if state is not None:
        log.info("%s: resuming after epoch %d", checkpoint, state["epoch"])
        params.copy_(state["params"])
        opt.load_state_dict(state["optimizer"])
        for name, value in state["records"].items():
            records[name].copy_(value)
        for gen, gen_state in zip(gens, state["generators"]):
            gen.set_state(gen_state)
        first_epoch, seconds_before = state["epoch"], state["seconds"]
    start = last_save = time.perf_counter()
    start -= seconds_before  # seconds count the training, not the interruption
    for epoch in range(first_epoch, E):
        idx, weight, dropout = _epoch_plan(n_train, steps, B, order_gens, dropout_gens, cfg, device)
        epoch_tokens, epoch_targets = _gather_examples(inputs, idx), _gather_examples(answers, idx)  # [S, R, B, ...]
        train_correct = torch.zeros(R, device=device)
        for s in range(steps):
            tokens, targets = epoch_tokens[s], epoch_targets[s]
            w = weight[s]
            if cfg.family == "mlp":  # hand-written backward: half the tensor operations
                loss, grad, correct = M.mlp_loss_and_grad(cfg, leaves, tokens, targets, w, n_standard)
                train_correct += (correct * w).sum(1)
            else:
                masks = None if dropout is None else {k: v[s] for k, v in dropout.items()}
                logits = M.forward(cfg, leaves, tokens, harmonic, masks)
                nll = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view(R, B)
                loss = (nll * w).sum(1) / w.sum(1).clamp_min(1)
                loss = loss + cfg.embedding_reg * M.embedding_regulariser(leaves["embedding"])
                grads = torch.autograd.grad(loss.sum(), list(leaves.values()), materialize_grads=True)
                grad = torch.cat([g.reshape(R, -1) for g in grads], 1)
                loss = loss.detach()
            opt.step(grad)
            train_loss[:, epoch] += loss
        if len(track_idx):
            if cfg.family == "mlp":  # train: the running accuracy over the epoch's batches; test: exact
                _, te = accuracy(cfg, tracked(params), track_harmonic, track_examples)
                tr = tracked(train_correct) / tracked(n_train_t)
            else:  # dropout makes running accuracy a different thing: both exact, in eval mode
                tr, te = accuracy(cfg, tracked(params), track_harmonic, track_examples)
            train_acc[track_idx, epoch], test_acc[track_idx, epoch] = tr, te
        if settings.log_every and (epoch + 1) % settings.log_every == 0:
            log.info(
                "%s %s: epoch %d/%d, %.1f s, median train loss %.4f",
                task.name,
                cfg.family,
                epoch + 1,
                E,
                time.perf_counter() - start,
                float((train_loss[:, epoch] / steps).median()),
            )
        if checkpoint is not None and (epoch + 1 == E or time.perf_counter() - last_save >= checkpoint_every):
            ckpt.save_atomic(
                {
                    "fingerprint": fingerprint,
                    "epoch": epoch + 1,
                    "seconds": time.perf_counter() - start,
                    "params": params,
                    "optimizer": opt.state_dict(),
                    "records": records,
                    "generators": [gen.get_state() for gen in gens],
                },
                checkpoint,
            )
            last_save = time.perf_counter()
    train_loss /= steps
    final_train, final_test = accuracy(cfg, params, harmonic, EvalSet.build(inputs, answers, is_train))
    diverged = ~torch.isfinite(params).all(1) | ~torch.isfinite(train_loss).all(1)
    seconds = time.perf_counter() - start
    return TrainResult(
        runs=runs,
        params=params.cpu(),
        train_acc=train_acc.cpu().numpy(),
        test_acc=test_acc.cpu().numpy(),
        train_loss=train_loss.cpu().numpy(),
        final_train_acc=final_train.cpu().numpy(),
        final_test_acc=final_test.cpu().numpy(),
        diverged=diverged.cpu().numpy(),
        n_train=n_train,
        seconds=seconds,
        info={"settings": asdict(settings), "model": asdict(cfg), "device": str(device)},
    )
