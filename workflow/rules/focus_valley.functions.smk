# The input, params and resources functions of focus_valley.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

VALLEY_SCANS = list(config["focus_valley"]["scans"])


wildcard_constraints:
    scan="|".join(VALLEY_SCANS),


def valley_config(wildcards, paper=False):
    """Only what the scan depends on, so editing one scan does not rerun the other."""

    def one_scan(valley):
        return {**valley, "scans": {wildcards.scan: valley["scans"][wildcards.scan]}}

    return step_config("focus_valley", fragment=one_scan, paper=paper)


def valley_figure_config(wildcards):
    return valley_config(wildcards, paper=True)


def valley_shards(wildcards):
    n = config["focus_valley"]["shards"]
    return expand(
        "results/focus/valley/{scan}/shard-{shard}-of-{n}.npz",
        scan=wildcards.scan,
        shard=range(n),
        n=n,
    )


def valley_shard_runtime(wildcards):
    from physlearn.focus.valley.resources import shard_runtime

    return shard_runtime(config["focus_valley"], wildcards.scan, int(wildcards.shard))
