"""Workflow step: train a GPT on a token file, resumable, with a CSV log and a summary.

    python -m physlearn.gpt.train --config JSON --out DIR

``--config`` is a JSON object (inline, or the path of a JSON file) with the keys of
:class:`TrainConfig`. Outputs in DIR:

- ``log.csv``: one row per logged step: step, tokens, train_loss, val_loss, lr, grad_norm,
  time (wall seconds of training), diverged (0/1), val_loss_se (the standard error of
  val_loss over the eval batches). Step 0 holds the validation loss at initialisation;
  val_loss and val_loss_se are empty on rows without an evaluation.
- ``summary.json``: final and best losses, whether and where the run diverged, throughput,
  the config and provenance.
- ``model.pt``: the final weights and the model config.
- ``ckpt.pt``: the checkpoint (model, optimizer, grad scaler, random-number states, data
  position, log rows), written atomically every ``checkpoint_interval`` steps and at the
  end. A rerun with the same config resumes from it: a run killed at any moment and rerun
  ends bit-identical to one that was never interrupted (on the same machine and threads).

A run whose loss becomes NaN or explodes stops, is marked diverged at that step, and still
writes every output (exit code 0): diverged runs are results (FOCUS Fig. 3).

In a Snakemake rule, declare ``log.csv``, ``summary.json`` and ``model.pt`` as the outputs,
not the directory: Snakemake deletes the outputs of a failed job, and ``ckpt.pt`` must
survive for the rerun to resume. ``physlearn.gpt.resources`` gives the rule's runtime and
memory.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import logging
import math
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from physlearn import checkpoint, runtime
from physlearn.gpt import batches
from physlearn.gpt.model import GPT, GPTConfig, flops_per_token, model_config
from physlearn.optim import FOCUS, Signum
from physlearn.runtime import peak_flops

LOG_COLUMNS = ("step", "tokens", "train_loss", "val_loss", "lr", "grad_norm", "time", "diverged", "val_loss_se")

# Settings that do not change what a run computes: a checkpoint written under other values
# of these is still this run's checkpoint.
BOOKKEEPING_KEYS = frozenset(
    {"log_interval", "checkpoint_interval", "keep_checkpoint", "threads", "compile", "max_iters"}
)


@dataclass
class TrainConfig:
    data_dir: str  # train.bin, val.bin and the JSON sidecar
    data_meta: str = "meta.json"
    model: dict = field(default_factory=lambda: {"size": "tiny"})  # {"size": name, **GPTConfig overrides}
    # Optimizer: adamw | signum | focus (physlearn.optim; Signum/FOCUS decay toward the EMA).
    optimizer: str = "adamw"
    lr: float = 6e-4  # peak learning rate
    min_lr: float = 6e-5
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 0.1
    decay_embeddings: bool = False  # False: decay Linear weights only (the authors' nanoGPT)
    gamma: float = 0.2  # FOCUS attraction
    eps: float = 1e-8  # AdamW
    # Schedule, in optimizer steps: linear warmup, cosine to min_lr at lr_decay_iters, then flat.
    max_iters: int = 1000
    warmup_iters: int = 100
    lr_decay_iters: int = 1000
    # Each step: grad_accum micro-batches of batch_size windows of block_size tokens.
    batch_size: int = 12
    grad_accum: int = 1
    grad_clip: float = 1.0  # max global grad norm; 0 = no clipping
    # Evaluation on a fixed set of validation windows (eval_seed: the same set for every run).
    eval_interval: int = 100
    eval_batches: int = 20
    eval_batch_size: int | None = None  # None: batch_size
    eval_seed: int = 0
    log_interval: int = 1
    checkpoint_interval: int = 100
    keep_checkpoint: bool = True  # False: delete ckpt.pt once the outputs are written
    # Divergence: the train loss is NaN/inf, or exceeds diverge_loss (None: 1.5 * ln(vocab),
    # half again the loss of uniform guessing), or its running mean rises diverge_rise above
    # its lowest value (None: off).
    diverge_loss: float | None = None
    diverge_rise: float | None = 3.0
    # Runtime
    device: str = "auto"
    precision: str = "auto"  # auto (bf16 on a GPU that has it, else fp32) | fp32 | bf16 | fp16
    compile: bool = False  # torch.compile the model; FOCUS and Signum then take their fused update
    threads: int = 1
    seed: int = 0

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training setting(s) {unknown}; known: {', '.join(sorted(known))}")
        cfg = cls(**values)
        cfg.betas = tuple(cfg.betas)
        cfg.check()
        return cfg

    def check(self) -> None:
        def bad(key, why):
            raise ValueError(f"training setting {key}={getattr(self, key)!r}: {why}")

        if self.optimizer not in OPTIMIZERS:
            bad("optimizer", f"not one of {sorted(OPTIMIZERS)}")
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            bad("precision", "not one of auto, fp32, bf16, fp16")
        for key in (
            "max_iters",
            "batch_size",
            "grad_accum",
            "eval_interval",
            "eval_batches",
            "log_interval",
            "checkpoint_interval",
            "threads",
        ):
            if getattr(self, key) < 1:
                bad(key, "must be >= 1")
        if self.warmup_iters < 0:
            bad("warmup_iters", "must be >= 0")
        if self.lr_decay_iters < self.warmup_iters:
            bad("lr_decay_iters", f"must be >= warmup_iters ({self.warmup_iters})")
        if not 0 <= self.min_lr <= self.lr:
            bad("min_lr", f"must lie in [0, lr={self.lr}]")
        if self.grad_clip < 0:
            bad("grad_clip", "must be >= 0")

    def fingerprint(self) -> dict:
        """What defines the run's numbers (see BOOKKEEPING_KEYS)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in BOOKKEEPING_KEYS}


