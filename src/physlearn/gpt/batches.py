"""Token data for GPT training: random windows from a uint16 token file.

The data directory holds ``train.bin`` and ``val.bin`` (flat uint16 token ids, as written by
the data-preparation rules) and a JSON sidecar (``meta.json`` by default) that gives at least
``vocab_size``.

Training windows start at offsets drawn from a ``torch.Generator`` owned by the sampler;
its state is part of the checkpoint, so a resumed run draws the same windows as an
uninterrupted one. Validation uses a fixed set of windows, drawn once from the seed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch

TOKEN_DTYPE = np.uint16


def load_meta(data_dir: str | Path, meta_name: str = "meta.json") -> dict:
    """The sidecar of the token files, checked for what training needs."""
    data_dir = Path(data_dir)
    path = data_dir / meta_name
    if not path.exists():
        raise FileNotFoundError(f"token data: no sidecar {path} (the data-preparation rule writes it)")
    meta = json.loads(path.read_text())
    if not isinstance(meta.get("vocab_size"), int) or meta["vocab_size"] < 1:
        raise ValueError(f"token data: {path} has no positive integer 'vocab_size'")
    if meta["vocab_size"] > np.iinfo(TOKEN_DTYPE).max + 1:
        raise ValueError(f"token data: vocab_size {meta['vocab_size']} does not fit in uint16 token ids")
    if meta.get("dtype", "uint16") != "uint16":
        raise ValueError(f"token data: {path} says dtype {meta['dtype']!r}; the trainer reads uint16")
    for split in ("train", "val"):
        if not (data_dir / f"{split}.bin").exists():
            raise FileNotFoundError(f"token data: no {data_dir / f'{split}.bin'}")
    return meta


def count_tokens(path: str | Path) -> int:
    return os.path.getsize(path) // np.dtype(TOKEN_DTYPE).itemsize


def read_windows(path: str | Path, offsets: torch.Tensor, block_size: int, device: torch.device):
    """Inputs and next-token targets, (B, block_size) int64 each, for windows at ``offsets``."""
    # A fresh memmap per batch: a long-lived one keeps pages resident and grows memory.
    data = np.memmap(path, dtype=TOKEN_DTYPE, mode="r")
    windows = np.stack([data[i : i + block_size + 1] for i in offsets.tolist()]).astype(np.int64)
    windows = torch.from_numpy(windows)
    x, y = windows[:, :-1], windows[:, 1:]
    if device.type == "cuda":
        # Pinned memory makes the copy asynchronous, overlapping the previous step's work.
        return x.pin_memory().to(device, non_blocking=True), y.pin_memory().to(device, non_blocking=True)
    return x.contiguous().to(device), y.contiguous().to(device)


def window_count(path: str | Path, block_size: int) -> int:
    """Number of possible window starts: a window needs block_size + 1 tokens."""
    n = count_tokens(path) - block_size
    if n < 1:
        raise ValueError(f"token data: {path} has {count_tokens(path)} tokens, fewer than a window of {block_size + 1}")
    return n


class RandomWindows:
    """Training batches: windows at uniformly random offsets, from a generator we own."""

    def __init__(self, path: str | Path, block_size: int, seed: int):
        self.path = Path(path)
        self.block_size = block_size
        self.n_windows = window_count(path, block_size)
        self.generator = torch.Generator().manual_seed(seed)

    def next_batch(self, batch_size: int, device: torch.device):
        offsets = torch.randint(self.n_windows, (batch_size,), generator=self.generator)
        return read_windows(self.path, offsets, self.block_size, device)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


def fixed_offsets(path: str | Path, block_size: int, n_batches: int, batch_size: int, seed: int) -> torch.Tensor:
    """(n_batches, batch_size) window offsets, the same for every evaluation of a run."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(window_count(path, block_size), (n_batches, batch_size), generator=generator)
