# The resources functions of skills_parity.smk (snakemake --lint wants them apart from the
# rules).


def skills_parity_runtime(wildcards):
    from physlearn.skills.parity.resources import runs_runtime

    return runs_runtime(
        config["skills_networks"]["parity"], wildcards.parity_experiment
    )
