"""The narrowing valley of the FOCUS paper (spec section 2) and its vectorised sweep.

Parameters p live in R^2. Rotated by ``angle`` (pi/6), x runs along the valley and y across::

    L(p) = 0.5 * a * x^2 * y^2 - c * x

The curvature across the valley, a*x^2, grows along it: the valley narrows. The gradient is
multiplied coordinate-wise by xi ~ N(1, sigma^2), fresh per coordinate and per step.

The sweep advances every trajectory of a chunk of grid pixels together. Tensors have shape
``(2, L, P, R)``: coordinate, learning rate, pixel, replicate. Coordinates lead so that x and
y are contiguous slices.

Common random numbers: within a pixel, the initial points and the noise sequence of each
replicate are shared by the three optimizers and all learning rates, so each pixel's
comparison is paired. Pixels draw independent noise. Every chunk of pixels has its own seed,
so results do not depend on how the grid is sharded.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from physlearn.optim import functional as F

OPTIMIZERS = ("adam", "signum", "focus")
METRICS = ("final_loss", "lowest_loss", "furthest_progress")


def valley_coordinates(p: Tensor, angle: float) -> tuple[Tensor, Tensor]:
    """(x, y): position along and across the valley; ``p`` has coordinates on dim 0."""
    cos, sin = math.cos(angle), math.sin(angle)
    return cos * p[0] + sin * p[1], cos * p[1] - sin * p[0]


def loss_from_coordinates(x: Tensor, y: Tensor, sharpness: Tensor | float, c: float) -> Tensor:
    return 0.5 * sharpness * (x * y) ** 2 - c * x


def grad_from_coordinates(
    x: Tensor, y: Tensor, sharpness: Tensor | float, c: float, angle: float, out: Tensor | None = None
) -> Tensor:
    """dL/dp from (x, y): [a*x*y^2 - c, a*x^2*y] rotated back to p coordinates (dim 0)."""
    cos, sin = math.cos(angle), math.sin(angle)
    ax = sharpness * x
    gx = ax * y * y - c  # dL/dx
    gy = ax * x * y  # dL/dy
    if out is None:
        out = torch.empty((2, *gx.shape), dtype=gx.dtype, device=gx.device)
    torch.sub(cos * gx, sin * gy, out=out[0])
    torch.add(sin * gx, cos * gy, out=out[1])
    return out


def narrowing_valley_loss(p: Tensor, sharpness: Tensor | float, c: float, angle: float) -> Tensor:
    return loss_from_coordinates(*valley_coordinates(p, angle), sharpness, c)


def narrowing_valley_grad(p: Tensor, sharpness: Tensor | float, c: float, angle: float) -> Tensor:
    """Exact gradient, in p coordinates (stacked on dim 0)."""
    return grad_from_coordinates(*valley_coordinates(p, angle), sharpness, c, angle)


def multiplicative_noise(grad: Tensor, sigma: Tensor | float, z: Tensor) -> Tensor:
    """grad * xi with xi = 1 + sigma * z, z standard normal: xi ~ N(1, sigma^2)."""
    return grad * (1.0 + sigma * z)


# --------------------------------------------------------------------------------------
# The grid


def grid_axis(spec: dict | float) -> np.ndarray:
    """A config axis: a number, or {start, stop, num, scale: linear|log} (endpoints included)."""
    if isinstance(spec, int | float):
        return np.array([float(spec)])
    space = np.geomspace if spec.get("scale", "linear") == "log" else np.linspace
    return space(spec["start"], spec["stop"], spec["num"])


@dataclass(frozen=True, eq=False)  # arrays inside: compare scans by identity
class ValleyScan:
    """One figure's sweep: pixels (scanned parameter x sigma) x learning rates x replicates."""

    name: str
    scanned: str  # "sharpness" or "weight_decay": the map's vertical axis
    sharpness: np.ndarray
    weight_decay: np.ndarray
    sigma: np.ndarray
    lr: np.ndarray
    replicates: int
    steps: int
    c: float
    angle: float
    init_scale: float
    hparams: dict = field(repr=False)
    seed: int
    pixels_per_chunk: int
    dtype: str = "float32"

    @classmethod
    def from_config(cls, name: str, cfg: dict, seed: int) -> "ValleyScan":
        """Build from the ``focus_valley`` config section (see the schema) and a scan name."""
        scan = cfg["scans"][name]
        sharpness, weight_decay = grid_axis(scan["sharpness"]), grid_axis(scan["weight_decay"])
        if (len(sharpness) > 1) == (len(weight_decay) > 1):
            raise ValueError(f"focus_valley.scans.{name}: exactly one of sharpness and weight_decay must be a range")
        return cls(
            name=name,
            scanned="sharpness" if len(sharpness) > 1 else "weight_decay",
            sharpness=sharpness,
            weight_decay=weight_decay,
            sigma=grid_axis(cfg["sigma"]),
            lr=grid_axis(cfg["lr"]),
            replicates=cfg["replicates"],
            steps=cfg["steps"],
            c=cfg["c"],
            angle=math.radians(cfg["angle_deg"]),
            init_scale=cfg["init_scale"],
            hparams=cfg["optimizers"],
            seed=seed,
            pixels_per_chunk=cfg["pixels_per_chunk"],
            dtype=cfg["dtype"],
        )

    @property
    def scanned_values(self) -> np.ndarray:
        return self.sharpness if self.scanned == "sharpness" else self.weight_decay

    @property
    def n_pixels(self) -> int:
        return len(self.scanned_values) * len(self.sigma)

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n_pixels / self.pixels_per_chunk)

    @property
    def trajectory_steps(self) -> int:
        return self.n_pixels * len(self.lr) * self.replicates * len(OPTIMIZERS) * self.steps

    def pixel_values(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sharpness, weight_decay, sigma) of flat pixel indices; sigma varies fastest."""
        row, col = np.divmod(pixels, len(self.sigma))
        if self.scanned == "sharpness":
            a, wd = self.sharpness[row], np.full(len(pixels), self.weight_decay[0])
        else:
            a, wd = np.full(len(pixels), self.sharpness[0]), self.weight_decay[row]
        return a, wd, self.sigma[col]

    def chunk_pixels(self, chunk: int) -> np.ndarray:
        start = chunk * self.pixels_per_chunk
        return np.arange(start, min(start + self.pixels_per_chunk, self.n_pixels))

    def shard_chunks(self, shard: int, n_shards: int) -> range:
        """Contiguous chunks of one shard; shards differ in size by at most one chunk."""
        if not 0 <= shard < n_shards:
            raise ValueError(f"shard {shard} is outside 0..{n_shards - 1}")
        bounds = np.linspace(0, self.n_chunks, n_shards + 1).round().astype(int)
        return range(bounds[shard], bounds[shard + 1])

    def chunk_seed(self, chunk: int) -> int:
        """A seed per (config seed, scan, chunk), stable across Python runs and shardings."""
        digest = hashlib.sha256(f"{self.seed}/{self.name}/{chunk}".encode()).digest()
        return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)


# --------------------------------------------------------------------------------------
# The sweep


def _optimizer_step(name: str, p: Tensor, g: Tensor, state: dict, t: int, lr: Tensor, wd: Tensor, hp: dict) -> None:
    """One toy-optimizer step through the shared update rules; the toy decay is wd*p."""
    if name == "adam":
        F.adam(
            [p],
            [g],
            [state["m"]],
            [state["v"]],
            t,
            lr=lr,
            beta1=hp["beta1"],
            beta2=hp["beta2"],
            eps=hp["eps"],
            weight_decay=wd,
        )
    else:
        gamma = hp["gamma"] if name == "focus" else 0.0  # Signum: gamma 0, beta2 0
        avg = [state["pbar"]] if gamma != 0.0 else None
        F.focus(
            [p],
            [g],
            [state["m"]],
            avg,
            t,
            lr=lr,
            beta1=hp["beta1"],
            beta2=hp.get("beta2", 0.0),
            gamma=gamma,
            weight_decay=wd,
            decay_to_ema=False,
        )


def run_valley_trajectories(
    scan: ValleyScan,
    pixels: np.ndarray,
    init: Tensor,
    noise: Callable[[int], Tensor],
    device: torch.device | str = "cpu",
) -> dict[str, Tensor]:
    """Run all optimizers x learning rates x replicates of ``pixels`` for ``scan.steps`` steps.

    Args:
        init: initial points, shape (2, P, R), shared by optimizers and learning rates.
        noise: ``noise(t)`` returns the standard-normal draws of step t, shape (2, P, R).

    Returns metric name -> tensor of shape (optimizer, L, P, R): ``final_loss``,
    ``lowest_loss`` (over all iterates), ``furthest_progress`` (max x) and ``diverged``
    (a NaN or inf appeared).
    """
    dtype = getattr(torch, scan.dtype)
    a_np, wd_np, sigma_np = scan.pixel_values(pixels)

    def column(values: np.ndarray) -> Tensor:  # broadcasts against (L, P, R)
        return torch.as_tensor(values, dtype=dtype, device=device).view(1, -1, 1)

    a, sigma = column(a_np), column(sigma_np)
    wd = column(wd_np).unsqueeze(0)  # broadcasts against (2, L, P, R)
    lr = torch.as_tensor(scan.lr, dtype=dtype, device=device).view(1, -1, 1, 1)
    n_lr = len(scan.lr)

    shape = (2, n_lr, *init.shape[1:])
    runs = {}
    for name in OPTIMIZERS:
        p = init.to(device=device, dtype=dtype).unsqueeze(1).expand(shape).contiguous()
        x, y = valley_coordinates(p, scan.angle)
        state = {"m": torch.zeros_like(p), "lowest": loss_from_coordinates(x, y, a, scan.c), "furthest": x.clone()}
        if name == "adam":
            state["v"] = torch.zeros_like(p)
        if name == "focus":
            state["pbar"] = torch.zeros_like(p)
        runs[name] = (p, state)

    g = torch.empty(shape, dtype=dtype, device=device)
    for t in range(1, scan.steps + 1):
        xi = noise(t).to(device=device, dtype=dtype).unsqueeze(1).mul(sigma).add_(1.0)
        for name, (p, state) in runs.items():
            x, y = valley_coordinates(p, scan.angle)
            if t > 1:  # the loss at the iterate reached by the previous step
                torch.minimum(state["lowest"], loss_from_coordinates(x, y, a, scan.c), out=state["lowest"])
                torch.maximum(state["furthest"], x, out=state["furthest"])
            grad_from_coordinates(x, y, a, scan.c, scan.angle, out=g).mul_(xi)
            _optimizer_step(name, p, g, state, t, lr, wd, scan.hparams[name])

    out: dict[str, list[Tensor]] = {k: [] for k in (*METRICS, "diverged")}
    for name, (p, state) in runs.items():
        x, y = valley_coordinates(p, scan.angle)
        final = loss_from_coordinates(x, y, a, scan.c)
        lowest = torch.minimum(state["lowest"], final)
        furthest = torch.maximum(state["furthest"], x)
        # NaN propagates through minimum/maximum, so a NaN or inf in the iterates shows here.
        # sign(NaN) is 0 on the CPU: a NaN gradient can freeze a sign method's coordinate
        # while p stays finite, but it stays in the momentum.
        diverged = ~(torch.isfinite(final) & torch.isfinite(lowest) & torch.isfinite(furthest))
        diverged |= ~torch.isfinite(state["m"]).all(0)
        for key, value in zip((*METRICS, "diverged"), (final, lowest, furthest, diverged)):
            out[key].append(value)
    return {k: torch.stack(v) for k, v in out.items()}


def chunk_inputs(scan: ValleyScan, chunk: int) -> tuple[np.ndarray, Tensor, Callable[[int], Tensor]]:
    """Pixels, initial points and the seeded noise stream of one chunk."""
    pixels = scan.chunk_pixels(chunk)
    gen = torch.Generator().manual_seed(scan.chunk_seed(chunk))
    size = (2, len(pixels), scan.replicates)
    dtype = getattr(torch, scan.dtype)
    init = scan.init_scale * torch.randn(size, generator=gen, dtype=dtype)

    def noise(t: int) -> Tensor:
        return torch.randn(size, generator=gen, dtype=dtype)

    return pixels, init, noise


def iter_shard(
    scan: ValleyScan, shard: int, n_shards: int, device="cpu"
) -> Iterator[tuple[np.ndarray, dict[str, Tensor]]]:
    """Yield (pixels, metrics) for each chunk of a shard."""
    for chunk in scan.shard_chunks(shard, n_shards):
        pixels, init, noise = chunk_inputs(scan, chunk)
        yield pixels, run_valley_trajectories(scan, pixels, init, noise, device)
