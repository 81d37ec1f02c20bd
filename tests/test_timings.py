"""Measured wall times (physlearn.report.timings) and the runtimes the rules declare: a SLURM
user's jobs are neither killed nor left idle, because each declared runtime is within 2x of
the recorded wall time at both scales."""

from __future__ import annotations

import copy
import math
import os
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
    # a second run adds its jobs and replaces the ones it measured again
    second = tmp_path / "second"
    (second / timings.TIMINGS / "harmonic/toy").mkdir(parents=True)
    pd.DataFrame({"s": [7.0]}).to_csv(second / timings.TIMINGS / "harmonic/toy/toy_points.tsv", sep="\t", index=False)
    (second / timings.TIMINGS / "skills").mkdir(parents=True)
    pd.DataFrame({"s": [3.0]}).to_csv(second / timings.TIMINGS / "skills/parity.tsv", sep="\t", index=False)
    timings.record(second, "laptop", tmp_path / "out", add=True)
    both = pd.read_csv(tmp_path / "out/laptop.csv")
    assert dict(zip(both["job"], both["seconds"])) == {
        "results/timings/harmonic/toy/toy_points.tsv": 7.0,
        "results/timings/skills/parity.tsv": 3.0,
    }


def test_a_whole_run_is_estimated_from_records_and_else_from_declared_runtimes(tmp_path):
    from physlearn.resources import SAFETY

    pd.DataFrame({"job": ["results/timings/a/x.tsv"], "seconds": [600.0]}).to_csv(tmp_path / "paper.csv", index=False)
    runtimes = {"results/timings/a/x.tsv": 30, "results/timings/a/y.tsv": 13, "results/timings/b/z.tsv": 26}
    by_folder, total, (low, high) = timings.estimate("paper", 2, tmp_path, runtimes)
    # x was measured (600 s, not its declared 30 min); y and z count their runtime less the margin
    assert by_folder.loc["a", "measured"] == 1 and by_folder.loc["b", "measured"] == 0
    assert by_folder.loc["a", "seconds"] == pytest.approx(600 + 13 * 60 / SAFETY)
    assert total == pytest.approx(600 + 39 * 60 / SAFETY)
    longest = 26 * 60 / SAFETY
    # Graham's bound: total / cores + (1 - 1 / cores) x (the longest job + its follow-up jobs)
    follow = timings.FOLLOW_UP_S
    assert (low, high) == (pytest.approx(max(total / 2, longest)), pytest.approx(total / 2 + (longest + follow) / 2))
    # one core: the jobs one after another
    assert timings.estimate("paper", 1, tmp_path, runtimes)[2] == (pytest.approx(total), pytest.approx(total))
    # one paper's jobs only: b's job alone, on one core or two (it cannot be split)
    by_folder, total_b, bounds_b = timings.estimate("paper", 2, tmp_path, runtimes, papers=["b"])
    assert list(by_folder.index) == ["b"] and total_b == pytest.approx(longest)
    assert bounds_b == (pytest.approx(longest), pytest.approx(longest + follow / 2))
    with pytest.raises(ValueError, match="no paper-scale jobs of the papers"):
        timings.estimate("paper", 2, tmp_path, runtimes, papers=["c"])


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


# --------------------------------------------------------------------------------------
# The cost models behind the rules' runtimes (physlearn.resources and each experiment's
# resources.py): work units x a measured cost per unit + start-up, in SLURM minutes.


def _scale_config(*files: str) -> dict:
    import yaml
    from snakemake.utils import update_config, validate

    repo = timings.RECORDS.parent.parent
    config = {}
    for name in files:
        update_config(config, yaml.safe_load((repo / name).read_text()))
    validate(config, str(repo / "workflow/schemas/config.schema.yaml"), set_default=True)
    return config


@pytest.fixture(scope="module")
def scales() -> dict[str, dict]:
    """The laptop config and the paper-scale snapshot's (timings.RUNS), with the schema's defaults."""
    return {scale: _scale_config(*files) for scale, (files, _) in timings.RUNS.items()}


