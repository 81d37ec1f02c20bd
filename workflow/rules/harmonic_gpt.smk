# Harmonic spec section 5: Fig. 6, word-analogy parallelograms in the token embeddings of a
# standard and a harmonic GPT (trained by gpt.smk's gpt_train, one job per run of
# harmonic_gpt.runs).


include: "harmonic_gpt.functions.smk"


rule harmonic_gpt_figure:
    input:
        standard=harmonic_gpt_run_files("standard"),
        harmonic=harmonic_gpt_run_files("harmonic"),
        tokenizer=token_files()["tokenizer"],
        meta=token_files()["meta"],
        code=package_sources("physlearn.harmonic.gpt.figure"),
    output:
        **figure_outputs("gpt_parallelogram"),
    log:
        "logs/harmonic/gpt_parallelogram.log",
    benchmark:
        "results/timings/harmonic/gpt/parallelogram.tsv"
    conda:
        "../../environment.yml"
    resources:
        mem_mb=4000,
        runtime=2,
    params:
        config=harmonic_gpt_figure_config(),
        tokens=harmonic_gpt_tokens_arg,
        standard=harmonic_gpt_standard_arg,
        harmonic=harmonic_gpt_harmonic_arg,
    shell:
        "python -m physlearn.harmonic.gpt.figure --config {params.config:q}"
        " --tokens {params.tokens} --standard {params.standard} --harmonic {params.harmonic}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
