# The input, params and resources functions of harmonic_toy.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.


def harmonic_toy_config():
    return step_config("harmonic_toy", root=("seed", "scale"), paper=True)


def harmonic_toy_runtime(wildcards):
    from physlearn.harmonic.toy.resources import points_runtime

    return points_runtime(config["harmonic_toy"])
