# Used by every rules file: the config check, the code inputs of a step, the config slice
# a step reads, and the outputs of a figure from its row in physlearn.figures. The rules of
# an experiment are in <paper>_<experiment>.smk, its input functions beside them in
# <paper>_<experiment>.functions.smk (snakemake --lint wants rules and functions apart).
import json
import os
import re
import sys
from pathlib import Path

import yaml

from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config

REPO = Path(workflow.basedir)
SRC = REPO / "src"

# Jobs run the package from this checkout (the sources that the rules list as inputs),
# whether or not it is pip-installed; SLURM jobs re-read this file and do the same.
sys.path.insert(0, str(SRC))
# glibc's malloc hands a freed tensor of a few MB back to the kernel and faults it in again
# at the next step: a laptop GPT job spent a quarter of its time in the kernel doing so.
# These tunables keep such memory in the process (same numbers; docs/benchmarks.md,
# "Allocator"). Other C libraries ignore the variable.
MALLOC_TUNABLES = (
    "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=536870912"
)
# Each variable keeps its earlier value (braces doubled: Snakemake formats the command).
KEEP_PYTHONPATH = "${{PYTHONPATH:+:$PYTHONPATH}}"
KEEP_TUNABLES = "${{GLIBC_TUNABLES:+$GLIBC_TUNABLES:}}"
shell.prefix(
    f'export PYTHONPATH="{SRC}{KEEP_PYTHONPATH}"; '
    f'export GLIBC_TUNABLES="{KEEP_TUNABLES}{MALLOC_TUNABLES}"; '
)

from physlearn import figures as registry
from physlearn.claims import PAPERS
from physlearn.config import check_config, schema_errors
from physlearn.sources import package_files

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


wildcard_constraints:
    shard=r"\d+",
    n=r"\d+",


def package_sources(*modules):
    """The package files that `python -m <module>` runs: the modules and all they import
    (physlearn.sources reads the import statements), as inputs, so that a code change
    reruns exactly the steps it touches."""
    try:
        return package_files(modules)
    except FileNotFoundError as error:
        raise WorkflowError(f"package_sources: {error}") from None


def json_param(value):
    """A config fragment as one shell-safe JSON argument (params compare it for reruns)."""
    return json.dumps(value, sort_keys=True)


# Job order (the `priority` of the rules): among the jobs that are ready, Snakemake starts the
# highest first. The long jobs (training, sweeps) take their declared runtime in minutes, so
# the longest start first and the short figure jobs fill the cores at the end (longest-first
# list scheduling, which keeps one long job from running alone while the other cores idle).
# The data rules go before all: every GPT and MNIST job waits for them (a laptop run that
# tokenised the text last left its ten GPT jobs to the end, one core idle for 66 s).
UNLOCKS_CHAINS = 1000


def paper_config():
    """The settings `--configfile config/paper.yaml` runs with: config.yaml overlaid by it,
    with the schema's defaults. Figure steps compare their own slice with it."""
    paper = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(paper, yaml.safe_load((REPO / "config/paper.yaml").read_text()))
    validate(paper, str(SCHEMA))
    return paper


PAPER_CONFIG = paper_config()


def step_config(
    section,
    *keys,
    fragment=None,
    root=("seed", "device", "scale"),
    paper=False,
    **extra,
):
    """The slice of the config a step reads, as a JSON argument: the `root` keys, the
    section's `keys` (all of it when none are named; `fragment(section)` when given) and
    `extra` (a value, or a function of the config). Only what the step reads, so that
    editing another part does not rerun it. With `paper`, for figure steps, the same slice
    of the paper's settings too, under "paper" (the figure records how they differ)."""

    def part(cfg):
        section_config = cfg[section]
        if fragment is not None:
            value = fragment(section_config)
        else:
            value = {k: section_config[k] for k in keys} if keys else section_config
        more = {k: v(cfg) if callable(v) else v for k, v in extra.items()}
        return {section: value, **more}

    value = {**{key: config[key] for key in root}, **part(config)}
    if paper:
        value["paper"] = part(PAPER_CONFIG)
    return json_param(value)


def figure_rows(name, **values):
    """The rows of physlearn.figures named `name`; a name with {wildcards} matches the
    rows of one step, the wildcard taking any value or one of `values[wildcard]`."""

    def wildcard(match):
        options = values.get(match.group(1))
        return "(" + "|".join(map(re.escape, options)) + ")" if options else ".+"

    pattern = re.sub(r"\\\{(\w+)\\\}", wildcard, re.escape(name))
    rows = [f for f in registry.FIGURES if re.fullmatch(pattern, f.name)]
    if not rows or len({(f.step, f.caption) for f in rows}) != 1:
        raise WorkflowError(f"figure {name!r}: matches {[f.name for f in rows]}")
    return rows


def figure_outputs(name, **values):
    """PDF, PNG (in the report, with its row's category and caption), table and claims."""
    row = figure_rows(name, **values)[0]
    stem = f"results/figures/{row.paper}/{name}"
    return {
        "pdf": f"{stem}.pdf",
        "png": report(
            f"{stem}.png",
            category=registry.PAPER_TITLES[row.paper],
            subcategory=row.heading,
            caption=f"../report/{row.caption}",
        ),
        "table": f"{stem}.csv",
        "claims": f"{stem}.claims.json",
    }


def all_targets():
    """Every figure of physlearn.figures, and the report built from them (report.smk)."""
    return registry.all_targets() + report_targets()
