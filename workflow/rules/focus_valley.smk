# FOCUS spec section 2: narrowing-valley sweeps (Fig. 2a, 2b and the appendix maps).


include: "focus_valley.functions.smk"


rule valley_shard:
    input:
        code=package_sources("physlearn.focus.valley.shard"),
    output:
        "results/focus/valley/{scan}/shard-{shard}-of-{n}.npz",
    log:
        "logs/focus/valley/{scan}/shard-{shard}-of-{n}.log",
    benchmark:
        "results/timings/focus/valley/{scan}/shard-{shard}-of-{n}.tsv"
    priority: valley_shard_runtime
    conda:
        "../../environment.yml"
    threads: config["focus_valley"]["threads"]
    resources:
        mem_mb=2000,
        runtime=valley_shard_runtime,
    params:
        config=valley_config,
    shell:
        "python -m physlearn.focus.valley.shard --config {params.config:q}"
        " --scan {wildcards.scan} --shard {wildcards.shard} --output {output} 2> {log}"


rule valley_merge:
    input:
        shards=valley_shards,
        code=package_sources("physlearn.focus.valley.merge"),
    output:
        "results/focus/valley/{scan}/summary.csv",
    log:
        "logs/focus/valley/{scan}/merge.log",
    benchmark:
        "results/timings/focus/valley/{scan}/merge.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=valley_config,
    shell:
        "python -m physlearn.focus.valley.merge --config {params.config:q}"
        " --scan {wildcards.scan} --output {output} {input.shards} 2> {log}"


rule valley_figure:
    input:
        summary="results/focus/valley/{scan}/summary.csv",
        code=package_sources("physlearn.focus.valley.figure"),
    output:
        **figure_outputs("valley_{scan}", scan=VALLEY_SCANS),
    log:
        "logs/focus/valley/{scan}/figure.log",
    benchmark:
        "results/timings/focus/valley/{scan}/figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=valley_figure_config,
    shell:
        "python -m physlearn.focus.valley.figure --config {params.config:q} --scan {wildcards.scan}"
        " --summary {input.summary} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"


rule valley_pairs_figure:
    input:
        summary="results/focus/valley/{scan}/summary.csv",
        code=package_sources("physlearn.focus.valley.pairs_figure"),
    output:
        **figure_outputs("valley_{scan}_pairs"),
    log:
        "logs/focus/valley/{scan}/pairs_figure.log",
    benchmark:
        "results/timings/focus/valley/{scan}/pairs_figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=valley_figure_config,
    shell:
        "python -m physlearn.focus.valley.pairs_figure --config {params.config:q} --scan {wildcards.scan}"
        " --summary {input.summary} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"
