"""The workflow end to end at a tiny scale, its checks, and the paper-scale DAG."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from physlearn import figures, provenance
from physlearn.claims import PAPERS, read_claims
from physlearn.sources import package_files

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests/data/tiny.yaml"
SCANS = ("sharpness", "weight_decay")


def snakemake(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), *args]
    done = subprocess.run(cmd, cwd=cwd or REPO, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return done


def planned_jobs(*args: str, cwd: Path | None = None) -> dict[str, int]:
    """Rule -> number of jobs in a dry run's job table."""
    out = snakemake("-n", "--cores", "1", *args, cwd=cwd).stdout
    jobs, table = {}, False
    for line in out.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            table = True
        elif table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] != "total":
                jobs[parts[0]] = int(parts[1])
        elif table and jobs and not parts:
            break
    return jobs


# tiny_run, the whole workflow at the tiny scale, is in conftest.py (tests/test_report.py reads it too).


@pytest.mark.slow
def test_tiny_run_makes_every_figure_with_claims(tiny_run: Path):
    figures = tiny_run / "results/figures/focus"
    for scan in SCANS:
        for kind in ("", "_pairs"):
            stem = figures / f"valley_{scan}{kind}"
            for ext in ("pdf", "png"):
                assert (stem.parent / f"{stem.name}.{ext}").stat().st_size > 1000
            table = pd.read_csv(f"{stem}.csv")
            assert len(table) > 0 and "winner" in table.columns
            doc = read_claims(f"{stem}.claims.json")
            assert doc["paper"] == "focus" and doc["scale"] == "laptop" and doc["claims"]
            for claim in doc["claims"]:
                assert claim["paper_value"] and claim["ours"] and claim["verdict"] in ("PASS", "FAIL", "INCONCLUSIVE")


@pytest.mark.slow
def test_tiny_run_records_every_trajectory(tiny_run: Path):
    summary = pd.read_csv(tiny_run / "results/focus/valley/sharpness/summary.csv")
    # 3 sharpness x 4 sigma pixels x 4 learning rates x 3 optimizers, 3 replicates each
    assert len(summary) == 3 * 4 * 4 * 3
    assert set(summary["optimizer"]) == {"adam", "signum", "focus"}
    assert (summary["replicates"] == 3).all()
    for column in ("mean_final_loss", "mean_lowest_loss", "mean_furthest_progress", "diverged"):
        assert column in summary.columns
    assert (summary["mean_lowest_loss"] <= summary["mean_final_loss"] + 1e-6).all()


@pytest.mark.slow
def test_rerun_is_a_no_op_and_code_changes_rerun_what_they_touch(tiny_run: Path):
    args = ("--configfile", str(TINY), "--directory", str(tiny_run))
    assert planned_jobs(*args) == {}
    # Snakemake reruns a job when an input is newer and its checksum changed: edit a module.
    module = REPO / "src/physlearn/focus/valley/pairs_figure.py"
    text, stat = module.read_text(), module.stat()
    try:
        module.write_text(text + "# edited by a test\n")
        # newer than every output, however old the checkout's files are
        os.utime(module, (stat.st_atime, time.time() + 3600))
        # ... and, downstream, the scoreboard and the FOCUS notebook, not the other papers'.
        assert planned_jobs(*args) == {"all": 1, "valley_pairs_figure": 2, "scoreboard": 1, "paper": 1}
    finally:
        module.write_text(text)
        os.utime(module, (stat.st_atime, stat.st_mtime))


@pytest.mark.slow
def test_one_task_s_epochs_rerun_only_that_task_s_training_job(tiny_run: Path, tmp_path: Path):
    """The algorithmic tasks train one job per (family, task): a task's settings are its job's
    alone, so editing them reruns that job and the figures that read it."""
    edit = tmp_path / "edit.yaml"
    epochs = {"lattice": 3, "modular_addition": 3, "equivalence": 3, "genealogy": 4, "permutations": 3}
    edit.write_text(f"harmonic_algorithmic: {{mlp: {{epochs: {epochs}}}}}\n")
    jobs = planned_jobs("--configfile", str(TINY), str(edit), "--directory", str(tiny_run))
    assert jobs["harmonic_algorithmic_train"] == 1  # of 10
    # and the five figures: each records the section's settings, these epochs among them
    assert jobs["harmonic_algorithmic_figure"] == 5


