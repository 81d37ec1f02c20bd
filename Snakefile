# physlearn: FOCUS, harmonic loss and the physics of skill learning, from data to figures.
# Laptop scale: snakemake --cores all
# Paper scale on SLURM: snakemake --configfile config/paper.yaml --workflow-profile workflow/profiles/slurm
from snakemake.utils import min_version, validate


min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


conda: "environment.yml"


include: "workflow/rules/focus_valley.smk"


rule all:
    input:
        all_targets(),
    default_target: True
