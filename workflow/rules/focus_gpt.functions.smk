# The input, params and resources functions of focus_gpt.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

FOCUS_GPT_PANELS = ["adam", "signum", "schedules", "speedup"]


def focus_gpt_runs(wildcards):
    return gpt_run_outputs("focus")


def focus_gpt_run_dirs():
    return [f"results/gpt/focus/{run}" for run in config["focus_gpt"]["runs"]]


def gpt_data(cfg):
    """The corpus and tokenizer the GPT runs train on (their settings, for the record)."""
    data = cfg["data"]
    return {"text": {"source": data["text"]["source"]}, "tokenizer": data["tokenizer"]}


def focus_gpt_config():
    """The panels; for the record, also the runs' settings (gpt.train, focus_gpt.train and
    runs) and data."""
    return step_config(
        "focus_gpt",
        root=("scale",),
        paper=True,
        gpt=lambda cfg: {"train": cfg["gpt"]["train"]},
        data=gpt_data,
    )
