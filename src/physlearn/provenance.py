"""Where a result came from: the code and settings it was computed with, and the machine.

The paper-scale snapshot (:mod:`physlearn.report.snapshot`) stores these beside each figure,
and the scoreboard compares them with this checkout to mark a snapshot row stale. The code of
a figure is its experiment folder (``physlearn/<paper>/<experiment>/``, every step that
trains or draws it) and every package file those modules import (:mod:`physlearn.sources`);
its settings are the config slice its figure step ran with and the paper's settings for the
same slice (the workflow gives figure steps both, see :mod:`physlearn.settings`).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from physlearn.sources import SRC, package_files

HASH_CHARS = 16  # 64 bits of sha256: enough to tell versions apart, short enough to read


def json_hash(value) -> str:
    """A short sha256 of a JSON value, independent of key order."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


# Modules of an experiment folder that no step imports: they only say what a job asks the
# scheduler for, so editing them changes no result.
NOT_RESULTS = frozenset({"__init__", "resources"})


def experiment_modules(paper: str, experiment: str, src: Path = SRC) -> list[str]:
    """The dotted names of the modules in an experiment folder that its results depend on
    (every one but the runtime estimates)."""
    folder = src / "physlearn" / paper / experiment
    if not folder.is_dir():
        raise FileNotFoundError(f"no experiment folder {folder}")
    return sorted(f"physlearn.{paper}.{experiment}.{p.stem}" for p in folder.glob("*.py") if p.stem not in NOT_RESULTS)


def experiment_files(paper: str, experiment: str, src: Path = SRC) -> list[str]:
    """The package files an experiment's results depend on: its folder and all it imports."""
    return package_files(experiment_modules(paper, experiment, src), src=src)


def files_hash(files, root: Path = SRC) -> str:
    """A short sha256 over the files' paths (relative to ``root``) and contents, in path order:
    a renamed, added, removed or edited file changes it; the checkout's location does not."""
    digest = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        digest.update(path.resolve().relative_to(root.resolve()).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:HASH_CHARS]


def code_hash(paper: str, experiment: str, src: Path = SRC) -> str:
    """The hash of an experiment's code, as :func:`experiment_files` lists it."""
    return files_hash(experiment_files(paper, experiment, src), src)


def git_commit(repo: Path = SRC.parent) -> dict:
    """The checkout's commit and whether files under ``src/`` differ from it ("dirty")."""

    def git(*args) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--", "src"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown (not a git checkout)", "dirty": None}
    return {"commit": commit, "dirty": dirty}


def machine() -> dict:
    """The machine a run was measured on, for beside its wall times (without importing torch:
    a figure step that never needed it should not pay for it)."""
    import sys
    from importlib import metadata

    from physlearn.runtime import cpu_name  # here, not at the top: the report reads hashes without torch

    torch = sys.modules.get("torch")
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu_name(),
        "cores": cores,
        "gpu": torch.cuda.get_device_name(0) if torch is not None and torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "torch": torch_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def provenance(paper: str, experiment: str) -> dict:
    """What a figure's claims file records of where it came from, when its step runs: the
    commit, the hash of its experiment's code as it is now (the workflow reran every job of
    the figure whose code changed, so its results were made with this code), the time, the
    machine."""
    return {
        **git_commit(),
        "code_hash": code_hash(paper, experiment),
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
