"""The benchmark scripts run (at their --quick size) and print their tables: they are how
docs/benchmarks.md is reproduced, so they must not rot. No timing is asserted here."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

# script, its arguments, the lines its report must contain
BENCHMARKS = [
    ("geometry_sweep.py", ["--quick", "--repeats", "1"], "| Fig. 10: N 20, 40, 100, 220"),
    ("harmonic_seeds.py", ["--quick"], "batched vs one seed at a time (ours):"),
    ("harmonic_paper_job.py", ["--quick"], "| stacks (ours) |"),
    ("optimizer_step.py", ["--quick"], "per-parameter loop / our FOCUS:"),
    ("valley_sweep.py", ["--quick"], "speed-up, single-threaded sweep vs single-threaded loop:"),
    ("gpt_throughput.py", ["--quick"], "| ours | tiny |"),
    ("gpt_heads.py", ["--quick"], "harmonic, mix 0.01"),
    (
        "fractal_sweep.py",
        ["--quick", "--fig2c", "10", "--fig2d", "10", "--cells", "44,77"],
        (
            "speed-up, single-threaded sweep vs single-threaded loop:",
            "| 77 | 0.1578 | 0.78 | 0.2593 |",
            "# Fig. 2d (E4",
        ),
    ),
    ("mnist_scan.py", ["--quick"], "| yes |"),  # batch 64 in 4 chunks, the same numbers as one program
]


@pytest.mark.bench
@pytest.mark.parametrize("script,args,expected", BENCHMARKS, ids=[b[0] for b in BENCHMARKS])
def test_benchmark_runs(script, args, expected):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    for line in [expected] if isinstance(expected, str) else expected:
        assert line in done.stdout, f"{script} printed no {line!r}:\n{done.stdout[-2000:]}"


def test_every_benchmark_is_covered():
    assert sorted(p.name for p in (REPO / "benchmarks").glob("*.py")) == sorted(b[0] for b in BENCHMARKS)
