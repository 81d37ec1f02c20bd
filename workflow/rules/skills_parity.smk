# Skills spec section 1: sparse parity (Fig. 2). An MLP learns several parities at once;
# each training job writes tidy per-step curves under results/skills/parity/, and the
# figure job reads them. Config: skills_networks.parity.


include: "skills_parity.functions.smk"


SKN_PARITY_EXPERIMENTS = ["frequency", "compositional"]


wildcard_constraints:
    parity_experiment="|".join(SKN_PARITY_EXPERIMENTS),


rule skills_parity_runs:
    input:
        code=package_sources("physlearn.skills.parity.runs"),
    output:
        "results/skills/parity/{parity_experiment}.csv",
    log:
        "logs/skills/parity/{parity_experiment}.log",
    benchmark:
        "results/timings/skills/parity/{parity_experiment}.tsv"
    priority: skills_parity_runtime
    conda:
        "../../environment.yml"
    threads: config["skills_networks"]["threads"]
    resources:
        mem_mb=4000,
        runtime=skills_parity_runtime,
        gpu=config["skills_networks"]["gpu"],
    params:
        config=step_config("skills_networks", "threads", "parity"),
    shell:
        "python -m physlearn.skills.parity.runs --config {params.config:q}"
        " --experiment {wildcards.parity_experiment} --output {output} 2> {log}"


rule skills_parity_figure:
    input:
        frequency="results/skills/parity/frequency.csv",
        compositional="results/skills/parity/compositional.csv",
        code=package_sources("physlearn.skills.parity.figure"),
    output:
        **figure_outputs("parity"),
    log:
        "logs/skills/parity/figure.log",
    benchmark:
        "results/timings/skills/parity/figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=step_config("skills_networks", "threads", "parity", paper=True),
    shell:
        "python -m physlearn.skills.parity.figure --config {params.config:q}"
        " --frequency {input.frequency} --compositional {input.compositional}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
