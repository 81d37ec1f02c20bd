# The input, params and resources functions of skills_resource.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

SKILLS_RESOURCE_DIR = "results/skills/resource"
SKILLS_RESOURCE_STUDIES = ["ablations", "sweeps"]
# Figure name -> the config parts its step reads (so editing one part reruns only its figures).
SKILLS_RESOURCE_FIGURES = {
    "resource_n0": ["n0", "geometry"],
    "resource_collapse": ["n0", "geometry", "sweeps"],
    "resource_underparam": ["underparam"],
    "resource_parity": ["gating"],
    "resource_graphs": ["graphs"],
}
SKILLS_PARITY_COMPOSITIONAL = "results/skills/parity/compositional.csv"


def skills_resource_json(parts, paper=False):
    keys = ("seeds", "threads", "record_every", *parts)
    return step_config("skills_resource", *keys, root=("seed", "scale"), paper=paper)


def skills_resource_fit_config(wildcards):
    parts = ["n0", "geometry"] + (["sweeps"] if wildcards.study == "sweeps" else [])
    return skills_resource_json(parts)


def skills_resource_figure_config(name):
    return skills_resource_json(SKILLS_RESOURCE_FIGURES[name], paper=True)
