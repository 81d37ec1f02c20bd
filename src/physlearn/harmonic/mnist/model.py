"""Harmonic Fig. 5 (spec section 4): one layer, pixels -> 10 classes, harmonic vs linear.

- harmonic: centres w_c (one image each), p_c ∝ ||x - w_c||^(-2n), code exponent n on d^2
  = sqrt(pixels) (28 for MNIST, 8 for the 8x8 digits);
- linear: logits W x + b, softmax cross-entropy.

Both start from weights N(0, 1/28) for MNIST, read as a *standard deviation* of
1/sqrt(pixels) = 1/28 (the usual 1/sqrt(fan-in) scale; 28 = sqrt(784)); the linear bias
starts at 0. AdamW (lr 1e-3, weight decay 0.01 on every parameter, torch's betas; the update
of torch.optim.AdamW, from physlearn.optim.functional), batch
64, up to 100 epochs, early stopping with patience 10 on the validation loss (a seeded
``val_fraction`` of the training images held out), and the test accuracy is the best
validation epoch's.

Every (model, replicate) is an independent run with its own initialisation and batch order.
They are stacked along a leading axis and trained together: AdamW is elementwise, so one
step of the stack is one step of each run. Early stopping is exact too: a run's trajectory
does not depend on the others, so a run that stops just has its later epochs ignored (its
best-epoch weights and accuracy are what it reports); the loop ends when every run stopped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from physlearn.harmonic.layer import harmonic_logits
from physlearn.optim import functional

MODELS = ("harmonic", "linear")
ADAM = dict(beta1=0.9, beta2=0.999, eps=1e-8)  # torch's defaults


@dataclass(frozen=True)
class MnistSettings:
    replicates: int = 5
    batch_size: int = 64
    max_epochs: int = 100
    patience: int = 10
    lr: float = 1e-3
    weight_decay: float = 0.01
    val_fraction: float = 0.1
    exponent: float | None = None  # None: sqrt(pixels)
    eps: float = 0.0
    init_std: float | None = None  # None: 1/sqrt(pixels)
    eval_chunk: int = 4096

    @classmethod
    def from_config(cls, section: dict) -> MnistSettings:
        return cls(**{k: section[k] for k in cls.__dataclass_fields__ if k in section})

    def exponent_for(self, pixels: int) -> float:
        return self.exponent if self.exponent is not None else math.sqrt(pixels)

    def init_std_for(self, pixels: int) -> float:
        return self.init_std if self.init_std is not None else 1 / math.sqrt(pixels)


class EarlyStopping:
    """Early stopping for an array of runs: each keeps its lowest validation loss, the epoch of
    it and a score there (the test accuracy), and stops once ``patience`` epochs pass without
    a new lowest loss (or at ``max_epochs``). A NaN loss (a diverged run) never improves."""

    def __init__(self, shape: tuple[int, ...], patience: int, max_epochs: int):
        self.patience = patience
        self.best_loss = np.full(shape, np.inf)
        self.best_epoch = np.zeros(shape, dtype=int)
        self.best_score = np.full(shape, np.nan)
        self.stopped_epoch = np.full(shape, max_epochs)
        self.active = np.ones(shape, dtype=bool)

    def update(self, epoch: int, loss: np.ndarray, score: np.ndarray) -> np.ndarray:
        """Record an epoch's losses and scores; returns which runs improved (their weights now
        are their best)."""
        loss = np.where(np.isfinite(loss), loss, np.inf)
        improved = self.active & (loss < self.best_loss)
        self.best_loss[improved], self.best_epoch[improved] = loss[improved], epoch
        self.best_score[improved] = score[improved]
        out_of_patience = self.active & (epoch - self.best_epoch >= self.patience)
        self.stopped_epoch[out_of_patience] = epoch
        self.active &= ~out_of_patience
        return improved


def split_validation(n_train: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices): a seeded random ``fraction`` held out."""
    order = np.random.default_rng(np.random.SeedSequence([seed, 5])).permutation(n_train)
    n_val = max(1, round(n_train * fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def init_params(replicates: int, pixels: int, classes: int, std: float, seed: int, dtype=torch.float32) -> dict:
    """Stacked parameters: harmonic centres [R, C, D]; linear weight [R, C, D] and bias [R, C]."""
    g = torch.Generator().manual_seed(seed)
    return {
        "centres": std * torch.randn(replicates, classes, pixels, generator=g, dtype=dtype),
        "weight": std * torch.randn(replicates, classes, pixels, generator=g, dtype=dtype),
        "bias": torch.zeros(replicates, classes, dtype=dtype),
    }


def batch_generator(seed: int) -> torch.Generator:
    return torch.Generator(device="cpu").manual_seed(int(np.random.SeedSequence([seed, 6]).generate_state(1)[0]))


def epoch_order(generator: torch.Generator, replicates: int, n: int) -> torch.Tensor:
    """[R, n]: each replicate's own shuffle of the training examples for one epoch (the same
    for both models of a replicate)."""
    return torch.stack([torch.randperm(n, generator=generator) for _ in range(replicates)])


def model_logits(params: dict, x: torch.Tensor, exponent: float, eps: float) -> torch.Tensor:
    """[2, R, B, C] logits of both models for inputs x [R, B, D] (each replicate its own batch)."""
    harmonic = harmonic_logits(x, params["centres"], exponent, eps=eps)
    linear = x @ params["weight"].transpose(-1, -2) + params["bias"].unsqueeze(-2)
    return torch.stack([harmonic, linear])


def nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-log p_target per example: logits [..., C], targets [...] -> [...]."""
    return -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


@torch.no_grad()
def evaluate(params: dict, x: torch.Tensor, y: torch.Tensor, exponent: float, eps: float, chunk: int) -> tuple:
    """Mean loss and accuracy [2, R] of every model on (x, y), the same examples for all."""
    replicates = params["centres"].shape[0]
    loss = torch.zeros(2, replicates, dtype=torch.float64)
    correct = torch.zeros(2, replicates, dtype=torch.float64)
    for start in range(0, len(x), chunk):
        xb, yb = x[start : start + chunk], y[start : start + chunk]
        out = model_logits(params, xb.expand(replicates, -1, -1), exponent, eps)  # [2, R, B, C]
        targets = yb.expand(2, replicates, -1)
        loss += nll(out, targets).double().sum(-1).cpu()
        correct += (out.argmax(-1) == targets).double().sum(-1).cpu()
    return (loss / len(x)).numpy(), (correct / len(x)).numpy()


def train(data: dict, settings: MnistSettings, seed: int, device: torch.device, log=None) -> dict:
    """Train every (model, replicate); returns numpy arrays (model axis first, as MODELS):

    ``best_weights`` [2, R, C, D] (harmonic centres, linear weight rows) at the best
    validation epoch, ``best_epoch``, ``stopped_epoch``, ``test_accuracy`` and ``val_loss``
    at the best epoch [2, R], and per-epoch ``history_*`` [2, R, E] (NaN after a run stops).
    """
    pixel_max = float(data["pixel_max"])
    x_all = torch.as_tensor(data["x_train"], dtype=torch.float32) / pixel_max
    y_all = torch.as_tensor(data["y_train"].astype(np.int64))
    train_idx, val_idx = split_validation(len(x_all), settings.val_fraction, seed)
    x_train, y_train = x_all[train_idx].to(device), y_all[train_idx].to(device)
    x_val, y_val = x_all[val_idx].to(device), y_all[val_idx].to(device)
    x_test = (torch.as_tensor(data["x_test"], dtype=torch.float32) / pixel_max).to(device)
    y_test = torch.as_tensor(data["y_test"].astype(np.int64)).to(device)
    pixels, classes = x_all.shape[1], int(max(y_all.max(), y_test.max())) + 1
    exponent, eps = settings.exponent_for(pixels), settings.eps
    R = settings.replicates

    params = {
        k: v.to(device).requires_grad_(True)
        for k, v in init_params(R, pixels, classes, settings.init_std_for(pixels), seed).items()
    }
    tensors = list(params.values())
    exp_avgs, exp_avg_sqs = [torch.zeros_like(p) for p in tensors], [torch.zeros_like(p) for p in tensors]
    step = 0
    batch_gen = batch_generator(seed)

    stopping = EarlyStopping((2, R), settings.patience, settings.max_epochs)
    best_weights = torch.stack([params["centres"], params["weight"]]).detach().clone()
    history = {
        k: np.full((2, R, settings.max_epochs + 1), np.nan) for k in ("val_loss", "val_accuracy", "test_accuracy")
    }

    def record(epoch: int) -> None:
        active = stopping.active.copy()
        val_loss, val_acc = evaluate(params, x_val, y_val, exponent, eps, settings.eval_chunk)
        _, test_acc = evaluate(params, x_test, y_test, exponent, eps, settings.eval_chunk)
        for name, value in (("val_loss", val_loss), ("val_accuracy", val_acc), ("test_accuracy", test_acc)):
            history[name][:, :, epoch] = np.where(active, value, np.nan)
        improved = stopping.update(epoch, val_loss, test_acc)
        current = torch.stack([params["centres"], params["weight"]]).detach()
        mask = torch.as_tensor(improved, device=current.device)[:, :, None, None]
        best_weights.copy_(torch.where(mask, current, best_weights))

    record(0)
    n = len(x_train)
    for epoch in range(1, settings.max_epochs + 1):
        order = epoch_order(batch_gen, R, n).to(device)  # [R, n]
        for start in range(0, n, settings.batch_size):
            idx = order[:, start : start + settings.batch_size]
            out = model_logits(params, x_train[idx], exponent, eps)  # [2, R, B, C]
            targets = y_train[idx].expand(2, -1, -1)
            # each run's own mean loss; their sum gives each run its own gradient
            loss = nll(out, targets).mean(-1).sum()
            grads = torch.autograd.grad(loss, tensors)
            step += 1
            with torch.no_grad():  # torch.optim.AdamW's update, written once in physlearn.optim
                functional.adam(
                    tensors,
                    list(grads),
                    exp_avgs,
                    exp_avg_sqs,
                    step,
                    lr=settings.lr,
                    weight_decay=settings.weight_decay,
                    **ADAM,
                )
        record(epoch)
        if log and (epoch % 10 == 0 or not stopping.active.any()):
            log.info(
                f"epoch {epoch}: {int(stopping.active.sum())} of {stopping.active.size} runs still training; best "
                "test accuracy "
                + ", ".join(f"{m} {np.nanmean(stopping.best_score[i]):.4f}" for i, m in enumerate(MODELS))
            )
        if not stopping.active.any():
            break
    return {
        "best_weights": best_weights.cpu().numpy(),
        "best_epoch": stopping.best_epoch,
        "stopped_epoch": stopping.stopped_epoch,
        "test_accuracy": stopping.best_score,
        "val_loss": stopping.best_loss,
        **{f"history_{k}": v[:, :, : epoch + 1] for k, v in history.items()},
        "exponent": np.float64(exponent),
        "pixels": np.int64(pixels),
        "train_size": np.int64(len(train_idx)),
        "val_size": np.int64(len(val_idx)),
        "test_size": np.int64(len(x_test)),
    }


# ----- prototype measures (the weight images) -----


def class_means(data: dict) -> np.ndarray:
    """[C, D] mean training image of each class, pixels in [0, 1]."""
    x = data["x_train"] / float(data["pixel_max"])
    y = data["y_train"]
    return np.stack([x[y == c].mean(0) for c in range(int(y.max()) + 1)])


def prototype_correlation(weights: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Pearson correlation over pixels of each weight image with its class's mean image:
    weights [..., C, D], means [C, D] -> [..., C]."""
    w = weights - weights.mean(-1, keepdims=True)
    m = means - means.mean(-1, keepdims=True)
    return (w * m).sum(-1) / np.sqrt((w * w).sum(-1) * (m * m).sum(-1))


def background_pixels(data: dict, threshold: float = 0.01) -> np.ndarray:
    """Pixels that are (nearly) always blank: mean intensity below ``threshold`` of the maximum."""
    return (data["x_train"] / float(data["pixel_max"])).mean(0) < threshold


def background_ratio(weights: np.ndarray, background: np.ndarray) -> np.ndarray:
    """RMS of each weight image over the background pixels / over the others: 0 is a clean
    background; about 1 is as much there as on the digit. weights [..., C, D] -> [..., C]."""
    rms = lambda w: np.sqrt(np.mean(w * w, axis=-1))  # noqa: E731
    return rms(weights[..., background]) / rms(weights[..., ~background])