def lr_at(it: int, cfg: TrainConfig) -> float:
    """Learning rate of update ``it`` (0-based: the update that makes step it + 1).

    nanoGPT's schedule: linear warmup lr*(it+1)/(warmup_iters+1), cosine from lr to min_lr
    between warmup_iters and lr_decay_iters, then min_lr.
    """
    if it < cfg.warmup_iters:
        return cfg.lr * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.lr_decay_iters:
        return cfg.min_lr
    decay_ratio = (it - cfg.warmup_iters) / max(1, cfg.lr_decay_iters - cfg.warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return cfg.min_lr + coeff * (cfg.lr - cfg.min_lr)


def param_groups(model: nn.Module, weight_decay: float, decay_embeddings: bool = False) -> list[dict]:
    """Two groups: matrices (decayed) and vectors (gains, biases: not decayed).

    Decaying a LayerNorm gain or a bias pulls it toward 0, which is not a simpler model;
    matrices are where decay regularises. ``decay_embeddings=False`` also leaves the
    embedding tables undecayed, as the authors' nanoGPT did (the spec's "Linear weights
    only"; the token embedding doubles as the tied output weight).
    """
    embedding_ids = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    decay, no_decay = {}, {}
    for name, p in model.named_parameters():  # each tied parameter once
        if not p.requires_grad:
            continue
        is_matrix = p.dim() >= 2 and (decay_embeddings or id(p) not in embedding_ids)
        (decay if is_matrix else no_decay)[name] = p
    return [
        {"params": list(decay.values()), "names": list(decay), "weight_decay": weight_decay},
        {"params": list(no_decay.values()), "names": list(no_decay), "weight_decay": 0.0},
    ]


def _adamw(groups, cfg, device):
    # CUDA: the fused kernel, one launch for all parameters. CPU: the multi-tensor path
    # (torch would default to a Python loop over parameters there).
    if device.type == "cuda":
        return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, fused=True)
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, foreach=True)


OPTIMIZERS = {
    "adamw": _adamw,
    # compile: true compiles the model and fuses the sign optimizers' update (one kernel per tensor)
    "signum": lambda groups, cfg, device: Signum(groups, lr=cfg.lr, betas=cfg.betas, fused=cfg.compile),
    "focus": lambda groups, cfg, device: FOCUS(groups, lr=cfg.lr, betas=cfg.betas, gamma=cfg.gamma, fused=cfg.compile),
}


