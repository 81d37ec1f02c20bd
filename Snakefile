# physlearn: FOCUS, harmonic loss and the physics of skill learning, from data to figures.
# Laptop scale: snakemake --cores all --workflow-profile workflow/profiles/default
# Paper scale on SLURM: snakemake --configfile config/paper.yaml --workflow-profile workflow/profiles/slurm
# A figure's rules are in workflow/rules/<paper>_<experiment>.smk, its code in
# src/physlearn/<paper>/<experiment>/ (the list of figures: src/physlearn/figures.py).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/gpt.smk"
include: "workflow/rules/focus_valley.smk"
include: "workflow/rules/focus_mnist.smk"
include: "workflow/rules/focus_gpt.smk"
include: "workflow/rules/harmonic_toy.smk"
include: "workflow/rules/harmonic_algorithmic.smk"
include: "workflow/rules/harmonic_mnist.smk"
include: "workflow/rules/harmonic_gpt.smk"
include: "workflow/rules/skills_parity.smk"
include: "workflow/rules/skills_geometry.smk"
include: "workflow/rules/skills_resource.smk"
include: "workflow/rules/skills_domino.smk"
include: "workflow/rules/fractal_boundary.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),


# The paper-scale snapshot's run (docs/paper-scale/): every figure a CPU can carry, e.g.
# snakemake --cores 2 --configfile config/paper.yaml config/paper-cpu.yaml -- cpu_figures
rule cpu_figures:
    input:
        registry.cpu_targets(),
