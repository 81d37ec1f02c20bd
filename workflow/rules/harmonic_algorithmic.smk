# Harmonic spec sections 2 and 3: the algorithmic tasks. One job per (model family, task)
# trains all runs of the task as one batched program per training-set size (seeds, standard
# and harmonic, Fig. 3b's train fractions); the figures read them. Fig. 4 is its own job.
# Each job has its own folder: its checkpoints live there and go when it finishes.


include: "harmonic_algorithmic.functions.smk"


rule harmonic_algorithmic_train:
    input:
        code=package_sources("physlearn.harmonic.algorithmic.train"),
    output:
        "results/harmonic/algorithmic/{family}/{task}/runs.npz",
    log:
        "logs/harmonic/algorithmic/{family}/{task}.log",
    benchmark:
        "results/timings/harmonic/algorithmic/{family}/{task}.tsv"
    wildcard_constraints:
        family="|".join(HARMONIC_ALGO_FAMILIES),
        task="|".join(HARMONIC_ALGO["tasks"]),
    priority: harmonic_algo_runtime
    conda:
        "../../environment.yml"
    threads: HARMONIC_ALGO["threads"]
    resources:
        mem_mb=3000,
        runtime=harmonic_algo_runtime,
        gpu=HARMONIC_ALGO["gpu"],
    params:
        config=harmonic_algo_train_config,
    shell:
        "python -m physlearn.harmonic.algorithmic.train --config {params.config:q}"
        " --family {wildcards.family} --outputs {output:q} 2> {log}"


rule harmonic_algorithmic_figure:
    input:
        runs=harmonic_algo_runs,
        code=package_sources("physlearn.harmonic.algorithmic.figure"),
    output:
        **figure_outputs("algorithmic_{figure}", figure=HARMONIC_ALGO_FIGURES),
    log:
        "logs/harmonic/algorithmic/figure_{figure}.log",
    benchmark:
        "results/timings/harmonic/algorithmic/figure_{figure}.tsv"
    wildcard_constraints:
        figure="|".join(HARMONIC_ALGO_FIGURES),
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=harmonic_algo_figure_config(),
    shell:
        "python -m physlearn.harmonic.algorithmic.figure --config {params.config:q} --figure {wildcards.figure}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims}"
        " {input.runs} 2> {log}"


rule harmonic_modular_case_train:
    input:
        code=package_sources("physlearn.harmonic.algorithmic.modular_case_train"),
    output:
        "results/harmonic/modular_case/runs.npz",
    log:
        "logs/harmonic/modular_case/train.log",
    benchmark:
        "results/timings/harmonic/algorithmic/modular_case_train.tsv"
    priority: harmonic_algo_case_runtime
    conda:
        "../../environment.yml"
    threads: HARMONIC_ALGO["threads"]
    resources:
        mem_mb=2000,
        runtime=harmonic_algo_case_runtime,
        gpu=HARMONIC_ALGO["gpu"],
    params:
        config=harmonic_algo_case_config(),
    shell:
        "python -m physlearn.harmonic.algorithmic.modular_case_train --config {params.config:q} --output {output} 2> {log}"


rule harmonic_modular_case_figure:
    input:
        runs="results/harmonic/modular_case/runs.npz",
        code=package_sources("physlearn.harmonic.algorithmic.modular_case_figure"),
    output:
        **figure_outputs("modular_case"),
    log:
        "logs/harmonic/modular_case/figure.log",
    benchmark:
        "results/timings/harmonic/algorithmic/modular_case_figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=harmonic_algo_case_config(paper=True),
    shell:
        "python -m physlearn.harmonic.algorithmic.modular_case_figure --config {params.config:q} --runs {input.runs}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
