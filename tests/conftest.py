"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests/data/tiny.yaml"

# Workflow jobs run `python -m physlearn...`: make that the interpreter running the tests,
# also when its virtual environment is not activated.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


class Interrupted(Exception):
    """A process killed in mid-run, as the resume tests simulate it."""


def dies_on_call(monkeypatch, owner, name: str, n: int):
    """Make ``owner.name`` raise Interrupted on its n-th call (the process "dies" there);
    returns a function that puts the original back."""
    original, calls = getattr(owner, name), []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise Interrupted
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, dying)
    return lambda: monkeypatch.setattr(owner, name, original)


def copy_tiny_corpus(workdir: Path) -> None:
    """The tiny config's text files (data.text.files, relative to the work folder)."""
    shutil.copytree(REPO / "tests/data/corpus", workdir / "corpus", dirs_exist_ok=True)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The whole workflow (`all`: figures, scoreboard, notebooks) at the tiny scale, once per
    session: tests/test_workflow.py and tests/test_report.py both read it."""
    workdir = tmp_path_factory.mktemp("tiny")
    copy_tiny_corpus(workdir)
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--cores",
        "2",
        "--configfile",
        str(TINY),
        "--directory",
        str(workdir),
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return workdir