def test_seconds_become_whole_slurm_minutes_with_a_margin():
    from physlearn.resources import SAFETY, STARTUP_SECONDS, slurm_minutes

    assert slurm_minutes(0) == 1 and slurm_minutes(STARTUP_SECONDS) == 1  # at least a minute
    assert slurm_minutes(60 / SAFETY) == 1 and slurm_minutes(60 / SAFETY + 1) == 2  # rounded up
    assert slurm_minutes(3600) == math.ceil(SAFETY * 60) and slurm_minutes(3600, safety=1.0) == 60
    assert 1.0 < SAFETY <= 1.5  # modest: the per-unit costs are wall times of a loaded machine
    with pytest.raises(ValueError, match="negative"):
        slurm_minutes(-1)


def _doubles(seconds, section: dict, path: tuple[str, ...], *args) -> None:
    """Doubling the work at ``path`` (a count in the section) doubles the estimate's work part."""
    from physlearn.resources import STARTUP_SECONDS

    doubled = copy.deepcopy(section)
    parent = doubled
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] *= 2
    work, more = seconds(section, *args) - STARTUP_SECONDS, seconds(doubled, *args) - STARTUP_SECONDS
    assert work > 0 and more == pytest.approx(2 * work, rel=1e-9)


def test_the_valley_shard_model_counts_trajectory_steps(scales):
    from physlearn.focus.valley import resources as R

    laptop, paper = scales["laptop"]["focus_valley"], scales["paper"]["focus_valley"]
    # 33 x 31 = 1023 pixels in 16 chunks of 64; shard 0 has 8 chunks (512 pixels), shard 1 the rest
    assert R.shard_trajectory_steps(laptop, "sharpness", 0) == 512 * 20 * 50 * 3 * 1000
    assert R.shard_trajectory_steps(laptop, "sharpness", 1) == 511 * 20 * 50 * 3 * 1000
    _doubles(R.shard_seconds, laptop, ("steps",), "sharpness", 0)
    _doubles(R.shard_seconds, laptop, ("replicates",), "weight_decay", 1)
    assert R.shard_runtime(laptop, "sharpness", 0) == 1  # 16-22 s of CPU measured
    # the paper's 96 x 100 pixels: 150 chunks in 24 shards of 6 or 7 (1.2e9 trajectory-steps,
    # 12.6-21.3 s measured, two jobs on the 2 cores)
    assert R.shard_trajectory_steps(paper, "sharpness", 3) == 6 * 64 * 20 * 50 * 3 * 1000
    assert R.shard_seconds(paper, "sharpness", 3) == pytest.approx(21, abs=2)


def test_the_mnist_scan_model_counts_network_steps_and_flops(scales):
    from physlearn.focus.mnist import resources as R

    laptop, paper = scales["laptop"]["focus_mnist"], scales["paper"]["focus_mnist"]
    _doubles(R.job_seconds, laptop, ("steps",), "digits", 256)
    assert [R.job_resources(laptop, "digits", b)["runtime"] for b in (2, 128, 256)] == [1, 1, 1]  # 9, 25, 45 s (AMD)
    minutes = [R.job_resources(paper, "digits", b)["runtime"] for b in paper["batch_sizes"]]
    assert minutes == sorted(minutes) and 10 <= minutes[-1] <= 120  # batch 1024: 240 networks, 128 wide
    # one job per core, the learning rates in cache-sized chunks (session 18): batch 256 took
    # 294 s, batch 512 557 s, batch 1024 1087 s (1144 and 2242 s as one program: no more
    # out-of-cache factor from batch 512 on)
    assert R.job_seconds(paper, "digits", 256) == pytest.approx(294, rel=0.1)
    assert R.job_seconds(paper, "digits", 512) == pytest.approx(557, rel=0.1)
    assert R.job_seconds(paper, "digits", 1024) == pytest.approx(1087, rel=0.1)


def test_the_gpt_model_is_flops_over_the_configured_throughput(scales):
    from physlearn.gpt.resources import GPU_STARTUP_SECONDS, training_flops, training_resources
    from physlearn.gpt.runs import run_settings
    from physlearn.resources import STARTUP_SECONDS, slurm_minutes

    laptop = scales["laptop"]
    run = run_settings(laptop, "focus", "focus", "-")
    flops = training_flops(run, 2048)
    cpu = training_resources(run, flops_per_second=laptop["gpt"]["flops_per_second"], gpu=False, vocab_size=2048)
    assert cpu["runtime"] == slurm_minutes(STARTUP_SECONDS + flops / 2e10) == 1  # 24.6 s measured
    longer = dict(run, max_iters=2 * run["max_iters"], lr_decay_iters=2 * run["max_iters"])
    assert training_flops(longer, 2048) == pytest.approx(2 * flops, rel=0.05)  # the evaluations grow too
    gpu = training_resources(run, flops_per_second=4e14, gpu=True, vocab_size=2048)
    assert gpu["runtime"] == slurm_minutes(GPU_STARTUP_SECONDS + flops / 4e14)


