# The input, params and resources functions of harmonic_gpt.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.


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
    """The analysis; for the record, also the runs' settings and data (as FOCUS Fig. 3)."""
    return step_config(
        "harmonic_gpt",
        root=("seed", "scale"),
        paper=True,
        gpt=lambda cfg: {"train": cfg["gpt"]["train"]},
        data=gpt_data,
    )
