"""The MNIST batch-size scan of FOCUS Fig. 2c/2d (spec section 3), vectorised.

For each batch size, every (optimizer setting, replicate, learning rate) network is trained
for ``steps`` steps at once (:class:`physlearn.focus.mnist.model.BatchedMLP`) and its full
test-set loss is recorded. Optimizer settings: AdamW (betas 0.9/0.999, eps 1e-8) and FOCUS
with betas (0.9, 0.99) and each gamma of the config; FOCUS with gamma = 0 is Signum. Weight
decay applies to the Linear weights only. The update rules are
:func:`physlearn.optim.functional.adam` (torch's AdamW update, decay wd*theta) and
:func:`physlearn.optim.functional.focus` (decay toward the parameter EMA, the paper's
neural-network rule), called with one learning rate per network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from physlearn.focus.mnist.model import BatchedMLP
from physlearn.optim import functional as OF

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def grid_axis(spec) -> np.ndarray:
    """A config axis: a number, or {start, stop, num, scale: linear|log} (endpoints included)."""
    if isinstance(spec, int | float):
        return np.array([float(spec)])
    space = np.geomspace if spec.get("scale", "linear") == "log" else np.linspace
    return space(spec["start"], spec["stop"], spec["num"])


def optimizer_id(gamma: float | None) -> str:
    """``adamw``, or ``focus-<gamma>`` (``focus-0`` is Signum)."""
    return "adamw" if gamma is None else f"focus-{gamma:g}"


def optimizer_label(name: str) -> str:
    if name == "adamw":
        return "AdamW"
    gamma = float(name.split("-", 1)[1])
    return "Signum (FOCUS $\\gamma$=0)" if gamma == 0 else f"FOCUS $\\gamma$={gamma:g}"


@dataclass(frozen=True, eq=False)
class MnistScan:
    steps: int
    replicates: int
    batch_sizes: tuple[int, ...]
    lr: np.ndarray
    hidden: tuple[int, ...]
    weight_decay: float
    adamw: dict
    focus: dict
    seed: int
    dtype: str
    eval_chunk: int

    @classmethod
    def from_config(cls, section: dict, seed: int) -> MnistScan:
        return cls(
            steps=section["steps"],
            replicates=section["replicates"],
            batch_sizes=tuple(section["batch_sizes"]),
            lr=grid_axis(section["lr"]),
            hidden=tuple(section["hidden"]),
            weight_decay=section["weight_decay"],
            adamw=dict(section["adamw"]),
            focus=dict(section["focus"]),
            seed=seed,
            dtype=section["dtype"],
            eval_chunk=section["eval_chunk"],
        )

    @property
    def optimizers(self) -> list[str]:
        return [optimizer_id(None)] + [optimizer_id(g) for g in self.focus["gammas"]]

    @property
    def gammas(self) -> list[float | None]:
        return [None, *self.focus["gammas"]]


def check_scan_config(section: dict) -> None:
    """Raise ValueError naming the key: what the schema cannot say about ``focus_mnist``."""
    if 0 not in section["focus"]["gammas"]:
        raise ValueError(
            "config key focus_mnist.focus.gammas: must include 0 (Signum), which Fig. 2d compares with AdamW"
        )
    if len(set(section["focus"]["gammas"])) != len(section["focus"]["gammas"]):
        raise ValueError("config key focus_mnist.focus.gammas: values repeat")
    if len(set(section["batch_sizes"])) != len(section["batch_sizes"]):
        raise ValueError("config key focus_mnist.batch_sizes: values repeat")
    lr = section["lr"]
    if isinstance(lr, dict) and lr.get("scale") == "log" and (lr["start"] <= 0 or lr["stop"] <= 0):
        raise ValueError("config key focus_mnist.lr: a log axis needs start and stop > 0")


def batch_indices(n_train: int, batch: int, steps: int, seed: int, replicate: int) -> np.ndarray:
    """``(steps, batch)`` training indices for one replicate: consecutive slices of a stream of
    random permutations of the training set (each epoch visits every example once; a batch
    may straddle two epochs). Seeded per (seed, replicate, batch size)."""
    if batch > n_train:
        raise ValueError(
            f"config key focus_mnist.batch_sizes: batch size {batch} exceeds the {n_train} training "
            "examples of the dataset"
        )
    rng = np.random.default_rng([seed, 11, replicate, batch])
    need = steps * batch
    stream = np.concatenate([rng.permutation(n_train) for _ in range(-(-need // n_train))])
    return stream[:need].reshape(steps, batch)


class Optimizers:
    """The optimizer state of every network, applied group by group (one group per setting)."""

    def __init__(self, model: BatchedMLP, scan: MnistScan, lr: np.ndarray) -> None:
        self.model, self.scan = model, scan
        # one learning rate per network of a group: (R*L,), replicate-major
        lrs = torch.as_tensor(np.tile(lr, model.R), dtype=model.dtype, device=model.device)
        self.lr_matrix, self.lr_vector = lrs[:, None, None], lrs[:, None]
        self.params = {"decayed": model.decayed(), "plain": model.not_decayed()}
        self.state = {k: [torch.zeros_like(p) for p in ps] for k, ps in self.params.items()}
        self.state2 = {k: [torch.zeros_like(p) for p in ps] for k, ps in self.params.items()}
        self.step_count = 0

    def _group(self, tensors: list[torch.Tensor], g: int) -> list[torch.Tensor]:
        G = self.model.G
        return [t.view(G, -1, *t.shape[1:])[g] for t in tensors]

    @torch.no_grad()
    def step(self, grads: dict[str, list[torch.Tensor]]) -> None:
        self.step_count += 1
        t = self.step_count
        for g, gamma in enumerate(self.scan.gammas):
            for kind, lr in (("decayed", self.lr_matrix), ("plain", self.lr_vector)):
                params = self._group(self.params[kind], g)
                grad = self._group(grads[kind], g)
                s1, s2 = self._group(self.state[kind], g), self._group(self.state2[kind], g)
                wd = self.scan.weight_decay if kind == "decayed" else 0.0
                if gamma is None:
                    a = self.scan.adamw
                    OF.adam(
                        params,
                        grad,
                        s1,
                        s2,
                        t,
                        lr=lr,
                        beta1=a["beta1"],
                        beta2=a["beta2"],
                        eps=a["eps"],
                        weight_decay=wd,
                    )
                else:
                    f = self.scan.focus
                    OF.focus(
                        params,
                        grad,
                        s1,
                        s2,
                        t,
                        lr=lr,
                        beta1=f["beta1"],
                        beta2=f["beta2"],
                        gamma=gamma,
                        weight_decay=wd,
                        decay_to_ema=True,
                    )


# Networks trained together in one program: the learning rates are split into chunks whose
# widest activation tensor (networks x batch x width, float32) stays within a few MB. One
# program over all 240 paper networks streams 126 MB tensors through memory at batch 1024 and
# runs at half the rate of 12 networks at a time (docs/benchmarks.md, "MNIST batch scan").
CHUNK_ACTIVATION_BYTES = 2 * 2**20


def lr_chunks(n_lrs: int, networks_per_lr: int, batch: int, width: int, itemsize: int = 4) -> list[slice]:
    """Slices of the learning-rate axis trained as one program each: as many learning rates as
    keep ``networks x batch x width`` under :data:`CHUNK_ACTIVATION_BYTES` (at least one)."""
    per_lr = networks_per_lr * batch * width * itemsize
    size = max(1, min(n_lrs, CHUNK_ACTIVATION_BYTES // per_lr))
    return [slice(start, min(start + size, n_lrs)) for start in range(0, n_lrs, size)]


def train_batch_size(
    scan: MnistScan, data: dict[str, np.ndarray], batch: int, device, log=None, steps: int | None = None
) -> dict[str, np.ndarray]:
    """Train every (optimizer, replicate, lr) network at one batch size; return arrays of shape
    (optimizer, replicate, lr): ``test_loss``, ``test_accuracy``, ``train_loss`` (last batch).

    The learning rates are trained in chunks (:func:`lr_chunks`), one after the other. The
    networks are independent and every network of a replicate starts from the same weights
    and sees the same batches whatever the chunk, so the chunking changes no network's path
    (bit for bit in the float32 paper scan; a batched product may round differently for
    another number of networks)."""
    dtype = DTYPES[scan.dtype]
    steps = scan.steps if steps is None else steps
    scale = float(data["pixel_max"])
    x_train = torch.as_tensor(data["x_train"], device=device).to(dtype) / scale
    y_train = torch.as_tensor(data["y_train"], device=device).long()
    x_test = torch.as_tensor(data["x_test"], device=device).to(dtype) / scale
    y_test = torch.as_tensor(data["y_test"], device=device).long()
    dims = [x_train.shape[1], *scan.hidden, int(max(data["y_train"].max(), data["y_test"].max())) + 1]
    G, R = len(scan.gammas), scan.replicates
    idx = torch.as_tensor(
        np.stack([batch_indices(len(x_train), batch, steps, scan.seed, r) for r in range(R)], 1), device=device
    )  # (steps, R, batch)
    chunks = lr_chunks(len(scan.lr), G * R, batch, max(dims[1:]), torch.finfo(dtype).bits // 8)
    parts = []
    for number, lrs in enumerate(chunks, 1):
        where = f"batch {batch}, learning rates {lrs.start + 1}-{lrs.stop} of {len(scan.lr)}"
        if log and len(chunks) > 1:
            log.info(f"{where} (chunk {number} of {len(chunks)})")
        lr = scan.lr[lrs]
        model = BatchedMLP(dims, G, R, len(lr), seed=scan.seed, device=device, dtype=dtype)
        opt = Optimizers(model, scan, lr)
        losses = torch.full((model.M,), float("nan"), device=device)
        for t in range(steps):
            x, y = x_train[idx[t]], y_train[idx[t]]
            losses = model.losses(x, y, training=True)
            grads = torch.autograd.grad(losses.sum(), model.parameters())
            n_w = len(model.weight)
            opt.step({"decayed": list(grads[:n_w]), "plain": list(grads[n_w:])})
            if log and (t + 1) % max(1, steps // 4) == 0:
                finite = torch.isfinite(losses)
                log.info(
                    f"{where}: step {t + 1}/{steps}, median train loss "
                    f"{losses[finite].median().item() if finite.any() else float('nan'):.3f}, "
                    f"{int((~finite).sum())} of {model.M} networks non-finite"
                )
        test_loss, test_acc = model.evaluate(x_test, y_test, scan.eval_chunk)
        shape = (G, R, len(lr))
        parts.append(
            {
                "test_loss": test_loss.cpu().numpy().reshape(shape),
                "test_accuracy": test_acc.cpu().numpy().reshape(shape),
                "train_loss": losses.detach().double().cpu().numpy().reshape(shape),
            }
        )
    return {name: np.concatenate([part[name] for part in parts], axis=2) for name in parts[0]}
