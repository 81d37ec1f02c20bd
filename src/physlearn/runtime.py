"""Run-time helpers shared by every workflow step: device choice, threads, logging, provenance."""

from __future__ import annotations

import json
import logging
import os
import platform
import socket
from pathlib import Path

import torch


def pick_device(requested: str = "auto") -> torch.device:
    """``cuda`` when asked for or, with ``auto``, when present; otherwise ``cpu``."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config key device: 'cuda' was requested but no CUDA device is available")
    return torch.device(requested)


def setup(threads: int) -> logging.Logger:
    """Fix torch's thread count and route log lines to stderr (Snakemake's log file)."""
    torch.set_num_threads(threads)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    return logging.getLogger("physlearn")


# Dense peak FLOP/s per device by precision (vendor datasheets; fp32 means TF32 tensor cores).
# The first name that occurs in torch.cuda.get_device_name() wins, so specific names come first.
PEAK_FLOPS = {
    "H100 PCIe": {"bf16": 756e12, "fp16": 756e12, "fp32": 378e12},
    "H100": {"bf16": 989e12, "fp16": 989e12, "fp32": 495e12},  # SXM
    "H200": {"bf16": 989e12, "fp16": 989e12, "fp32": 495e12},
    "A100": {"bf16": 312e12, "fp16": 312e12, "fp32": 156e12},
}


def peak_flops(device_name: str, precision: str) -> float | None:
    """Peak FLOP/s of a known GPU at ``precision`` (bf16, fp16, fp32); None if unknown."""
    for name, peaks in PEAK_FLOPS.items():
        if name in device_name:
            return peaks.get(precision)
    return None


def cpu_name() -> str:
    """The processor's model name, for benchmark tables and provenance."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance() -> dict:
    """Where and how an output was made; SLURM_JOB_ID is set inside SLURM jobs."""
    return {
        "host": socket.gethostname(),
        "cpu": cpu_name(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
    }


def save_npz(path: Path | str, meta: dict, **arrays) -> None:
    """Arrays and a JSON ``meta`` record to a compressed .npz, written to a temporary name
    and renamed into place: a job killed mid-write leaves no truncated result behind."""
    import numpy as np

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, meta=json.dumps(meta), **arrays)
    tmp.replace(path)