def make_optimizer(model: nn.Module, cfg: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    groups = param_groups(model, cfg.weight_decay, cfg.decay_embeddings)
    return OPTIMIZERS[cfg.optimizer](groups, cfg, device)


def resolve_precision(precision: str, device: torch.device) -> str:
    if precision != "auto":
        return precision
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def autocast_context(precision: str, device: torch.device):
    if precision == "fp32":
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


class DivergenceMonitor:
    """Decides, step by step, whether a run has diverged (see TrainConfig.diverge_*)."""

    SMOOTHING = 0.9  # running mean over about 10 steps: one noisy batch is not a blow-up

    def __init__(self, max_loss: float, max_rise: float | None):
        self.max_loss = max_loss
        self.max_rise = max_rise
        self.running = None
        self.lowest = math.inf

    def update(self, loss: float) -> str | None:
        """The reason the run diverged at this step, or None."""
        if not math.isfinite(loss):
            return f"train loss is {loss}"
        if loss > self.max_loss:
            return f"train loss {loss:.4g} exceeds {self.max_loss:.4g}"
        self.running = loss if self.running is None else self.SMOOTHING * self.running + (1 - self.SMOOTHING) * loss
        self.lowest = min(self.lowest, self.running)
        if self.max_rise is not None and self.running > self.lowest + self.max_rise:
            return f"running train loss {self.running:.4g} rose more than {self.max_rise} above its lowest, {self.lowest:.4g}"
        return None

    def state_dict(self) -> dict:
        return {"running": self.running, "lowest": self.lowest}

    def load_state_dict(self, state: dict) -> None:
        self.running, self.lowest = state["running"], state["lowest"]


class Trainer:
    """One training run: the model, its optimizer and data, the loop, checkpoints and logs."""

    def __init__(self, cfg: TrainConfig, out_dir: str | Path, log=None):
        self.cfg = cfg
        self.out_dir = Path(out_dir)
        self.log = log or logging.getLogger("physlearn")
        torch.set_num_threads(cfg.threads)  # results depend on it (reduction order): part of the run
        self.device = runtime.pick_device(cfg.device)
        self.precision = resolve_precision(cfg.precision, self.device)
        if self.device.type == "cuda":
            # TF32 matmuls where fp32 remains (nanoGPT does the same).
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True

        data_dir = Path(cfg.data_dir)
        self.meta = batches.load_meta(data_dir, cfg.data_meta)
        torch.manual_seed(cfg.seed)  # the model's initial weights
        self.model_config: GPTConfig = model_config(cfg.model, self.meta["vocab_size"])
        self.model = GPT(self.model_config).to(self.device)
        self.n_params = self.model.num_params()
        self.flops_per_token = flops_per_token(self.model_config, self.n_params)
        self.step_model = torch.compile(self.model) if cfg.compile else self.model
        self.optimizer = make_optimizer(self.model, cfg, self.device)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")
        self.autocast = autocast_context(self.precision, self.device)

        block_size = self.model_config.block_size
        self.val_path = data_dir / "val.bin"
        self.train_windows = batches.RandomWindows(
            data_dir / "train.bin", block_size, _derived_seed(cfg.seed, "train data")
        )
        self.eval_offsets = batches.fixed_offsets(
            self.val_path, block_size, cfg.eval_batches, cfg.eval_batch_size or cfg.batch_size, cfg.eval_seed
        )
        self.tokens_per_step = cfg.batch_size * cfg.grad_accum * block_size
        max_loss = cfg.diverge_loss if cfg.diverge_loss is not None else 1.5 * math.log(self.meta["vocab_size"])
        self.monitor = DivergenceMonitor(max_loss, cfg.diverge_rise)

        # Progress, all of it in the checkpoint.
        self.step = 0
        self.rows: list[dict] = []
        self.diverged_at: int | None = None
        self.diverged_reason: str | None = None
        self.train_seconds = 0.0  # time in training steps (throughput)
        self.wall_seconds = 0.0  # all time, evaluations and checkpoints included
        self.resumed_from: list[int] = []
        self.last_eval_se = math.nan  # of the latest evaluation (see evaluate)
        self.last_eval_batches: tuple[int, list[float]] | None = None  # (step, loss per eval batch)

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "ckpt.pt"

    # ----- one step -----

    def train_step(self, it: int) -> tuple[float, float]:
        """Update ``it`` (0-based): returns the mean train loss over its micro-batches and the
        gradient norm before clipping."""
        cfg = self.cfg
        lr = lr_at(it, cfg)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        loss_sum = torch.zeros((), device=self.device)
        for _ in range(cfg.grad_accum):
            x, y = self.train_windows.next_batch(cfg.batch_size, self.device)
            with self.autocast:
                _, loss = self.step_model(x, y)
                loss = loss / cfg.grad_accum  # the mean over micro-batches, as one big batch
            self.scaler.scale(loss).backward()
            loss_sum += loss.detach()
        self.scaler.unscale_(self.optimizer)  # clip true gradients, not scaled ones
        # max_norm inf: no clipping, but the norm is still computed for the log.
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip or math.inf)
        self.scaler.step(self.optimizer)  # skipped (fp16) when a gradient is inf/NaN
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        return loss_sum.item(), grad_norm.item()

    @torch.no_grad()
    def evaluate(self) -> float:
        """Mean loss over the fixed validation windows. Its standard error over the eval
        batches (sample std, ddof 1, over sqrt(batches); NaN with one batch) is kept in
        ``last_eval_se``: a run of one seed has no other interval, and this one says how much
        of a gap between two runs the choice of validation windows alone could make. The loss
        of each batch is kept too (``last_eval_batches``), for the summary: every run sees the
        same windows, so two runs' final losses can be compared batch by batch (paired)."""
        self.model.eval()
        total = torch.zeros((), device=self.device)
        losses = []
        for offsets in self.eval_offsets:
            x, y = batches.read_windows(self.val_path, offsets, self.model_config.block_size, self.device)
            with self.autocast:
                _, loss = self.step_model(x, y)
            total += loss.float()
            losses.append(loss.float())
        self.model.train()
        n = len(losses)
        self.last_eval_se = (torch.stack(losses).std() / math.sqrt(n)).item() if n > 1 else math.nan
        self.last_eval_batches = (self.step, torch.stack(losses).tolist())
        return (total / n).item()

    # ----- checkpoints -----

    def state_dict(self) -> dict:
        return {
            "config": self.cfg.fingerprint(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng": checkpoint.rng_states(),
            "train_windows": self.train_windows.state_dict(),
            "monitor": self.monitor.state_dict(),
            "step": self.step,
            "rows": self.rows,
            "diverged_at": self.diverged_at,
            "diverged_reason": self.diverged_reason,
            "train_seconds": self.train_seconds,
            "wall_seconds": self.wall_seconds,
            "resumed_from": self.resumed_from,
        }

    def save_checkpoint(self) -> None:
        checkpoint.save_atomic(self.state_dict(), self.checkpoint_path)

    def try_resume(self) -> bool:
        """Load ``ckpt.pt`` if it belongs to this run's config; True if it did."""
        if not self.checkpoint_path.exists():
            return False
        # On the CPU: the sampler's generator state must stay a CPU tensor; load_state_dict
        # moves the model and optimizer tensors to their parameters' device.
        state = checkpoint.load(self.checkpoint_path, "cpu")
        if state["config"] != self.cfg.fingerprint():
            changed = sorted(
                k
                for k in set(state["config"]) | set(self.cfg.fingerprint())
                if state["config"].get(k) != self.cfg.fingerprint().get(k)
            )
            self.log.warning(
                f"{self.checkpoint_path} was written under other settings ({', '.join(changed)}): starting afresh"
            )
            return False
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        self.train_windows.load_state_dict(state["train_windows"])
        self.monitor.load_state_dict(state["monitor"])
        for key in ("step", "rows", "diverged_at", "diverged_reason", "train_seconds", "wall_seconds", "resumed_from"):
            setattr(self, key, state[key])
        checkpoint.restore_rng_states(state["rng"])  # last: nothing above may draw from them
        self.resumed_from.append(self.step)
        self.log.info(f"resumed from {self.checkpoint_path} at step {self.step}")
        return True

    # ----- the loop -----

    def _row(self, step, train_loss, val_loss, lr, grad_norm, seconds, diverged) -> dict:
        return {
            "step": step,
            "tokens": step * self.tokens_per_step,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "lr": lr,
            "grad_norm": grad_norm,
            "time": round(seconds, 3),
            "diverged": int(diverged),
            "val_loss_se": self.last_eval_se if val_loss is not None else None,
        }

    def run(self) -> dict:
        """Train to max_iters (or divergence), resuming if a checkpoint exists; write the
        outputs and return the summary."""
        cfg = self.cfg
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.out_dir.glob(f".{self.checkpoint_path.name}.tmp-*"):  # left by a killed write
            stale.unlink()
        self.try_resume()
        self.log.info(
            f"GPT {self.n_params / 1e6:.2f}M parameters ({self.model_config.n_layer} layers, "
            f"width {self.model_config.n_embd}, context {self.model_config.block_size}, "
            f"vocab {self.model_config.vocab_size}); {cfg.optimizer} lr {cfg.lr}; {self.tokens_per_step} "
            f"tokens/step; {self.device}, {self.precision}{', compiled' if cfg.compile else ''}"
        )
        segment_start = time.perf_counter()
        wall_before = self.wall_seconds

        def elapsed():
            return wall_before + time.perf_counter() - segment_start

        if self.step == 0 and not self.rows:
            self.rows.append(self._row(0, None, self.evaluate(), None, None, elapsed(), False))
        finished = self.diverged_at is not None or self.step >= cfg.max_iters
        bar = _progress_bar(self.step, cfg.max_iters) if not finished else None
        while self.diverged_at is None and self.step < cfg.max_iters:
            it = self.step
            started = time.perf_counter()
            train_loss, grad_norm = self.train_step(it)
            self.train_seconds += time.perf_counter() - started
            self.step += 1
            reason = self.monitor.update(train_loss)
            val_loss = None
            if reason or self.step % cfg.eval_interval == 0 or self.step == cfg.max_iters:
                val_loss = self.evaluate()
                if reason is None and not math.isfinite(val_loss):
                    reason = f"validation loss is {val_loss}"
            if reason:
                self.diverged_at, self.diverged_reason = self.step, reason
                self.log.warning(f"step {self.step}: diverged: {reason}; stopping")
            if reason or val_loss is not None or self.step % cfg.log_interval == 0:
                self.rows.append(
                    self._row(self.step, train_loss, val_loss, lr_at(it, cfg), grad_norm, elapsed(), reason is not None)
                )
                self._report_progress(bar, self.rows[-1])
            if self.step % cfg.checkpoint_interval == 0 and self.step < cfg.max_iters and not reason:
                self.wall_seconds = elapsed()
                self.save_checkpoint()
                self._write_log()  # so a running job's progress can be followed
        if bar is not None:
            bar.close()
        self.wall_seconds = elapsed()
        self.save_checkpoint()
        summary = self._write_outputs()
        if not cfg.keep_checkpoint:
            self.checkpoint_path.unlink()
        return summary

    def _report_progress(self, bar, row: dict) -> None:
        if bar is not None:
            last_val = next((r["val_loss"] for r in reversed(self.rows) if r["val_loss"] is not None), None)
            bar.n = row["step"]
            bar.set_postfix(loss=_fmt(row["train_loss"]), val=_fmt(last_val), lr=f"{row['lr']:.2e}", refresh=True)
            return
        tokens_per_s = self.step * self.tokens_per_step / self.train_seconds if self.train_seconds else 0.0
        self.log.info(
            f"step {row['step']}/{self.cfg.max_iters}: train loss {_fmt(row['train_loss'])}, "
            f"val loss {_fmt(row['val_loss'])}, lr {row['lr']:.3g}, grad norm {_fmt(row['grad_norm'])}, "
            f"{tokens_per_s:,.0f} tokens/s"
        )

    # ----- outputs -----

    def _write_log(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LOG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        _write_text_atomic(self.out_dir / "log.csv", buffer.getvalue())

    def _write_outputs(self) -> dict:
        self._write_log()
        val_rows = [r for r in self.rows if r["val_loss"] is not None and math.isfinite(r["val_loss"])]
        best = min(val_rows, key=lambda r: r["val_loss"]) if val_rows else None
        last = self.rows[-1]
        tokens = self.step * self.tokens_per_step
        summary = {
            "status": "diverged" if self.diverged_at is not None else "completed",
            "diverged": self.diverged_at is not None,
            "diverged_step": self.diverged_at,
            "diverged_reason": self.diverged_reason,
            "steps": self.step,
            "tokens": tokens,
            "final_train_loss": last["train_loss"],
            "final_val_loss": last["val_loss"],
            "final_val_loss_se": last.get("val_loss_se"),
            # the final evaluation's loss per eval batch (None where this process did not make it,
            # e.g. a finished run rewritten from its checkpoint)
            "final_val_batch_losses": self.last_eval_batches[1]
            if self.last_eval_batches is not None
            and last["val_loss"] is not None
            and self.last_eval_batches[0] == last["step"]
            else None,
            "best_val_loss": best["val_loss"] if best else None,
            "best_val_step": best["step"] if best else None,
            "n_params": self.n_params,
            "flops_per_token": self.flops_per_token,
            "train_seconds": self.train_seconds,
            "wall_seconds": self.wall_seconds,
            "tokens_per_second": tokens / self.train_seconds if self.train_seconds else None,
            # Achieved model FLOP/s: the figure that runtime estimates divide by (gpt.resources).
            "model_flops_per_second": self.flops_per_token * tokens / self.train_seconds
            if self.train_seconds
            else None,
            "mfu": self._mfu(tokens),
            "resumed_from": self.resumed_from,
            "device": str(self.device),
            "precision": self.precision,
            "model": dataclasses.asdict(self.model_config),
            "config": dataclasses.asdict(self.cfg),
            "data": {"dir": self.cfg.data_dir, **{k: v for k, v in self.meta.items() if k != "provenance"}},
            "provenance": runtime.provenance(),
        }
        text = json.dumps(_finite_or_none(summary), indent=2, default=_json_default, allow_nan=False)
        _write_text_atomic(self.out_dir / "summary.json", text + "\n")
        checkpoint.save_atomic(
            {
                "model_config": dataclasses.asdict(self.model_config),
                "model": self.model.state_dict(),
                "step": self.step,
            },
            self.out_dir / "model.pt",
        )
        self.log.info(
            f"{summary['status']} at step {self.step}: final val loss {_fmt(summary['final_val_loss'])}, "
            f"best {_fmt(summary['best_val_loss'])}; outputs in {self.out_dir}"
        )
        return summary

    def _mfu(self, tokens: int) -> float | None:
        """Model FLOPs utilisation on a GPU with a known peak; None elsewhere."""
        if self.device.type != "cuda" or not self.train_seconds:
            return None
        peak = peak_flops(torch.cuda.get_device_name(self.device), self.precision)
        return self.flops_per_token * tokens / self.train_seconds / peak if peak else None


def _derived_seed(seed: int, purpose: str) -> int:
    """An independent seed per purpose, so that streams of runs with nearby seeds never coincide."""
    return int(np.random.SeedSequence([seed, *purpose.encode()]).generate_state(1)[0])


def _finite_or_none(value):
    """NaN and infinities as null, so that the summary is strict JSON (diverged_reason says
    what the loss was)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def _json_default(value):
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _progress_bar(start: int, total: int):
    """A tqdm bar on a terminal; None elsewhere (plain log lines then)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=start, unit="step", dynamic_ncols=True)


def read_config(text_or_path: str) -> dict:
    """A JSON object given inline or as the path of a file."""
    text = text_or_path.strip()
    if not text.startswith("{"):
        text = Path(text_or_path).read_text()
    return json.loads(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="JSON object (inline or a file path) with TrainConfig's keys")
    ap.add_argument(
        "--out", required=True, type=Path, help="output directory (log.csv, summary.json, model.pt, ckpt.pt)"
    )
    args = ap.parse_args(argv)
    cfg = TrainConfig.from_dict(read_config(args.config))
    log = runtime.setup(cfg.threads)
    Trainer(cfg, args.out, log).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
