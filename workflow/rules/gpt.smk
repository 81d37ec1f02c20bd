# GPT training (issue 4, section 2), shared by FOCUS Fig. 3 (focus_gpt) and harmonic Fig. 6
# (harmonic_gpt): one job per run named in config <experiment>_gpt.runs, on the configured
# token files. Each run's settings are gpt.train, then <experiment>_gpt.train, then the run's
# own (physlearn.gpt.runs). The trainer checkpoints atomically in the run folder (ckpt.pt,
# not a declared output, so Snakemake keeps it when a job fails): a killed job resumes from
# it when the workflow is rerun.


include: "gpt.functions.smk"


wildcard_constraints:
    experiment="|".join(GPT_EXPERIMENTS),
    run=r"[A-Za-z0-9_.\-]+",


rule gpt_train:
    input:
        **gpt_token_inputs(),
        code=package_sources("physlearn.gpt.train"),
    output:
        log="results/gpt/{experiment}/{run}/log.csv",
        summary="results/gpt/{experiment}/{run}/summary.json",
        model="results/gpt/{experiment}/{run}/model.pt",
    log:
        "logs/gpt/{experiment}/{run}.log",
    benchmark:
        "results/timings/gpt/{experiment}/{run}.tsv"
    priority: gpt_runtime
    conda:
        "../../environment.yml"
    threads: config["gpt"]["threads"]
    resources:
        gpu=config["gpt"]["gpu"],
        mem_mb=gpt_mem_mb,
        runtime=gpt_runtime,
    params:
        config=gpt_run_config,
        out_dir=gpt_run_dir,
    shell:
        "python -m physlearn.gpt.train --config {params.config:q} --out {params.out_dir} 2> {log}"
