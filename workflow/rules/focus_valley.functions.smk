# The input, params and resources functions of focus_valley.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

VALLEY_SCANS = list(config["focus_valley"]["scans"])


wildcard_constraints:
    scan="|".join(VALLEY_SCANS),


def valley_config(wildcards):
    """Only what the scan depends on, so editing one scan does not rerun the other."""
    valley = dict(config["focus_valley"])
    valley["scans"] = {wildcards.scan: valley["scans"][wildcards.scan]}
    return step_config("focus_valley", fragment=valley)


def valley_shards(wildcards):
    n = config["focus_valley"]["shards"]
    return expand(
        "results/focus/valley/{scan}/shard-{shard}-of-{n}.npz",
        scan=wildcards.scan,
        shard=range(n),
        n=n,
    )
