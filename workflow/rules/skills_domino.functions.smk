# The resources functions of skills_domino.smk (snakemake --lint wants them apart from the
# rules).


def skills_grokking_runtime(wildcards):
    from physlearn.skills.domino.resources import grokking_runtime

    return grokking_runtime(config["skills_networks"]["grokking"])


def skills_modularity_runtime(wildcards):
    from physlearn.skills.domino.resources import modularity_runtime

    return modularity_runtime(config["skills_networks"]["modularity"])
