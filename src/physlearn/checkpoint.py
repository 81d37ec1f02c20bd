"""Checkpoints that survive a kill at any moment, and the random-number state they carry.

A checkpoint is written to a temporary file in the same directory and moved over the old
one with ``os.replace`` (atomic on POSIX): a job killed mid-write leaves the previous
checkpoint intact, never a truncated one.
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger("physlearn.checkpoint")


def save_atomic(obj, path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    # Make the rename itself durable (a node crash right after could otherwise lose it).
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load(path: str | Path, device: torch.device | str = "cpu") -> dict:
    # weights_only: a checkpoint holds tensors, numbers, strings and containers only.
    return torch.load(path, map_location=device, weights_only=True)


def load_matching(path: str | Path | None, fingerprint: str, what: str) -> dict | None:
    """The checkpoint at ``path`` (on the CPU) if there is one and the same work wrote it
    (its "fingerprint" equals ``fingerprint``); else None. Another work's checkpoint is
    ignored with a warning; ``what`` names what would differ."""
    if path is None or not Path(path).exists():
        return None
    state = load(path)
    if state.get("fingerprint") != fingerprint:
        log.warning("%s is the checkpoint of other work (%s differ); starting afresh", path, what)
        return None
    return state


def rng_states() -> dict:
    """Every global random-number state a training step may consume."""
    np_state = np.random.get_state(legacy=False)
    np_state["state"]["key"] = np_state["state"]["key"].tolist()  # plain ints for weights_only
    states = {
        "torch_cpu": torch.get_rng_state(),
        "numpy": np_state,
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["torch_cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch_cpu"].cpu())
    np_state = dict(states["numpy"])
    np_state["state"] = dict(np_state["state"], key=np.array(np_state["state"]["key"], dtype=np.uint32))
    np.random.set_state(np_state)
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    if "torch_cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in states["torch_cuda"]])
