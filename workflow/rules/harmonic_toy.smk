# Harmonic spec section 3: Fig. 1, a 2-D classifier of a few points (seconds).


include: "harmonic_toy.functions.smk"


rule harmonic_toy_points:
    input:
        code=package_sources("physlearn.harmonic.toy.figure"),
    output:
        **figure_outputs("toy_points"),
    log:
        "logs/harmonic/toy_points.log",
    benchmark:
        "results/timings/harmonic/toy/toy_points.tsv"
    priority: harmonic_toy_runtime
    conda:
        "../../environment.yml"
    threads: config["harmonic_toy"]["threads"]
    resources:
        mem_mb=1000,
        runtime=harmonic_toy_runtime,
    params:
        config=harmonic_toy_config(),
    shell:
        "python -m physlearn.harmonic.toy.figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
