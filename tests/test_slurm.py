"""The FOCUS valley part of the workflow, run through a real one-node SLURM cluster.

tests/slurm_cluster.sh makes the cluster (it installs slurm-wlm and munge when run as
root). Without a cluster the test is skipped, except in CI (CI=true), where it fails.

snakemake runs in a temporary directory with the repository's SLURM profile
(workflow/profiles/slurm) plus only the overrides a localhost cluster without accounting
needs. The test then checks that every rule of the valley DAG was submitted to SLURM (its
per-job SLURM log exists) and that the shards were computed inside SLURM jobs (their
metadata holds the SLURM job id of that log).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLUSTER_SCRIPT = REPO / "tests" / "slurm_cluster.sh"
SLURM_PROFILE = REPO / "workflow" / "profiles" / "slurm"
TINY_CONFIG = REPO / "tests" / "data" / "tiny.yaml"

# Every rule between the shards and the figures runs as a SLURM job.
SLURM_RULES = {"valley_shard", "valley_merge", "valley_figure", "valley_pairs_figure"}
# One scan is enough to run each of them (both scans take the same path through the
# DAG, and the localhost node has few CPUs): about a minute.
SNAKEMAKE_TIMEOUT_S = 420

pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def _no_cluster(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and no SLURM cluster could be had: {reason}")
    pytest.skip(f"no SLURM cluster: {reason}")


@pytest.fixture(scope="module")
def slurm_cluster() -> None:
    """A one-node SLURM cluster on localhost (partition `debug`), or skip/fail."""
    if shutil.which("bash") is None:
        _no_cluster("bash not found")
    try:
        proc = subprocess.run(
            ["bash", str(CLUSTER_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=900,  # a fresh machine installs slurm-wlm and munge first
        )
    except subprocess.TimeoutExpired as exc:
        _no_cluster(f"{CLUSTER_SCRIPT.name} timed out after {exc.timeout}s")
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        _no_cluster(f"{CLUSTER_SCRIPT.name} exited with {proc.returncode}:\n{tail}")


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run a command; on timeout interrupt it (snakemake then scancels its jobs)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=SNAKEMAKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        pytest.fail(f"snakemake did not finish within {SNAKEMAKE_TIMEOUT_S}s:\n{out[-8000:]}")
    return proc.returncode, out


def test_valley_figures_through_slurm(slurm_cluster, tmp_path):
    tiny = yaml.safe_load(TINY_CONFIG.read_text())
    scan = next(iter(tiny["focus_valley"]["scans"]))
    n = tiny["focus_valley"]["shards"]
    figures = tmp_path / "results" / "figures" / "focus"
    targets = [f"results/figures/focus/valley_{scan}{kind}.png" for kind in ("", "_pairs")]

    env = dict(os.environ)
    # Jobs inherit this environment (sbatch --export=ALL): the rules' `python` must be
    # the interpreter that runs the tests, also when its venv is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(TINY_CONFIG),
        "--workflow-profile",
        str(SLURM_PROFILE),
        # The localhost cluster: partition `debug`, no accounting. Replacing
        # default-resources drops the profile's placeholder partition and account (an
        # account cannot be validated without accounting); the profile's set-resources
        # per rule still apply.
        "--default-resources",
        "slurm_partition=debug",
        "runtime=10",
        "mem_mb=1000",
        # sacct does not work without accounting: without this the run waits forever.
        "--slurm-status-command",
        "squeue",
        # The plugin polls after this many seconds, then waits 10 s longer after each
        # poll that finds nothing finished (and once more before exiting). A job of the
        # tiny config takes 8-18 s on the 2-CPU node, so 20 s catches most in one poll.
        # (Keep it below MinJobAge/3 = 100 s, or the plugin switches back to sacct.)
        "--slurm-init-seconds-before-status-checks",
        "20",
        "--slurm-keep-successful-logs",
        "--latency-wait",
        "10",
        *targets,
    ]
    rc, out = _run(cmd, cwd=tmp_path, env=env)
    assert rc == 0, f"snakemake failed ({rc}):\n{out[-8000:]}"

    # The figures and their tables.
    for kind in ("", "_pairs"):
        for ext in ("pdf", "png", "csv", "claims.json"):
            path = figures / f"valley_{scan}{kind}.{ext}"
            assert path.is_file() and path.stat().st_size > 0, f"missing {path}"

    # Each rule ran as SLURM jobs: the plugin writes one log per job under
    # .snakemake/slurm_logs/rule_<rule>/<wildcards>/<slurm job id>.log.
    slurm_logs = tmp_path / ".snakemake" / "slurm_logs"
    logs = {rule: sorted((slurm_logs / f"rule_{rule}").rglob("*.log")) for rule in SLURM_RULES}
    missing = sorted(rule for rule, files in logs.items() if not files)
    assert not missing, f"no SLURM job logs for {missing}:\n{out[-8000:]}"
    assert len(logs["valley_shard"]) == n, logs["valley_shard"]
    assert "localrule valley" not in out, "a valley rule ran outside SLURM"

    # The shards were computed inside the SLURM job whose log is theirs.
    for shard in range(n):
        npz = tmp_path / "results" / "focus" / "valley" / scan / f"shard-{shard}-of-{n}.npz"
        meta = json.loads(str(np.load(npz)["meta"]))
        job_id = meta.get("slurm_job_id")
        assert job_id is not None, f"{npz} was not written in a SLURM job: {meta}"
        log_dir = slurm_logs / "rule_valley_shard" / f"{scan}_{shard}_{n}"
        assert (log_dir / f"{job_id}.log").is_file(), (
            f"{npz} says SLURM job {job_id}, but {log_dir} holds {sorted(p.name for p in log_dir.glob('*'))}"
        )


def test_cluster_script_does_not_take_a_reused_pid_for_a_daemon(tmp_path):
    """A pid file left by a killed slurmctld can name an unrelated live process (CI, stop 28:
    the script then waited for a controller it never started). `daemon_alive` must say no
    to it, and yes to a pid file naming a process of that name."""
    text = CLUSTER_SCRIPT.read_text()
    start = text.index("daemon_alive() {")
    function = text[start : text.index("\n}\n", start) + 3]
    other = subprocess.Popen(["sleep", "60"])
    try:
        pidfile = tmp_path / "slurmctld.pid"
        pidfile.write_text(f"{other.pid}\n")
        missing = tmp_path / "gone.pid"

        def alive(path: Path, name: str) -> bool:
            script = f'{function}\ndaemon_alive "{path}" {name}'
            return subprocess.run(["bash", "-c", script]).returncode == 0

        assert not alive(pidfile, "slurmctld")  # the live process is `sleep`
        assert alive(pidfile, "sleep")
        assert not alive(missing, "slurmctld")
        pidfile.write_text("not a pid\n")
        assert not alive(pidfile, "sleep")
    finally:
        other.kill()
        other.wait()
