"""A GPT training job of the workflow killed with SIGKILL (Snakemake and the trainer with it),
then the workflow rerun: the job resumes from its checkpoint and ends bit-identical to a run
that was never interrupted (CPU, same threads)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from conftest import REPO, TINY, copy_tiny_corpus

TARGET = "results/gpt/focus/focus/log.csv"


def _workdir(tmp_path: Path, name: str) -> tuple[Path, Path]:
    workdir = tmp_path / name
    workdir.mkdir()
    copy_tiny_corpus(workdir)
    # Long enough to be killed mid-way: 150 steps, a checkpoint every 10.
    overlay = workdir / "long.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                "focus_gpt": {"train": {"max_iters": 150, "lr_decay_iters": 150}},
                "gpt": {"train": {"checkpoint_interval": 10, "eval_interval": 25}},
            }
        )
    )
    return workdir, overlay


def _snakemake(workdir: Path, overlay: Path, *extra: str, **popen) -> list[str]:
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--cores",
        "1",
        "--configfile",
        str(TINY),
        str(overlay),
        "--directory",
        str(workdir),
        *extra,
    ]


def test_killed_training_job_resumes_bit_identical_on_rerun(tmp_path):
    # The uninterrupted reference.
    ref_dir, ref_overlay = _workdir(tmp_path, "reference")
    subprocess.run(_snakemake(ref_dir, ref_overlay, TARGET), cwd=REPO, check=True, capture_output=True)

    work, overlay = _workdir(tmp_path, "killed")
    run_dir = work / "results/gpt/focus/focus"
    victim = subprocess.Popen(
        _snakemake(work, overlay, TARGET),
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while not (run_dir / "ckpt.pt").exists():
        assert victim.poll() is None, "the job finished before a checkpoint could be seen"
        assert time.time() < deadline, "no checkpoint within 300 s"
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)  # snakemake and the trainer, mid-run
    victim.wait()
    assert not (run_dir / "summary.json").exists()

    # What a user does after a crash: unlock, rerun (the profiles rerun incomplete jobs).
    subprocess.run(_snakemake(work, overlay, "--unlock"), cwd=REPO, check=True, capture_output=True)
    subprocess.run(_snakemake(work, overlay, "--rerun-incomplete", TARGET), cwd=REPO, check=True, capture_output=True)

    resumed = json.loads((run_dir / "summary.json").read_text())
    reference = json.loads((ref_dir / "results/gpt/focus/focus/summary.json").read_text())
    assert len(resumed["resumed_from"]) == 1 and 0 < resumed["resumed_from"][0] < 150
    assert reference["resumed_from"] == []
    assert resumed["final_val_loss"] == reference["final_val_loss"]  # to the last bit
    assert resumed["final_train_loss"] == reference["final_train_loss"]
    cols = ["step", "tokens", "train_loss", "val_loss", "lr", "grad_norm"]
    pd.testing.assert_frame_equal(
        pd.read_csv(run_dir / "log.csv")[cols], pd.read_csv(ref_dir / "results/gpt/focus/focus/log.csv")[cols]
    )
