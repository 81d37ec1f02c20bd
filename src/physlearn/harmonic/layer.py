"""The harmonic output layer (harmonic spec section 1), computed in log space.

For an input x and class centres w_i the paper writes p_i = d_i^-n / sum_j d_j^-n with
d_i = ||w_i - x||. The authors' code raises the *squared* distance to its exponent, and so
does this module: ``exponent`` is the code's n, applied to d^2,

    p_i ∝ (d_i^2 / scale + eps)^-exponent   (= d_i^(-2 exponent) when eps = 0, scale = 1)

so the config values are the authors' numbers (toy 1, MNIST 28, GPT-2 n_embd with
scale = n_embd). The paper's exponent on d is 2 * exponent.

d^-n overflows or underflows for any sizeable n; the authors rescale by the row minimum and
apply nan_to_num. Here the logits are -exponent * log(d^2 / scale + eps), and the softmax of
those is the same distribution with finite values and gradients at any exponent.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# Below this many (class, feature) products per input the distances are computed from the
# differences (exact to the last bit, which matters when centres converge onto points,
# harmonic Fig. 1); above it from ||x||^2 + ||w||^2 - 2 x.w, one matmul (GPT-2's vocabulary).
_DIRECT_LIMIT = 1 << 16


def squared_distances(x: torch.Tensor, centres: torch.Tensor, method: str = "auto") -> torch.Tensor:
    """||x - w_i||^2 for every class i: x [..., B, D], centres [..., C, D] -> [..., B, C].

    Leading dimensions broadcast (e.g. a stack of seeds: x [S, B, D], centres [S, C, D]).
    ``method`` is "direct" (differences), "matmul" (the expansion, clamped at 0) or "auto".
    """
    if method == "auto":
        method = "direct" if centres.shape[-2] * centres.shape[-1] <= _DIRECT_LIMIT else "matmul"
    if method == "direct":
        return (x.unsqueeze(-2) - centres.unsqueeze(-3)).square().sum(-1)
    if method == "matmul":
        cross = x @ centres.transpose(-1, -2)
        d2 = x.square().sum(-1, keepdim=True) + centres.square().sum(-1).unsqueeze(-2) - 2 * cross
        return d2.clamp_min(0)
    raise ValueError(f"method must be auto, direct or matmul, got {method!r}")


def harmonic_logits(
    x: torch.Tensor,
    centres: torch.Tensor,
    exponent: float,
    *,
    eps: float = 0.0,
    scale: float = 1.0,
    method: str = "auto",
) -> torch.Tensor:
    """Logits whose softmax is the harmonic distribution p_i ∝ (d_i^2/scale + eps)^-exponent.

    With eps = 0 an input exactly on a centre takes (numerically) all the probability: d^2 is
    floored at the smallest normal float so the logit stays finite and the softmax defined.
    """
    d2 = squared_distances(x, centres, method) / scale + eps
    return -exponent * torch.log(d2.clamp_min(torch.finfo(d2.dtype).tiny))


def harmonic_log_probs(x, centres, exponent, **kwargs) -> torch.Tensor:
    return F.log_softmax(harmonic_logits(x, centres, exponent, **kwargs), dim=-1)


def harmonic_loss(x, centres, targets, exponent, **kwargs) -> torch.Tensor:
    """The harmonic loss -log p_y, averaged over the batch."""
    logits = harmonic_logits(x, centres, exponent, **kwargs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


class HarmonicLayer(nn.Module):
    """A distance-based output layer: its weight rows are the class centres.

    ``centres`` may be a Parameter of another module (weight tying: the toy MLPs use the
    token embedding as the centres), passed in at construction.
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        exponent: float,
        *,
        eps: float = 0.0,
        scale: float = 1.0,
        centres: nn.Parameter | None = None,
        init_std: float | None = None,
    ):
        super().__init__()
        self.exponent, self.eps, self.scale = float(exponent), float(eps), float(scale)
        if centres is None:
            centres = nn.Parameter(torch.empty(num_classes, in_features))
            nn.init.normal_(centres, std=init_std if init_std is not None else 1 / math.sqrt(in_features))
        elif tuple(centres.shape) != (num_classes, in_features):
            raise ValueError(f"centres have shape {tuple(centres.shape)}, expected {(num_classes, in_features)}")
        self.weight = centres

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (log-probabilities up to a constant per row)."""
        return harmonic_logits(x, self.weight, self.exponent, eps=self.eps, scale=self.scale)

    def extra_repr(self) -> str:
        c, d = self.weight.shape
        return (
            f"in_features={d}, num_classes={c}, exponent={self.exponent} (on d^2), eps={self.eps}, scale={self.scale}"
        )
