"""Checksums, JSON sidecars and the error every data source raises when it cannot be reached.

Every data step writes its outputs with a sidecar ``<output>.json`` (or ``meta.json`` for a
token folder) that records where the data came from and the sha256 of each file, so a
result can always be traced to the exact bytes it was computed from.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


class DataUnavailable(RuntimeError):
    """A data source could not be reached or read. The message says what was tried and how
    to provide the data by path instead; the workflow stops on it before any training."""


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def md5_file(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path | str) -> dict:
    """{"bytes", "sha256"} of a file, for a sidecar."""
    path = Path(path)
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def write_json(path: Path | str, doc: dict) -> None:
    """Write JSON atomically (a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def sidecar_path(path: Path | str) -> Path:
    """``F`` -> ``F.json``: where a single file's sidecar lives."""
    path = Path(path)
    return path.with_name(path.name + ".json")