def test_the_algorithmic_task_model_counts_run_steps(scales):
    from physlearn.harmonic.algorithmic import resources as R

    laptop, paper = scales["laptop"]["harmonic_algorithmic"], scales["paper"]["harmonic_algorithmic"]
    # laptop: the main fraction's 5 seeds x 2 (25 steps an epoch), then Fig. 3b's 2 seeds x 2 at three fractions
    assert R.stacks(laptop, "mlp") == [(10, 25), (4, 7), (4, 13), (4, 19)]
    assert R.stacks(laptop, "transformer") == [(6, 25)]
    for family in ("mlp", "transformer"):
        doubled = copy.deepcopy(laptop)
        doubled[family]["epochs"] = {task: 2 * e for task, e in laptop[family]["epochs"].items()}
        for task in laptop["tasks"]:
            work = R.train_seconds(laptop, family, task) - R.STARTUP_SECONDS
            assert R.train_seconds(doubled, family, task) - R.STARTUP_SECONDS == pytest.approx(2 * work)
    work = lambda family: sum(R.train_seconds(laptop, family, t) - R.STARTUP_SECONDS for t in laptop["tasks"])
    # one job per (family, task); the five MLP tasks' 3350 epochs took 175-186 s as one job
    # (alone; 215 s beside another): the per-task model says 154 s, permutations' 2000 epochs the most
    assert 186 / 2 <= work("mlp") <= 175
    assert R.train_runtime(laptop, "mlp", "permutations") == 2
    # 6 runs x 25 steps x 900 epochs at the paper job's per-task rates (700 epochs of modular
    # addition at 0.55 ms a run-step): 79 s (89-103 s measured as one job with start-up)
    assert 70 <= work("transformer") <= 100
    assert R.train_runtime(laptop, "transformer", "modular_addition") == 2
    assert R.run_step_seconds("transformer", "modular_addition") == 5.5e-4
    assert R.run_step_seconds("transformer", "no-such-task") == R.run_step_seconds("transformer") == 6.9e-4
    # the CPU snapshot: 5 seeds x 2 x 8 fractions; at the paper's 20 seeds, eight stacks of 40
    # runs took 0.395 s an epoch (benchmarks/harmonic_paper_job.py, idle machine)
    assert R.job_runs(paper, "mlp") == 80
    twenty = copy.deepcopy(paper)
    twenty["mlp"]["seeds"] = twenty["data_efficiency"]["seeds"] = 20
    assert R.job_runs(twenty, "mlp") == 320
    assert R.epoch_seconds(twenty, "mlp") == pytest.approx(0.395, rel=0.1)
    assert R.modular_case_runtime(laptop) == R.modular_case_runtime(paper) == 1  # 40 s measured
    _doubles(R.modular_case_seconds, laptop, ("modular_case", "epochs"))


def test_the_harmonic_mnist_and_toy_models(scales):
    from physlearn.harmonic.mnist import resources as M
    from physlearn.harmonic.toy import resources as T

    laptop = scales["laptop"]
    _doubles(M.train_seconds, laptop["harmonic_mnist"], ("max_epochs",), "digits")
    _doubles(M.train_seconds, laptop["harmonic_mnist"], ("replicates",), "digits")
    assert M.train_runtime(laptop["harmonic_mnist"], "digits") == 1  # 6.9 s measured
    assert 10 <= M.train_runtime(laptop["harmonic_mnist"], "mnist") <= 60  # 54000 images of 784 pixels on a CPU
    _doubles(T.points_seconds, laptop["harmonic_toy"], ("steps",))
    assert T.points_runtime(laptop["harmonic_toy"]) == T.points_runtime(scales["paper"]["harmonic_toy"]) == 1


