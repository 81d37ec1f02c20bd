# physlearn: FOCUS, harmonic loss and the physics of skill learning, from data to figures.
# Laptop scale: snakemake --cores all --workflow-profile workflow/profiles/default
# Paper scale on SLURM: snakemake --configfile config/paper.yaml --workflow-profile workflow/profiles/slurm
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/focus_valley.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/gpt.smk"
include: "workflow/rules/mnist.smk"
include: "workflow/rules/focus_gpt.smk"
include: "workflow/rules/skills_resource.smk"
include: "workflow/rules/skills_geometry.smk"
include: "workflow/rules/skills_networks.smk"
include: "workflow/rules/harmonic_algorithmic.smk"
include: "workflow/rules/harmonic_cases.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
