import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

REPO = Path(workflow.basedir)
SRC = REPO / "src"

# Jobs run the package from this checkout (the sources that the rules list as inputs),
# whether or not it is pip-installed; SLURM jobs re-read this file and do the same.
sys.path.insert(0, str(SRC))
shell.prefix('export PYTHONPATH="' + str(SRC) + '${{PYTHONPATH:+:$PYTHONPATH}}"; ')

from physlearn.config import check_config, schema_errors

# Stop before any job starts, naming the offending keys; then fill in the defaults.
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
problems = schema_errors(config, SCHEMA)
if problems:
    raise WorkflowError("Invalid configuration:\n  " + "\n  ".join(problems))
validate(config, str(SCHEMA))
try:
    check_config(config)
except ValueError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None


def package_sources(*modules):
    """The package files a step imports, as inputs, so that a code change reruns exactly
    the steps it touches. Each name is a module file or a subpackage under src/physlearn.
    """
    files = [SRC / "physlearn/__init__.py"]
    for name in modules:
        path = SRC / "physlearn" / name
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise WorkflowError(f"package_sources: no such file {missing}")
    return [str(f) for f in files]


def json_param(value):
    """A config fragment as one shell-safe JSON argument (params compare it for reruns)."""
    return json.dumps(value, sort_keys=True)


# ----- FOCUS narrowing valley -----

VALLEY_SCANS = list(config["focus_valley"]["scans"])
VALLEY_CODE = ["runtime.py", "optim", "focus/__init__.py", "focus/valley.py"]
VALLEY_FIGURE_CODE = VALLEY_CODE + [
    "plotting.py",
    "claims.py",
    "focus/valley_analysis.py",
    "focus/valley_figure.py",
]


wildcard_constraints:
    scan="|".join(VALLEY_SCANS),
    shard=r"\d+",
    n=r"\d+",


def valley_config(wildcards):
    """Only what the scan depends on, so editing one scan does not rerun the other."""
    valley = dict(config["focus_valley"])
    valley["scans"] = {wildcards.scan: valley["scans"][wildcards.scan]}
    return json_param(
        {
            "seed": config["seed"],
            "device": config["device"],
            "scale": config["scale"],
            "focus_valley": valley,
        }
    )


def valley_shards(wildcards):
    n = config["focus_valley"]["shards"]
    return expand(
        "results/focus/valley/{scan}/shard-{shard}-of-{n}.npz",
        scan=wildcards.scan,
        shard=range(n),
        n=n,
    )


def valley_targets():
    return expand(
        "results/figures/focus/valley_{scan}{kind}.{ext}",
        scan=VALLEY_SCANS,
        kind=["", "_pairs"],
        ext=["pdf", "png", "csv", "claims.json"],
    )


# ----- The replication report (report.smk) -----
# The scoreboard and the notebooks find the figures in what `all` asks for: every
# results/figures/<paper>/... target. A new figure needs no edit here.

from physlearn.claims import PAPERS

SCOREBOARD_CODE = ["claims.py", "report/__init__.py", "report/scoreboard.py"]
NOTEBOOK_CODE = SCOREBOARD_CODE + ["report/views.py", "report/notebook.py"]


def figure_targets(suffix, paper=None):
    """The figure outputs that `all` asks for, ending in `suffix`, of one paper or all."""
    prefix = f"results/figures/{paper}/" if paper else "results/figures/"
    return [t for t in all_targets() if t.startswith(prefix) and t.endswith(suffix)]


def figure_claims(wildcards):
    return figure_targets(".claims.json")


def figure_pngs(wildcards):
    return figure_targets(".png")


def paper_notebook(wildcards):
    """The paper's notebook in this checkout (also when --directory runs elsewhere)."""
    return str(REPO / "paper" / f"{wildcards.paper}.py")


def paper_claims(wildcards):
    return figure_targets(".claims.json", paper=wildcards.paper)


def paper_figures(wildcards):
    """Every output of one paper's figures: the notebook shows them."""
    return figure_targets("", paper=wildcards.paper)


def report_targets():
    return [
        "results/claims.csv",
        "results/paper/index.html",
        *expand("results/paper/{paper}.html", paper=PAPERS),
    ]


def all_targets():
    return valley_targets() + report_targets()
