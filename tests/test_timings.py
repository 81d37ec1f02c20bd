"""Measured wall times (physlearn.report.timings) and the runtimes the rules declare: a SLURM
user's jobs are neither killed nor left idle, because each declared runtime is within 2x of
the recorded wall time at both scales."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from physlearn.report import timings

DRY_RUN = """
rule valley_shard:
    input: a, b
    output: results/focus/valley/sharpness/shard-0-of-2.npz
    log: logs/focus/valley/sharpness/shard-0-of-2.log
    jobid: 3
    benchmark: results/timings/focus/valley/sharpness/shard-0-of-2.tsv
    reason: Missing output files
    resources: tmpdir=/tmp, runtime=3, mem_mb=1000
rule all:
    input: x
    resources: tmpdir=/tmp
rule harmonic_toy_points:
    benchmark: results/timings/harmonic/toy/toy_points.tsv
    resources: tmpdir=/tmp, runtime=10, mem_mb=1000
"""


def test_the_declared_runtimes_are_read_per_benchmark_file():
    assert timings.declared(DRY_RUN) == {
        "results/timings/focus/valley/sharpness/shard-0-of-2.tsv": 3,
        "results/timings/harmonic/toy/toy_points.tsv": 10,
    }


def test_a_runtime_holds_within_a_factor_two_and_a_short_job_counts_as_a_minute():
    measured = pd.DataFrame({"job": ["a", "b", "c", "d", "e"], "seconds": [120.0, 20.0, 600.0, 100.0, 5.0]})
    runtimes = {"a": 2, "b": 2, "c": 2, "d": 4, "e": 3}  # minutes
    table = timings.compare(measured, runtimes).set_index("job")
    assert table["holds"].to_dict() == {"a": True, "b": True, "c": False, "d": False, "e": False}
    # b took 20 s, counted as 60: 120 s declared is 2x; e took 5 s: 180 s declared is 3x
    assert table.loc["b", "ratio"] == 2.0 and table.loc["e", "ratio"] == 3.0
    assert table.loc["c", "ratio"] == pytest.approx(0.2)  # would be killed by SLURM
    assert len(timings.compare(measured, {"a": 2})) == 1  # a job the rules no longer run is left out


def test_a_run_is_recorded_with_its_machine(tmp_path):
    folder = tmp_path / timings.TIMINGS / "harmonic/toy"
    folder.mkdir(parents=True)
    pd.DataFrame({"s": [12.345], "h:m:s": ["0:00:12"]}).to_csv(folder / "toy_points.tsv", sep="\t", index=False)
    table = timings.record(tmp_path, "laptop", tmp_path / "out")
    assert table[["job", "seconds"]].to_dict("records") == [
        {"job": "results/timings/harmonic/toy/toy_points.tsv", "seconds": 12.35}
    ]
    assert pd.read_csv(tmp_path / "out/laptop.csv")["cores"].iloc[0] >= 1
    with pytest.raises(ValueError, match="no benchmark files"):
        timings.record(tmp_path / "empty", "laptop", tmp_path / "out")


@pytest.mark.slow
@pytest.mark.parametrize("scale", sorted(timings.RUNS))
def test_every_declared_runtime_holds_against_the_recorded_wall_times(scale):
    path = timings.RECORDS / f"{scale}.csv"
    if not path.is_file():
        pytest.skip(f"no {scale}-scale wall times recorded yet ({path}): run the workflow and record them")
    recorded = pd.read_csv(path)
    table = timings.compare(recorded, timings.dry_run(scale))
    assert len(table) >= 0.9 * len(recorded), f"most recorded jobs should still exist: {len(table)} of {len(recorded)}"
    wrong = table[~table["holds"]]
    assert wrong.empty, "declared runtimes off by more than 2x:\n" + wrong[["job", "seconds", "declared_s"]].to_string()


def test_the_records_are_where_the_test_reads_them():
    assert timings.RECORDS == Path(timings.__file__).resolve().parents[3] / "docs/timings"
