# FOCUS spec section 4: the GPT runs of Fig. 3 (trained by gpt.smk, one job per run named in
# focus_gpt.runs) and the four panels drawn from their validation curves.


include: "focus_gpt.functions.smk"


wildcard_constraints:
    gpt_panel="|".join(FOCUS_GPT_PANELS),


rule focus_gpt_figure:
    input:
        runs=focus_gpt_runs,
        code=package_sources("physlearn.focus.gpt.figure"),
    output:
        **figure_outputs("gpt_{gpt_panel}", gpt_panel=FOCUS_GPT_PANELS),
    log:
        "logs/focus/gpt/figure_{gpt_panel}.log",
    benchmark:
        "results/timings/focus/gpt/figure_{gpt_panel}.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=focus_gpt_config(),
        run_dirs=focus_gpt_run_dirs(),
    shell:
        "python -m physlearn.focus.gpt.figure --config {params.config:q} --panel {wildcards.gpt_panel}"
        " --runs {params.run_dirs} --pdf {output.pdf} --png {output.png}"
        " --table {output.table} --claims {output.claims} 2> {log}"
