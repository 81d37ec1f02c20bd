# The input, params and resources functions of skills_geometry.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

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

from physlearn.skills.geometry.scaling_runs import scaling_n_params

if SKILLS_GEOMETRY_SCALING["shards"] > len(scaling_n_params(SKILLS_GEOMETRY_SCALING)):
    raise WorkflowError(
        "Invalid configuration: config key skills_geometry.scaling.shards: more shards than N values"
    )


def skills_geometry_json(part, paper=False):
    return step_config("skills_geometry", "threads", part, paper=paper)


def skills_geometry_figure_config(wildcards):
    return skills_geometry_json(wildcards.geometry_figure, paper=True)


def skills_geometry_shard_files(wildcards):
    return expand(
        SKILLS_GEOMETRY_SHARD_OUTPUTS,
        shard=range(SKILLS_GEOMETRY_SCALING["shards"]),
        n=SKILLS_GEOMETRY_SCALING["shards"],
    )


def skills_geometry_shard_resources(wildcards):
    from physlearn.skills.geometry.resources import scaling_shard_resources

    return scaling_shard_resources(SKILLS_GEOMETRY_SCALING, int(wildcards.shard))


def skills_geometry_figure_runtime(wildcards):
    from physlearn.skills.geometry.resources import figure_runtime

    figure = wildcards.geometry_figure
    return figure_runtime(config["skills_geometry"][figure], figure)


def skills_geometry_modular_runtime(wildcards):
    from physlearn.skills.geometry.resources import modular_runtime

    return modular_runtime(config["skills_geometry"]["modular"])