def test_paper_config_plans_the_full_grid():
    jobs = planned_jobs("--configfile", str(REPO / "config/paper.yaml"))
    assert jobs["valley_shard"] == 2 * 24
    assert jobs["valley_merge"] == jobs["valley_figure"] == jobs["valley_pairs_figure"] == 2


def test_every_step_lists_the_package_files_its_command_runs(tmp_path: Path):
    """Each job's inputs hold the package files of the module its shell command runs (and,
    for the notebooks, of the notebook's imports): a rule that names another module, or
    none, would miss reruns."""
    out = snakemake(
        "-n",
        "--forceall",
        "-p",
        "--cores",
        "1",
        "--configfile",
        str(REPO / "config.yaml"),
        "--directory",
        str(tmp_path),
    ).stdout
    jobs = re.findall(r"^rule (\w+):\n    input: (.*?)\n.*?^Shell command: (.*?)$", out, re.M | re.S)
    checked = set()
    for rule, inputs, command in jobs:
        if rule == "all":  # no command: it only asks for the targets
            continue
        module = re.match(r"python -m (physlearn[\w.]*)", command)
        assert module, f"rule {rule} does not run a physlearn module: {command[:80]}"
        notebook = re.search(r"--notebook (\S+)", command)
        code = package_files([module.group(1)], scripts=[notebook.group(1)] if notebook else [])
        if rule in ("scoreboard", "paper"):  # they mark a paper-scale row stale when its experiment's code changed
            papers = [re.search(r"paper/(\w+)\.py", notebook.group(1)).group(1)] if notebook else PAPERS
            experiments = [key for key in figures.EXPERIMENTS if key[0] in papers]
            code += package_files([m for key in experiments for m in provenance.experiment_modules(*key)])
        listed = {s.strip() for s in inputs.split(",") if s.strip().startswith(str(REPO / "src"))}
        assert listed == set(code), f"rule {rule}: lists {sorted(listed ^ set(code))} wrongly"
        checked.add(rule)
    assert len(checked) >= 40, sorted(checked)  # every rule of the laptop DAG


DATA_RULES = {"shakespeare_archive", "text_tokens", "vision_data"}


def test_data_jobs_start_first_then_the_longest(tmp_path: Path):
    """Job order (workflow/rules/common.smk): the data jobs before all, since every GPT and
    MNIST job waits on them; then each training or sweep job by its declared runtime; the
    figure jobs, which take seconds, last. Planned as the README's laptop command plans it,
    with the default profile (whose every key snakemake must accept)."""
    out = snakemake(
        "-n",
        "--forceall",
        "--cores",
        "2",
        "--configfile",
        str(REPO / "config.yaml"),
        "--directory",
        str(tmp_path),
        "--workflow-profile",
        str(REPO / "workflow" / "profiles" / "default"),
    ).stdout
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", out):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        runtime = re.search(r"runtime=(\d+)", block)
        if rule and runtime:
            priority = re.search(r"^    priority: (\d+)", block, re.M)
            jobs.append((rule.group(1), int(priority.group(1)) if priority else 0, int(runtime.group(1))))
    data = [p for rule, p, _ in jobs if rule in DATA_RULES]
    others = [(rule, p, runtime) for rule, p, runtime in jobs if rule not in DATA_RULES]
    assert len(data) == 3 and min(data) > max(p for _, p, _ in others)
    ranked = [(rule, p, runtime) for rule, p, runtime in others if p > 0]
    # every training or sweep rule, by its name's ending, and at least these four
    trains = {rule for rule, _, _ in others if rule.endswith(("_train", "_runs", "_shard", "_labels", "_points"))}
    assert trains >= {"gpt_train", "harmonic_algorithmic_train", "fractal_labels", "mnist_shard"}
    assert {rule for rule, _, _ in ranked} >= trains, sorted(trains - {rule for rule, _, _ in ranked})
    assert all(p == runtime for _, p, runtime in ranked), [j for j in ranked if j[1] != j[2]]
    # (skills_geometry_figure and _modular_figure train their models: they are ranked)
    figure_jobs = [p for rule, p, _ in others if rule.endswith("figure") and "geometry" not in rule]
    assert figure_jobs and max(figure_jobs) == 0 < min(p for _, p, _ in ranked)


