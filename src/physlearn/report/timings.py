"""Measured wall times of the workflow's jobs, and the runtimes the rules declare for them.

    python -m physlearn.report.timings --results RUN --scale laptop   # or: paper
    python -m physlearn.report.timings --results RUN2 --scale paper --add   # a second run's jobs
    python -m physlearn.report.timings --estimate paper --cores 2   # how long a whole run takes
    python -m physlearn.report.timings --estimate paper --papers focus harmonic skills   # some papers' jobs

Every rule writes a snakemake benchmark file (``results/timings/<paper>/<experiment>/...tsv``).
This command gathers a finished run's files into ``docs/timings/<scale>.csv`` (job, seconds,
machine), so that the wall times are on record under version control and a test can hold
each rule's declared ``runtime`` to them (:func:`compare`): a SLURM job that asks for far
too little is killed, one that asks for far too much waits in the queue.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from physlearn.provenance import machine
from physlearn.sources import SRC

TIMINGS = "results/timings"
RECORDS = SRC.parent / "docs/timings"
# How each scale's run is made: its config files and targets (the paper scale without GPT-2 small).
RUNS = {
    "laptop": (["config.yaml"], ["all"]),
    "paper": (["config/paper.yaml", "config/paper-cpu.yaml"], ["cpu_figures"]),
}
FACTOR = 2.0  # a declared runtime within a factor 2 of the measured wall time
FLOOR_S = 60.0  # SLURM counts runtimes in minutes: a job under a minute counts as one
FOLLOW_UP_S = 60.0  # the jobs that wait on a run's longest job (merge, figure): 3-7 s each


def collect(results: Path | str) -> pd.DataFrame:
    """One row per benchmark file of a run: ``job`` (its path, as the rule names it) and ``seconds``."""
    root = Path(results)
    rows = [
        {
            "job": path.relative_to(root).as_posix(),
            "seconds": round(float(pd.read_csv(path, sep="\t")["s"].iloc[-1]), 2),
        }
        for path in sorted((root / TIMINGS).rglob("*.tsv"))
    ]
    return pd.DataFrame(rows, columns=["job", "seconds"])


def record(results: Path | str, scale: str, out: Path | str = RECORDS, add: bool = False) -> pd.DataFrame:
    """Write a run's wall times, with the machine, to ``out/<scale>.csv``; with ``add``, into
    the rows already there (a job measured again replaces its row), for a scale measured in
    several runs."""
    table = collect(results)
    if table.empty:
        raise ValueError(f"no benchmark files under {Path(results) / TIMINGS}: run the workflow there first")
    info = machine()
    table = table.assign(cpu=info["cpu"], cores=info["cores"], gpu=info["gpu"] or "")
    path = Path(out) / f"{scale}.csv"
    if add and path.exists():
        kept = pd.read_csv(path, keep_default_na=False)
        table = pd.concat([kept[~kept["job"].isin(table["job"])], table]).sort_values("job", ignore_index=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table


def declared(dry_run_output: str) -> dict[str, int]:
    """Each job's declared runtime in minutes, by its benchmark path, from ``snakemake -n``'s output."""
    runtimes, benchmark = {}, None
    for line in dry_run_output.splitlines():
        line = line.strip()
        if line.startswith("rule "):
            benchmark = None
        elif line.startswith("benchmark: "):
            benchmark = line.removeprefix("benchmark: ")
        elif line.startswith("resources: ") and benchmark is not None:
            match = re.search(r"\bruntime=(\d+)", line)
            if match:
                runtimes[benchmark] = int(match.group(1))
    return runtimes


def dry_run(scale: str, repo: Path = SRC.parent) -> dict[str, int]:
    """The declared runtimes of every job of a scale's run from scratch (``snakemake -n -F``)."""
    configfiles, targets = RUNS[scale]
    command = [sys.executable, "-m", "snakemake", "-n", "-F", "--cores", "2", "-s", str(repo / "Snakefile")]
    command += ["--directory", str(repo), "--configfile", *configfiles, "--", *targets]
    done = subprocess.run(command, capture_output=True, text=True, cwd=repo)
    if done.returncode != 0:
        raise RuntimeError(f"snakemake -n failed:\n{done.stderr[-2000:]}")
    return declared(done.stdout + done.stderr)