def test_the_skills_network_models_count_multiply_adds(scales):
    from physlearn.skills.domino import resources as D
    from physlearn.skills.parity import resources as P

    laptop, paper = scales["laptop"]["skills_networks"], scales["paper"]["skills_networks"]
    # compositional: (task + control) x 2 seeds x 1500 steps x 10000 samples x 50 x (32 bits + 3 tasks)
    assert P.runs_macs(laptop["parity"], "compositional") == 4 * 1500 * 10000 * 50 * 35
    assert P.runs_macs(laptop["parity"], "frequency") * 2 == P.runs_macs(
        dict(laptop["parity"], steps=2 * laptop["parity"]["steps"]), "frequency"
    )
    assert [P.runs_runtime(laptop["parity"], e) for e in ("frequency", "compositional")] == [2, 1]  # 31, 32 s
    assert D.modularity_macs(dict(laptop["modularity"], inits=16)) == 2 * D.modularity_macs(laptop["modularity"])
    assert D.grokking_runtime(laptop["grokking"]) == D.modularity_runtime(laptop["modularity"]) == 2  # 33, 33 s
    # the paper runs every step in float64 (grokking without the early stop): minutes, not hours
    assert P.network_seconds(1e9, "float64") - P.network_seconds(1e9, "float32") == pytest.approx(1e9 * P.MAC_SECONDS)
    for minutes in (P.runs_runtime(paper["parity"], "frequency"), D.grokking_runtime(paper["grokking"])):
        assert 3 <= minutes <= 30


def test_the_geometry_models(scales):
    from physlearn.skills.geometry import resources as G

    laptop, paper = scales["laptop"]["skills_geometry"], scales["paper"]["skills_geometry"]
    _doubles(G.scaling_shard_seconds, laptop["scaling"], ("steps",), 0)
    _doubles(G.scaling_shard_seconds, laptop["scaling"], ("seeds",), 1)
    assert [G.scaling_shard_resources(laptop["scaling"], s)["runtime"] for s in range(2)] == [1, 1]  # 31 and 27 s (AMD)
    # one job per core: paper shard 8/10 (N 32..572) ran 2000 steps in 15.5 s, 775 s for 100k;
    # shard 1/10 (N 22..1000, its task vectors at N = 1000 beyond the L2) 17.1 s, 855 s
    assert G.scaling_shard_seconds(paper["scaling"], 7) == pytest.approx(775, rel=0.05)
    assert G.scaling_shard_seconds(paper["scaling"], 0) == pytest.approx(855, rel=0.1)
    assert G.modular_runtime(laptop["modular"]) == 1  # 5.6 s measured (AMD)
    assert G.modular_runtime(paper["modular"]) == 11  # 472 s measured: 8 min, and the 1.3 margin
    for figure in ("ratio", "sequence", "optimizers"):
        assert G.figure_runtime(laptop[figure], figure) == 1
        doubled = dict(laptop[figure], steps=2 * laptop[figure]["steps"])
        assert G.figure_runs(doubled, figure) == G.figure_runs(laptop[figure], figure)
    assert G.figure_runtime(paper["optimizers"], "optimizers") == 1  # 44 s measured


STARVED = 0.1  # a job with less than a tenth of a core measured the machine's load, not its work


@pytest.mark.slow
@pytest.mark.skipif(
    "PHYSLEARN_PAPER_RUN" not in os.environ,
    reason="set PHYSLEARN_PAPER_RUN to the directory of a paper-scale run (finished or not)",
)
def test_declared_runtimes_hold_against_a_paper_scale_run_so_far():
    """The benchmark files a paper-scale run (timings.RUNS["paper"]) has written so far against
    the runtimes the rules declare at that scale, before docs/timings/paper.csv exists. A job
    whose benchmark shows under STARVED of a core (cpu_time / s) waited for the CPU most of the
    time: it is listed, not judged."""
    root = Path(os.environ["PHYSLEARN_PAPER_RUN"])
    table = timings.compare(timings.collect(root), timings.dry_run("paper"))
    table["cpu_share"] = [
        float(pd.read_csv(root / job, sep="\t")["cpu_time"].iloc[-1]) / seconds
        for job, seconds in zip(table["job"], table["seconds"])
    ]
    print(table[["job", "seconds", "declared_s", "ratio", "holds", "cpu_share"]].to_string(index=False))
    judged = table[table["cpu_share"] >= STARVED]
    wrong = judged[~judged["holds"]]
    assert not judged.empty, f"no benchmark files under {root / timings.TIMINGS}"
    assert wrong.empty, "declared runtimes off by more than 2x:\n" + wrong.to_string()
