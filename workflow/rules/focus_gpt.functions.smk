# The input, params and resources functions of focus_gpt.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

FOCUS_GPT_PANELS = ["adam", "signum", "schedules", "speedup"]


def focus_gpt_runs(wildcards):
    return gpt_run_outputs("focus")


def focus_gpt_run_dirs():
    return [f"results/gpt/focus/{run}" for run in config["focus_gpt"]["runs"]]


def focus_gpt_config():
    panels = {"panels": config["focus_gpt"]["panels"]}
    return step_config("focus_gpt", fragment=panels, root=("scale",))
