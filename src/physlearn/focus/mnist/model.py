"""Many BatchNorm MLPs trained at once (FOCUS spec section 3).

The network of the spec is ``[BatchNorm1d -> Linear -> ReLU] x n_hidden, BatchNorm1d ->
Linear`` (BatchNorm before every Linear, the first and the last too), trained with
cross-entropy. :class:`BatchedMLP` holds ``M`` such networks as tensors with a leading model
axis (weights ``(M, out, in)``), so one forward pass is a handful of batched matrix
products instead of ``M`` module calls. BatchNorm runs in training mode per model (its own
batch statistics and running statistics) and in eval mode (running statistics) for the
test loss.

Layout. The models form a grid ``(G, R, L)``: G optimizer settings x R replicates x L
learning rates, flattened G-major (``m = (g * R + r) * L + l``). Every model of replicate
``r`` starts from the same initial weights and sees the same mini-batches (common random
numbers: the optimizers and learning rates are compared on equal terms). The inputs are
therefore given per replicate, ``x`` of shape ``(R, B, D)``; the first BatchNorm's batch
statistics depend only on the inputs, so they are computed once per replicate and its
affine part is folded into the first Linear (``W * gamma``, ``b + W @ beta``): the first
layer is one ``bmm`` per replicate over all G*L models, and the ``(M, B, D)`` input is never
materialised (3 GB per step for MNIST at batch 4096 and M = 240).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

BN_EPS = 1e-5
BN_MOMENTUM = 0.1


class BatchedMLP:
    """``G * R * L`` independent BatchNorm MLPs with widths ``dims`` (input, hidden..., classes)."""

    def __init__(
        self,
        dims: list[int],
        groups: int,
        replicates: int,
        lrs: int,
        *,
        seed: int = 0,
        device="cpu",
        dtype=torch.float32,
    ) -> None:
        self.dims = list(dims)
        self.G, self.R, self.L = groups, replicates, lrs
        self.M = groups * replicates * lrs
        self.device, self.dtype = torch.device(device), dtype
        self.bn_weight, self.bn_bias, self.weight, self.bias = [], [], [], []
        self.running_mean, self.running_var = [], []
        for i, (fan_in, fan_out) in enumerate(zip(self.dims[:-1], self.dims[1:])):
            w, b = self._torch_default_init(fan_in, fan_out, seed, i)
            self.weight.append(self._per_model(w))
            self.bias.append(self._per_model(b))
            self.bn_weight.append(torch.ones(self.M, fan_in, device=device, dtype=dtype))
            self.bn_bias.append(torch.zeros(self.M, fan_in, device=device, dtype=dtype))
            rows = self.R if i == 0 else self.M  # the first BatchNorm's statistics are per replicate
            self.running_mean.append(torch.zeros(rows, fan_in, device=device, dtype=dtype))
            self.running_var.append(torch.ones(rows, fan_in, device=device, dtype=dtype))
        for p in self.parameters():
            p.requires_grad_(True)

    def _torch_default_init(self, fan_in: int, fan_out: int, seed: int, layer: int) -> tuple[Tensor, Tensor]:
        """torch.nn.Linear's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and
        bias, drawn per replicate: shapes (R, out, in) and (R, out)."""
        bound = 1.0 / math.sqrt(fan_in)
        ws, bs = [], []
        for r in range(self.R):
            gen = torch.Generator().manual_seed(_replicate_seed(seed, r, fan_in, fan_out, layer))
            ws.append((torch.rand(fan_out, fan_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
            bs.append((torch.rand(fan_out, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
        return torch.stack(ws), torch.stack(bs)

    def _per_model(self, per_replicate: Tensor) -> Tensor:
        """(R, ...) -> (M, ...): every optimizer and learning rate of a replicate starts alike."""
        shape = per_replicate.shape[1:]
        grid = per_replicate.to(self.dtype)[None, :, None].expand(self.G, self.R, self.L, *shape)
        return grid.reshape(self.M, *shape).contiguous().to(self.device)

    # ----- parameters --------------------------------------------------------------------

    def parameters(self) -> list[Tensor]:
        return [*self.weight, *self.bias, *self.bn_weight, *self.bn_bias]

    def decayed(self) -> list[Tensor]:
        """The Linear weights: the parameters with weight decay (not biases, not BatchNorm)."""
        return list(self.weight)

    def not_decayed(self) -> list[Tensor]:
        return [*self.bias, *self.bn_weight, *self.bn_bias]

    # ----- forward -----------------------------------------------------------------------

    def _batchnorm(self, h: Tensor, i: int, training: bool, affine: bool = True) -> Tensor:
        """BatchNorm ``i`` of every model at once, over the batch axis 1 of ``h`` (rows, B, F):
        each (row, feature) pair is one channel of torch's fused ``batch_norm`` (batch
        statistics and a running-statistics update in training, running ones in eval)."""
        rows, batch, features = h.shape
        flat = h.transpose(0, 1).reshape(batch, rows * features)
        weight = self.bn_weight[i].reshape(-1) if affine else None
        bias = self.bn_bias[i].reshape(-1) if affine else None
        out = F.batch_norm(
            flat,
            self.running_mean[i].view(-1),
            self.running_var[i].view(-1),
            weight,
            bias,
            training=training,
            momentum=BN_MOMENTUM,
            eps=BN_EPS,
        )
        return out.view(batch, rows, features).transpose(0, 1)

    def logits(self, x: Tensor, training: bool) -> Tensor:
        """Logits ``(M, B, classes)`` for per-replicate inputs ``x`` of shape ``(R, B, D)``."""
        G, R, L = self.G, self.R, self.L
        B = x.shape[1]
        xhat = self._batchnorm(x, 0, training, affine=False)  # (R, B, D), shared by the replicate's models
        w0, gamma0 = self.weight[0], self.bn_weight[0]
        h_out = w0.shape[1]
        w_eff = (w0 * gamma0[:, None, :]).view(G, R, L, h_out, -1)  # BatchNorm's affine folded in
        b_eff = self.bias[0] + torch.bmm(w0, self.bn_bias[0][:, :, None]).squeeze(-1)
        w_eff = w_eff.permute(1, 4, 0, 2, 3).reshape(R, -1, G * L * h_out)  # (R, D, G*L*H)
        h = torch.bmm(xhat, w_eff).view(R, B, G, L, h_out).permute(2, 0, 3, 1, 4).reshape(self.M, B, h_out)
        h = h + b_eff[:, None, :]
        for i in range(1, len(self.weight)):
            h = torch.relu(h)
            h = self._batchnorm(h, i, training)
            h = torch.baddbmm(self.bias[i][:, None, :], h, self.weight[i].transpose(1, 2))
        return h

    def per_model(self, per_replicate: Tensor) -> Tensor:
        """Labels (R, B) -> (M, B)."""
        return (
            per_replicate[None, :, None]
            .expand(self.G, self.R, self.L, *per_replicate.shape[1:])
            .reshape(self.M, *per_replicate.shape[1:])
        )

    def losses(self, x: Tensor, y: Tensor, training: bool = True) -> Tensor:
        """Mean cross-entropy of each model on its replicate's batch: ``(M,)``."""
        logits = self.logits(x, training)
        M, B, C = logits.shape
        ce = F.cross_entropy(logits.reshape(M * B, C), self.per_model(y).reshape(M * B), reduction="none")
        return ce.view(M, B).mean(1)

    @torch.no_grad()
    def evaluate(self, x: Tensor, y: Tensor, chunk: int = 2048) -> tuple[Tensor, Tensor]:
        """Test loss and accuracy of every model on the whole set ``x (N, D)``, ``y (N,)``, in
        eval mode (running statistics), in chunks of ``chunk`` examples: ``(M,)`` each."""
        loss_sum = torch.zeros(self.M, device=self.device, dtype=torch.float64)
        correct = torch.zeros(self.M, device=self.device, dtype=torch.float64)
        for start in range(0, len(x), chunk):
            xb, yb = x[start : start + chunk], y[start : start + chunk]
            logits = self.logits(xb[None].expand(self.R, *xb.shape), training=False)
            M, B, C = logits.shape
            target = yb[None].expand(M, B)
            ce = F.cross_entropy(logits.reshape(M * B, C), target.reshape(-1), reduction="none").view(M, B)
            loss_sum += ce.double().sum(1)
            correct += (logits.argmax(-1) == target).double().sum(1)
        return loss_sum / len(x), correct / len(x)


def _replicate_seed(seed: int, replicate: int, fan_in: int, fan_out: int, layer: int) -> int:
    """A 63-bit seed per (root seed, replicate, layer), independent of everything else."""
    import numpy as np

    return int(
        np.random.SeedSequence([seed, 7, replicate, layer, fan_in, fan_out]).generate_state(2, np.uint64)[0] >> 1
    )
