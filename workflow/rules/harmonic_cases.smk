# Harmonic-loss case studies: Fig. 1 (toy points, spec section 3), Fig. 5 (one-layer digit
# classifiers, section 4) and Fig. 6 (word-analogy parallelograms in the token embeddings of
# a standard and a harmonic GPT, section 5; the GPTs are trained by gpt.smk's gpt_train, one
# job per run of harmonic_gpt.runs).


rule harmonic_toy_points:
    input:
        code=package_sources("physlearn.harmonic.toy.figure"),
    output:
        pdf="results/figures/harmonic/toy_points.pdf",
        png=report(
            "results/figures/harmonic/toy_points.png",
            category="Harmonic loss",
            subcategory="Case studies",
            caption="../report/harmonic_toy.rst",
        ),
        table="results/figures/harmonic/toy_points.csv",
        claims="results/figures/harmonic/toy_points.claims.json",
    log:
        "logs/harmonic/toy_points.log",
    conda:
        "../../environment.yml"
    threads: config["harmonic_toy"]["threads"]
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        config=harmonic_toy_config(),
    shell:
        "python -m physlearn.harmonic.toy.figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule harmonic_mnist_train:
    input:
        data=vision_dataset(),
        code=package_sources("physlearn.harmonic.mnist.train"),
    output:
        HARMONIC_MNIST_RUNS,
    log:
        f"logs/harmonic/mnist/{MNIST_DATASET}/train.log",
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
        pdf="results/figures/harmonic/mnist_weights.pdf",
        png=report(
            "results/figures/harmonic/mnist_weights.png",
            category="Harmonic loss",
            subcategory="Case studies",
            caption="../report/harmonic_mnist.rst",
        ),
        table="results/figures/harmonic/mnist_weights.csv",
        claims="results/figures/harmonic/mnist_weights.claims.json",
    log:
        f"logs/harmonic/mnist/{MNIST_DATASET}/figure.log",
    conda:
        "../../environment.yml"
    params:
        config=harmonic_mnist_config(),
    shell:
        "python -m physlearn.harmonic.mnist.figure --config {params.config:q} --data {input.data}"
        " --runs {input.runs} --pdf {output.pdf} --png {output.png} --table {output.table}"
        " --claims {output.claims} 2> {log}"


rule harmonic_gpt_figure:
    input:
        standard=harmonic_gpt_run_files("standard"),
        harmonic=harmonic_gpt_run_files("harmonic"),
        tokenizer=token_files()["tokenizer"],
        meta=token_files()["meta"],
        code=package_sources("physlearn.harmonic.gpt.figure"),
    output:
        pdf="results/figures/harmonic/gpt_parallelogram.pdf",
        png=report(
            "results/figures/harmonic/gpt_parallelogram.png",
            category="Harmonic loss",
            subcategory="Case studies",
            caption="../report/harmonic_gpt.rst",
        ),
        table="results/figures/harmonic/gpt_parallelogram.csv",
        claims="results/figures/harmonic/gpt_parallelogram.claims.json",
    log:
        "logs/harmonic/gpt_parallelogram.log",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        config=harmonic_gpt_figure_config(),
        tokens=harmonic_gpt_tokens_arg,
        standard=harmonic_gpt_standard_arg,
        harmonic=harmonic_gpt_harmonic_arg,
    shell:
        "python -m physlearn.harmonic.gpt.figure --config {params.config:q}"
        " --tokens {params.tokens} --standard {params.standard} --harmonic {params.harmonic}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
