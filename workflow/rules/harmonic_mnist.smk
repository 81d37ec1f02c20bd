# Harmonic spec section 4: Fig. 5, one-layer digit classifiers, harmonic against linear,
# every replicate of both models trained in one job on the digit set data.vision.source.


include: "harmonic_mnist.functions.smk"


rule harmonic_mnist_train:
    input:
        data=vision_dataset(),
        code=package_sources("physlearn.harmonic.mnist.train"),
    output:
        HARMONIC_MNIST_RUNS,
    log:
        f"logs/harmonic/mnist/{VISION_SOURCE}/train.log",
    benchmark:
        f"results/timings/harmonic/mnist/{VISION_SOURCE}/train.tsv"
    priority: harmonic_mnist_runtime
    conda:
        "../../environment.yml"
    threads: config["harmonic_mnist"]["threads"]
    resources:
        mem_mb=4000,
        runtime=harmonic_mnist_runtime,
        gpu=config["harmonic_mnist"]["gpu"],
    params:
        config=harmonic_mnist_config(),
    shell:
        "python -m physlearn.harmonic.mnist.train --config {params.config:q} --data {input.data}"
        " --output {output} 2> {log}"


rule harmonic_mnist_figure:
    input:
        data=vision_dataset(),
        runs=HARMONIC_MNIST_RUNS,
        code=package_sources("physlearn.harmonic.mnist.figure"),
    output:
        **figure_outputs("mnist_weights"),
    log:
        f"logs/harmonic/mnist/{VISION_SOURCE}/figure.log",
    benchmark:
        f"results/timings/harmonic/mnist/{VISION_SOURCE}/figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=harmonic_mnist_config(paper=True),
    shell:
        "python -m physlearn.harmonic.mnist.figure --config {params.config:q} --data {input.data}"
        " --runs {input.runs} --pdf {output.pdf} --png {output.png} --table {output.table}"
        " --claims {output.claims} 2> {log}"
