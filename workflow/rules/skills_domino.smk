# Skills spec section 4: the Domino model (Fig. 9, closed form), grokking (Fig. 13) and
# modularity (Fig. 19). Training jobs write tidy per-step curves under results/skills/;
# figure jobs read them. Config: skills_networks.{domino,grokking,modularity}.


include: "skills_domino.functions.smk"


rule skills_domino_figure:
    input:
        code=package_sources("physlearn.skills.domino.figure"),
    output:
        **figure_outputs("domino"),
    log:
        "logs/skills/domino/figure.log",
    benchmark:
        "results/timings/skills/domino/figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=step_config("skills_networks", "threads", "domino", paper=True),
    shell:
        "python -m physlearn.skills.domino.figure --config {params.config:q}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_grokking_runs:
    input:
        code=package_sources("physlearn.skills.domino.grokking_runs"),
    output:
        "results/skills/grokking/curves.csv",
    log:
        "logs/skills/grokking/runs.log",
    benchmark:
        "results/timings/skills/domino/grokking_runs.tsv"
    priority: skills_grokking_runtime
    conda:
        "../../environment.yml"
    threads: config["skills_networks"]["threads"]
    resources:
        mem_mb=4000,
        runtime=skills_grokking_runtime,
        gpu=config["skills_networks"]["gpu"],
    params:
        config=step_config("skills_networks", "threads", "grokking"),
    shell:
        "python -m physlearn.skills.domino.grokking_runs --config {params.config:q} --output {output} 2> {log}"


rule skills_grokking_figure:
    input:
        curves="results/skills/grokking/curves.csv",
        code=package_sources("physlearn.skills.domino.grokking_figure"),
    output:
        **figure_outputs("grokking"),
    log:
        "logs/skills/grokking/figure.log",
    benchmark:
        "results/timings/skills/domino/grokking_figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=step_config("skills_networks", "threads", "grokking", paper=True),
    shell:
        "python -m physlearn.skills.domino.grokking_figure --config {params.config:q} --curves {input.curves}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_modularity_runs:
    input:
        code=package_sources("physlearn.skills.domino.modularity_runs"),
    output:
        runs="results/skills/modularity/runs.csv",
        curves="results/skills/modularity/curves.csv",
    log:
        "logs/skills/modularity/runs.log",
    benchmark:
        "results/timings/skills/domino/modularity_runs.tsv"
    priority: skills_modularity_runtime
    conda:
        "../../environment.yml"
    threads: config["skills_networks"]["threads"]
    resources:
        mem_mb=4000,
        runtime=skills_modularity_runtime,
        gpu=config["skills_networks"]["gpu"],
    params:
        config=step_config("skills_networks", "threads", "modularity"),
    shell:
        "python -m physlearn.skills.domino.modularity_runs --config {params.config:q}"
        " --runs {output.runs} --curves {output.curves} 2> {log}"


rule skills_modularity_figure:
    input:
        runs="results/skills/modularity/runs.csv",
        curves="results/skills/modularity/curves.csv",
        code=package_sources("physlearn.skills.domino.modularity_figure"),
    output:
        **figure_outputs("modularity"),
    log:
        "logs/skills/modularity/figure.log",
    benchmark:
        "results/timings/skills/domino/modularity_figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=step_config("skills_networks", "threads", "modularity", paper=True),
    shell:
        "python -m physlearn.skills.domino.modularity_figure --config {params.config:q}"
        " --runs {input.runs} --curves {input.curves}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
