# FOCUS spec section 3: the MNIST batch-size scan (Fig. 2c, 2d). One job per batch size
# trains every optimizer x replicate x learning rate network at once; a merge joins them.
# The digit set is data.vision.source (MNIST, or scikit-learn's 8x8 digits offline).


include: "focus_mnist.functions.smk"


wildcard_constraints:
    batch=r"\d+",
    panel="|".join(MNIST_PANELS),


rule mnist_shard:
    input:
        data=vision_dataset(),
        code=package_sources("physlearn.focus.mnist.shard"),
    output:
        f"{MNIST_RUNS}/batch-{{batch}}.npz",
    log:
        f"logs/focus/mnist/{VISION_SOURCE}/batch-{{batch}}.log",
    benchmark:
        f"results/timings/focus/mnist/{VISION_SOURCE}/batch-{{batch}}.tsv"
    priority: lambda wildcards: mnist_resources(wildcards)["runtime"]
    conda:
        "../../environment.yml"
    threads: config["focus_mnist"]["threads"]
    resources:
        mem_mb=lambda wildcards: mnist_resources(wildcards)["mem_mb"],
        runtime=lambda wildcards: mnist_resources(wildcards)["runtime"],
        gpu=config["focus_mnist"]["gpu"],
    params:
        config=mnist_config(),
    shell:
        "python -m physlearn.focus.mnist.shard --config {params.config:q} --data {input.data}"
        " --batch {wildcards.batch} --output {output} 2> {log}"


rule mnist_merge:
    input:
        shards=mnist_shards,
        code=package_sources("physlearn.focus.mnist.merge"),
    output:
        f"{MNIST_RUNS}/runs.csv",
    log:
        f"logs/focus/mnist/{VISION_SOURCE}/merge.log",
    benchmark:
        f"results/timings/focus/mnist/{VISION_SOURCE}/merge.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=mnist_config(),
    shell:
        "python -m physlearn.focus.mnist.merge --config {params.config:q} --output {output} {input.shards} 2> {log}"


rule mnist_figure:
    input:
        runs=f"{MNIST_RUNS}/runs.csv",
        code=package_sources("physlearn.focus.mnist.figure"),
    output:
        **figure_outputs("mnist_{panel}", panel=MNIST_PANELS),
    log:
        "logs/focus/mnist/figure_{panel}.log",
    benchmark:
        "results/timings/focus/mnist/figure_{panel}.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=mnist_config(paper=True),
    shell:
        "python -m physlearn.focus.mnist.figure --config {params.config:q} --panel {wildcards.panel}"
        " --runs {input.runs} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"
