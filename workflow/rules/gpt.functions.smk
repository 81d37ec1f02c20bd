# The input, params and resources functions of gpt.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

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
