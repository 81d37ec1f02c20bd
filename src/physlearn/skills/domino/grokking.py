"""Grokking on modular addition, SignGD against Adam (skills spec section 4, Fig. 13).

(a, b) -> (a + b) mod p. Each number has a learnable embedding (one table, d = 128); the
concatenated pair [E_a, E_b] (2d = 256) feeds an MLP [256, 100, 100, p] with SiLU, trained
full batch on cross-entropy with AdamW (lr 0.01, weight decay 0.03). SignGD is AdamW with
betas (0, 0): its step is lr * g / (|g| + eps).

Many networks (seeds) train at once, stacked. The first layer acts on the concatenation,
so W1 [E_a, E_b] = E_a W1a + E_b W1b: each network projects its p embeddings once per step
and gathers rows (the same function and gradients as the concatenation, p / (batch size)
of its cost).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from physlearn.skills.parity.model import BatchedMLP, derive_seed, generator


def modular_addition_split(p: int, train_fraction: float, seed: int):
    """All p^2 pairs, shuffled; the first round(train_fraction p^2) are the training set.
    Returns (train_pairs (n, 2), train_labels, test_pairs, test_labels), int64."""
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    pairs = torch.stack([a.flatten(), b.flatten()], 1)
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    order = torch.randperm(p * p, generator=generator(seed))
    n_train = int(round(train_fraction * p * p))
    train, test = order[:n_train], order[n_train:]
    return pairs[train], labels[train], pairs[test], labels[test]


@dataclass
class BatchedGrokNet:
    """M networks: embeddings (M, p, d) and an MLP [2d, *hidden, p] with SiLU."""

    embeddings: torch.Tensor
    mlp: BatchedMLP

    @classmethod
    def init(cls, p: int, d: int, hidden, seeds, *, dtype=torch.float64) -> BatchedGrokNet:
        """Embeddings N(0, 1) (nn.Embedding's default), then nn.Linear's default MLP init, each
        network from its own seed."""
        emb = torch.stack(
            [torch.randn(p, d, generator=generator(derive_seed(s, "embedding")), dtype=torch.float64) for s in seeds]
        )
        mlp = BatchedMLP.init(
            [2 * d, *hidden, p], [derive_seed(s, "mlp") for s in seeds], dtype=dtype, activation="silu"
        )
        return cls(emb.to(dtype).requires_grad_(), mlp)

    def parameters(self) -> list[torch.Tensor]:
        return [self.embeddings, *self.mlp.parameters()]

    def to(self, device) -> BatchedGrokNet:
        return BatchedGrokNet(self.embeddings.detach().to(device).requires_grad_(), self.mlp.to(device))

    def __call__(self, pairs: torch.Tensor) -> torch.Tensor:
        """Logits (M, n, p) for pairs (n, 2)."""
        d = self.embeddings.shape[-1]
        w1 = self.mlp.weights[0]
        left = torch.bmm(self.embeddings, w1[:, :d])  # (M, p, h1): E W1a, one row per number
        right = torch.bmm(self.embeddings, w1[:, d:])
        h = left[:, pairs[:, 0]] + right[:, pairs[:, 1]] + self.mlp.biases[0].unsqueeze(1)
        return self.mlp.hidden(F.silu(h), start=1)


def make_optimizer(params, name: str, cfg: dict) -> torch.optim.Optimizer:
    """AdamW with the section's lr and weight decay; ``signgd`` sets betas (0, 0)."""
    betas = {"signgd": (0.0, 0.0), "adam": (cfg["adam_betas"][0], cfg["adam_betas"][1])}[name]
    return torch.optim.AdamW(params, lr=cfg["lr"], betas=betas, eps=cfg["eps"], weight_decay=cfg["weight_decay"])


def per_model_ce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per network, logits (M, n, p)."""
    m, n, p = logits.shape
    return F.cross_entropy(logits.reshape(m * n, p), labels.repeat(m), reduction="none").view(m, n).mean(1)


def train(
    optimizer: str, cfg: dict, root_seed: int, *, dtype=torch.float64, device="cpu", log=None
) -> dict[str, np.ndarray]:
    """Train cfg["seeds"] networks with one optimizer, full batch. Returns per step (metrics of
    the network after t updates) and seed: train/test accuracy and loss, (steps_run, seeds).
    With cfg["stop_at_threshold"], stops once every seed's test accuracy reached the threshold
    (later steps do not change when a threshold was first reached)."""
    split = modular_addition_split(cfg["p"], cfg["train_fraction"], derive_seed(root_seed, "grokking-split"))
    train_x, train_y, test_x, test_y = (a.to(device) for a in split)
    # both optimizers start from the same networks
    seeds = [derive_seed(root_seed, "grokking-init", s) for s in range(cfg["seeds"])]
    net = BatchedGrokNet.init(cfg["p"], cfg["embedding"], cfg["hidden"], seeds, dtype=dtype).to(device)
    opt = make_optimizer(net.parameters(), optimizer, cfg)
    names = ("train_accuracy", "train_loss", "test_accuracy", "test_loss")  # the order of ``metrics`` below
    history = {k: np.full((cfg["steps"], cfg["seeds"]), np.nan) for k in names}
    reached = np.zeros(cfg["seeds"], dtype=bool)
    for t in range(cfg["steps"]):
        logits = net(train_x)
        loss = per_model_ce(logits, train_y)
        with torch.no_grad():
            test_logits = net(test_x)
            metrics = (
                torch.stack(
                    [
                        (logits.argmax(-1) == train_y).double().mean(1),
                        loss.double(),
                        (test_logits.argmax(-1) == test_y).double().mean(1),
                        per_model_ce(test_logits, test_y).double(),
                    ]
                )
                .cpu()
                .numpy()
            )
            for name, values in zip(names, metrics):
                history[name][t] = values
            reached |= history["test_accuracy"][t] >= cfg["threshold"]
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        if log and t % 500 == 0:
            log.info(
                f"{optimizer} step {t}: train acc {history['train_accuracy'][t].min():.3f}, "
                f"test acc {history['test_accuracy'][t].min():.3f} (lowest over seeds)"
            )
        if cfg["stop_at_threshold"] and reached.all():
            return {k: v[: t + 1] for k, v in history.items()}
    return history
