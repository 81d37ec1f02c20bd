# Fractal spec sections 3-4: the fractal trainability boundary, experiments E0-E10. Label
# jobs (cells x learning-rate ranges, bit-packed labels and #B per range), one counts job per
# experiment (#B(n) and alpha per cell), and the figure steps.


include: "fractal_boundary.functions.smk"


rule fractal_labels:
    input:
        code=package_sources("physlearn.fractal.boundary.labels"),
    output:
        "results/fractal/boundary/{experiment}/labels-{shard}-of-{n}.npz",
    log:
        "logs/fractal/boundary/{experiment}/labels-{shard}-of-{n}.log",
    benchmark:
        "results/timings/fractal/boundary/{experiment}/labels-{shard}-of-{n}.tsv"
    priority: fractal_runtime
    conda:
        "../../environment.yml"
    threads: FRACTAL["threads"]
    resources:
        mem_mb=fractal_mem_mb,
        runtime=fractal_runtime,
        gpu=FRACTAL["gpu"],
    params:
        config=fractal_config,
    shell:
        "python -m physlearn.fractal.boundary.labels --config {params.config:q}"
        " --experiment {wildcards.experiment} --shard {wildcards.shard} --output {output} 2> {log}"


rule fractal_counts:
    input:
        shards=fractal_shards,
        code=package_sources("physlearn.fractal.boundary.counts"),
    output:
        counts="results/fractal/boundary/{experiment}/counts.csv",
        labels="results/fractal/boundary/{experiment}/labels.npz",
    log:
        "logs/fractal/boundary/{experiment}/counts.log",
    benchmark:
        "results/timings/fractal/boundary/{experiment}/counts.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=fractal_config,
    shell:
        "python -m physlearn.fractal.boundary.counts --config {params.config:q} --experiment {wildcards.experiment}"
        " --output {output.counts} --labels {output.labels} {input.shards} 2> {log}"


rule fractal_counts_figure:
    input:
        counts=fractal_counts,
        code=package_sources("physlearn.fractal.boundary.counts_figure"),
    output:
        **figure_outputs(
            "{fig}", fig=registry.names("fractal", "boundary", "counts_figure")
        ),
    log:
        "logs/fractal/boundary/{fig}.log",
    benchmark:
        "results/timings/fractal/boundary/{fig}.tsv"
    wildcard_constraints:
        fig="|".join(registry.names("fractal", "boundary", "counts_figure")),
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=fractal_figure_config,
    shell:
        "python -m physlearn.fractal.boundary.counts_figure --config {params.config:q} --figure {wildcards.fig}"
        " {input.counts} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"


rule fractal_map_figure:
    input:
        counts=fractal_counts,
        code=package_sources("physlearn.fractal.boundary.map_figure"),
    output:
        **figure_outputs(
            "{fig}", fig=registry.names("fractal", "boundary", "map_figure")
        ),
    log:
        "logs/fractal/boundary/{fig}.log",
    benchmark:
        "results/timings/fractal/boundary/{fig}.tsv"
    wildcard_constraints:
        fig="|".join(registry.names("fractal", "boundary", "map_figure")),
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=fractal_figure_config,
    shell:
        "python -m physlearn.fractal.boundary.map_figure --config {params.config:q} --figure {wildcards.fig}"
        " {input.counts} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"


rule fractal_dimension_figure:
    input:
        counts=fractal_counts,
        code=package_sources("physlearn.fractal.boundary.dimension_figure"),
    output:
        **figure_outputs(
            "{fig}", fig=registry.names("fractal", "boundary", "dimension_figure")
        ),
    log:
        "logs/fractal/boundary/{fig}.log",
    benchmark:
        "results/timings/fractal/boundary/{fig}.tsv"
    wildcard_constraints:
        fig="|".join(registry.names("fractal", "boundary", "dimension_figure")),
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=fractal_figure_config,
    shell:
        "python -m physlearn.fractal.boundary.dimension_figure --config {params.config:q} --figure {wildcards.fig}"
        " {input.counts} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"


rule fractal_strip_figure:
    input:
        counts=fractal_counts,
        labels=fractal_labels,
        code=package_sources("physlearn.fractal.boundary.strip_figure"),
    output:
        **figure_outputs(
            "{fig}", fig=registry.names("fractal", "boundary", "strip_figure")
        ),
    log:
        "logs/fractal/boundary/{fig}.log",
    benchmark:
        "results/timings/fractal/boundary/{fig}.tsv"
    wildcard_constraints:
        fig="|".join(registry.names("fractal", "boundary", "strip_figure")),
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=fractal_figure_config,
    shell:
        "python -m physlearn.fractal.boundary.strip_figure --config {params.config:q} --figure {wildcards.fig}"
        " {input.counts} --labels {input.labels} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"
