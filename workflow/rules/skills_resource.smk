# Skills spec section 3: the Resource model against the Geometry model (Figs. 6, 7, 8)
# and, gated, against the compositional sparse-parity task (Fig. 16) and dependency graphs
# (Fig. 17). Each job is seconds of CPU: the Resource model scans every N0 at once.


include: "skills_resource.functions.smk"


wildcard_constraints:
    study="|".join(SKILLS_RESOURCE_STUDIES),


rule skills_resource_fit:
    input:
        code=package_sources("physlearn.skills.resource.fit"),
    output:
        fits=f"{SKILLS_RESOURCE_DIR}/fits_{{study}}.csv",
        curves=f"{SKILLS_RESOURCE_DIR}/curves_{{study}}.csv",
    log:
        "logs/skills/resource/fit_{study}.log",
    benchmark:
        "results/timings/skills/resource/fit_{study}.tsv"
    conda:
        "../../environment.yml"
    threads: config["skills_resource"]["threads"]
    resources:
        mem_mb=2000,
        runtime=1,
    params:
        config=skills_resource_fit_config,
    shell:
        "python -m physlearn.skills.resource.fit --config {params.config:q} --study {wildcards.study}"
        " --fits {output.fits} --curves {output.curves} 2> {log}"


rule skills_resource_n0:
    input:
        fits=f"{SKILLS_RESOURCE_DIR}/fits_ablations.csv",
        curves=f"{SKILLS_RESOURCE_DIR}/curves_ablations.csv",
        code=package_sources("physlearn.skills.resource.n0_figure"),
    output:
        **figure_outputs("resource_n0"),
    log:
        "logs/skills/resource/n0.log",
    benchmark:
        "results/timings/skills/resource/n0.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=skills_resource_figure_config("resource_n0"),
    shell:
        "python -m physlearn.skills.resource.n0_figure --config {params.config:q} --fits {input.fits}"
        " --curves {input.curves} --pdf {output.pdf} --png {output.png} --table {output.table}"
        " --claims {output.claims} 2> {log}"


rule skills_resource_collapse:
    input:
        curves=f"{SKILLS_RESOURCE_DIR}/curves_ablations.csv",
        sweeps=f"{SKILLS_RESOURCE_DIR}/fits_sweeps.csv",
        code=package_sources("physlearn.skills.resource.collapse_figure"),
    output:
        **figure_outputs("resource_collapse"),
    log:
        "logs/skills/resource/collapse.log",
    benchmark:
        "results/timings/skills/resource/collapse.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=skills_resource_figure_config("resource_collapse"),
    shell:
        "python -m physlearn.skills.resource.collapse_figure --config {params.config:q} --curves {input.curves}"
        " --sweeps {input.sweeps} --pdf {output.pdf} --png {output.png} --table {output.table}"
        " --claims {output.claims} 2> {log}"


rule skills_resource_underparam:
    input:
        code=package_sources("physlearn.skills.resource.underparam_figure"),
    output:
        **figure_outputs("resource_underparam"),
    log:
        "logs/skills/resource/underparam.log",
    benchmark:
        "results/timings/skills/resource/underparam.tsv"
    conda:
        "../../environment.yml"
    threads: config["skills_resource"]["threads"]
    resources:
        mem_mb=2000,
        runtime=1,
    params:
        config=skills_resource_figure_config("resource_underparam"),
    shell:
        "python -m physlearn.skills.resource.underparam_figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_resource_parity:
    input:
        parity=SKILLS_PARITY_COMPOSITIONAL,
        code=package_sources("physlearn.skills.resource.parity_figure"),
    output:
        **figure_outputs("resource_parity"),
    log:
        "logs/skills/resource/parity.log",
    benchmark:
        "results/timings/skills/resource/parity.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=skills_resource_figure_config("resource_parity"),
    shell:
        "python -m physlearn.skills.resource.parity_figure --config {params.config:q} --parity {input.parity}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_resource_graphs:
    input:
        code=package_sources("physlearn.skills.resource.graphs_figure"),
    output:
        **figure_outputs("resource_graphs"),
    log:
        "logs/skills/resource/graphs.log",
    benchmark:
        "results/timings/skills/resource/graphs.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=skills_resource_figure_config("resource_graphs"),
    shell:
        "python -m physlearn.skills.resource.graphs_figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