@pytest.mark.parametrize(
    "bad, key",
    [
        ("focus_valley: {replicates: two}", "focus_valley.replicates"),
        ("focus_valley: {replicatez: 2}", "'replicatez' was unexpected"),
        ("focus_valley: {sigma: {start: 0, stop: 3, num: -4}}", "focus_valley.sigma.num"),
        ("focus_valley: {sigma: abc}", "focus_valley.sigma"),
        ("seed: -1", "config key seed"),
        ("focus_valley: {shards: 100000}", "focus_valley.shards"),
        ("focus_valley: {lr: {start: 0, stop: 1, num: 3, scale: log}}", "focus_valley.lr"),
        ("skills_resource: {n0: {start: 0, stop: 1, num: 3, scale: log}}", "skills_resource.n0"),
        ("harmonic_algorithmic: {seeds: [0, 52, 52, 105, 157]}", "harmonic_algorithmic.seeds"),
    ],
)
def test_bad_config_stops_before_any_job_naming_the_key(tmp_path: Path, bad: str, key: str):
    config = tmp_path / "bad.yaml"
    config.write_text(bad + "\n")
    done = snakemake("-n", "--cores", "1", "--configfile", str(config), "--directory", str(tmp_path), check=False)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Invalid configuration" in output and key in output
    assert not (tmp_path / "results").exists()


def test_jobs_malloc_tunables_are_read_by_glibc():
    """glibc ignores a misspelt tunable without a word: ask its loader what it read."""
    loader = Path("/lib64/ld-linux-x86-64.so.2")
    if not loader.exists():
        pytest.skip("not an x86-64 glibc system: the jobs' GLIBC_TUNABLES do nothing here")
    common = (REPO / "workflow/rules/common.smk").read_text()
    tunables = re.search(r'MALLOC_TUNABLES = \(?\s*"([^"]+)"', common).group(1)
    assert re.search(r"export GLIBC_TUNABLES=.*\{MALLOC_TUNABLES\}", common)
    env = {**os.environ, "GLIBC_TUNABLES": tunables}
    listed = subprocess.run([str(loader), "--list-tunables"], env=env, capture_output=True, text=True).stdout
    read = dict(re.findall(r"^(glibc\.malloc\.\w+): (0x[0-9a-f]+)", listed, re.M))
    for setting in tunables.split(":"):
        name, value = setting.split("=")
        assert int(read[name], 16) == int(value), f"{name}: glibc read {read.get(name)}, we set {value}"


def test_lint_and_format():
    lint = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "."], cwd=REPO, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_python_lint_and_format(command):
    """ruff, configured in pyproject.toml, over the package, tests, benchmarks and notebooks."""
    done = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_describes_and_defaults_every_key():
    import yaml

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())

    def walk(node: dict, where: str):
        for name, prop in node.get("properties", {}).items():
            assert "description" in prop, f"{where}.{name} has no description"
            assert "default" in prop, f"{where}.{name} has no default"
            # an unquoted comma in a flow mapping ({..., description: a, b}) cuts the
            # description short and adds a key 'b' with no value; a null default is meant
            stray = [key for key, value in prop.items() if value is None and key != "default"]
            assert not stray, f"{where}.{name} has stray keys {stray}"
            walk(prop, f"{where}.{name}")

    walk(schema, "config")