def estimate(
    scale: str,
    cores: int,
    records: Path | str = RECORDS,
    runtimes: dict[str, int] | None = None,
    papers: Sequence[str] | None = None,
):
    """How long a scale's whole run takes on ``cores`` one-core jobs: per benchmark folder
    (one experiment's jobs), its jobs' wall times (the recorded one where
    ``records/<scale>.csv`` has the job, else the declared runtime less the SLURM margin), and
    the makespan bounds max(total / cores, longest job) from below and, from above, Graham's
    bound for any schedule that never leaves a core idle while a job is ready: total / cores +
    (1 - 1 / cores) x the longest chain of jobs. The chain is taken as the longest job and
    :data:`FOLLOW_UP_S` for the merge and figure jobs that wait on it (seconds each).
    ``papers``: only the jobs of these papers (a folder's first part, e.g. ``skills``)."""
    from physlearn.resources import SAFETY

    runtimes = dry_run(scale) if runtimes is None else runtimes
    path = Path(records) / f"{scale}.csv"
    recorded = dict(pd.read_csv(path)[["job", "seconds"]].values) if path.exists() else {}
    table = pd.DataFrame(
        [
            {
                "folder": Path(job).parent.as_posix().removeprefix(TIMINGS + "/"),
                "measured": job in recorded,
                "seconds": recorded[job] if job in recorded else 60.0 * minutes / SAFETY,
            }
            for job, minutes in runtimes.items()
        ]
    )
    if papers is not None:
        table = table[table["folder"].str.split("/").str[0].isin(list(papers))]
        if table.empty:
            raise ValueError(f"no {scale}-scale jobs of the papers {list(papers)}")
    by_folder = table.groupby("folder").agg(
        jobs=("seconds", "size"), measured=("measured", "sum"), seconds=("seconds", "sum")
    )
    total, longest = float(table["seconds"].sum()), float(table["seconds"].max())
    bounds = (max(total / cores, longest), total / cores + (1 - 1 / cores) * (longest + FOLLOW_UP_S))
    return by_folder.sort_values("seconds", ascending=False), total, bounds


def compare(measured: pd.DataFrame, runtimes: dict[str, int]) -> pd.DataFrame:
    """Measured against declared, per job both know: ``ratio`` is the declared runtime over
    the measured wall time (at least :data:`FLOOR_S`); ``holds`` whether it is within :data:`FACTOR`."""
    table = measured[measured["job"].isin(runtimes)].copy()
    table["declared_s"] = [60.0 * runtimes[job] for job in table["job"]]
    table["ratio"] = table["declared_s"] / table["seconds"].clip(lower=FLOOR_S)
    table["holds"] = (table["ratio"] >= 1 / FACTOR) & (table["ratio"] <= FACTOR)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", help="the directory the run worked in")
    parser.add_argument("--scale", choices=("laptop", "paper"))
    parser.add_argument("--out", default=str(RECORDS))
    parser.add_argument("--add", action="store_true", help="add to the recorded jobs (replacing re-measured ones)")
    parser.add_argument("--estimate", choices=tuple(RUNS), help="print how long this scale's whole run takes")
    parser.add_argument("--cores", type=int, default=2, help="with --estimate: cores, one job each")
    parser.add_argument("--papers", nargs="+", help="with --estimate: only these papers' jobs (default: all)")
    args = parser.parse_args(argv)
    if args.estimate:
        by_folder, total, (low, high) = estimate(args.estimate, args.cores, args.out, papers=args.papers)
        print(by_folder.assign(hours=by_folder["seconds"] / 3600).round(2).to_string())
        print(f"{total / 3600:.1f} h of jobs: {low / 3600:.1f}-{high / 3600:.1f} h on {args.cores} cores")
        return
    if not (args.results and args.scale):
        parser.error("--results and --scale are needed to record a run")
    table = record(args.results, args.scale, args.out, args.add)
    print(f"{len(table)} jobs, {table['seconds'].sum() / 60:.1f} min of wall time in all", file=sys.stderr)


if __name__ == "__main__":
    main()
