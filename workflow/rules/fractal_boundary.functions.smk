# The input, params and resources functions of fractal_boundary.smk (snakemake --lint wants
# them apart from the rules), with the constants they share.
from physlearn.fractal.boundary import design as fractal_design
from physlearn.fractal.boundary import resources as fractal_resources

FRACTAL = config["fractal_boundary"]
FRACTAL_EXPERIMENTS = list(fractal_design.EXPERIMENTS)
FRACTAL_RUN_KEYS = ("threads", "workers", "piece", "chunk_size", "width")
FRACTAL_RESULT_KEYS = ("level", "dims", "columns", "bounds")
# figure -> the experiments whose counts it reads
FRACTAL_FIGURE_EXPERIMENTS = {
    "fractal_segments": ["segments"],
    "fractal_strip": ["E10"],
    "fractal_counts_additive": ["E1"],
    "fractal_counts_multiplicative": ["E1", "E2"],
    "fractal_quadratic": ["E0"],
    "fractal_map_additive": ["E3"],
    "fractal_map_multiplicative": ["E4"],
    "fractal_two_cosines": ["E6"],
    "fractal_bound": ["E5"],
    "fractal_roughness_additive": ["E3"],
    "fractal_roughness_multiplicative": ["E4"],
    "fractal_dimension_additive": ["E7"],
    "fractal_dimension_multiplicative": ["E8"],
    "fractal_initial_additive": ["E9"],
    "fractal_initial_multiplicative": ["E9"],
}


wildcard_constraints:
    experiment="|".join(FRACTAL_EXPERIMENTS),


def fractal_config(wildcards):
    """A label or counts job's slice: how jobs run, and its own experiment only."""

    def one(section):
        return {
            **{k: section[k] for k in FRACTAL_RUN_KEYS},
            "experiments": {
                wildcards.experiment: section["experiments"][wildcards.experiment]
            },
        }

    return step_config("fractal_boundary", fragment=one)


def fractal_figure_config(wildcards):
    """A figure's slice: the result-deciding settings of the experiments it reads, with
    the paper's (its settings record)."""

    def reads(section):
        return {
            "experiments": {
                e: {
                    k: v
                    for k, v in section["experiments"][e].items()
                    if k in FRACTAL_RESULT_KEYS
                }
                for e in FRACTAL_FIGURE_EXPERIMENTS[wildcards.fig]
            }
        }

    return step_config("fractal_boundary", fragment=reads, paper=True)


def fractal_shards(wildcards):
    n = fractal_design.n_shards(FRACTAL, wildcards.experiment)
    return expand(
        "results/fractal/boundary/{experiment}/labels-{shard}-of-{n}.npz",
        experiment=wildcards.experiment,
        shard=range(n),
        n=n,
    )


def fractal_counts(wildcards):
    return [
        f"results/fractal/boundary/{e}/counts.csv"
        for e in FRACTAL_FIGURE_EXPERIMENTS[wildcards.fig]
    ]


def fractal_labels(wildcards):
    return [
        f"results/fractal/boundary/{e}/labels.npz"
        for e in FRACTAL_FIGURE_EXPERIMENTS[wildcards.fig]
    ]


def fractal_runtime(wildcards):
    return fractal_resources.label_minutes(
        FRACTAL, wildcards.experiment, int(wildcards.shard)
    )


def fractal_mem_mb(wildcards):
    return fractal_resources.label_mem_mb(FRACTAL, wildcards.experiment)
