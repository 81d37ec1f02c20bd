# Skills spec sections 1, 2 (Fig. 12) and 4: the real networks (sparse parity Fig. 2, grokking
# Fig. 13, modularity Fig. 19) and the closed-form models (Domino Fig. 9, quadratic Fig. 12).
# Training rules write tidy per-step curves under results/skills/; figure rules read them.


wildcard_constraints:
    parity_experiment="|".join(SKN_PARITY_EXPERIMENTS),


rule skills_parity_runs:
    input:
        code=package_sources("physlearn.skills.parity.runs"),
    output:
        f"{SKN_DIR}/parity/{{parity_experiment}}.csv",
    log:
        "logs/skills/parity/{parity_experiment}.log",
    conda:
        "../../environment.yml"
    threads: config["skills_networks"]["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["skills_networks"]["gpu"],
    params:
        config=skills_networks_config("parity"),
    shell:
        "python -m physlearn.skills.parity.runs --config {params.config:q}"
        " --experiment {wildcards.parity_experiment} --output {output} 2> {log}"


rule skills_parity_figure:
    input:
        frequency=f"{SKN_DIR}/parity/frequency.csv",
        compositional=f"{SKN_DIR}/parity/compositional.csv",
        code=package_sources("physlearn.skills.parity.figure"),
    output:
        pdf="results/figures/skills/parity.pdf",
        png=report(
            "results/figures/skills/parity.png",
            category="Physics of Skill Learning",
            subcategory="Real networks",
            caption="../report/skills_parity.rst",
        ),
        table="results/figures/skills/parity.csv",
        claims="results/figures/skills/parity.claims.json",
    log:
        "logs/skills/parity/figure.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_networks_config("parity"),
    shell:
        "python -m physlearn.skills.parity.figure --config {params.config:q}"
        " --frequency {input.frequency} --compositional {input.compositional}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_domino_figure:
    input:
        code=package_sources("physlearn.skills.domino.figure"),
    output:
        pdf="results/figures/skills/domino.pdf",
        png=report(
            "results/figures/skills/domino.png",
            category="Physics of Skill Learning",
            subcategory="Domino model",
            caption="../report/skills_domino.rst",
        ),
        table="results/figures/skills/domino.csv",
        claims="results/figures/skills/domino.claims.json",
    log:
        "logs/skills/domino/figure.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_networks_config("domino"),
    shell:
        "python -m physlearn.skills.domino.figure --config {params.config:q}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_quadratic_figure:
    input:
        code=package_sources("physlearn.skills.geometry.quadratic_figure"),
    output:
        pdf="results/figures/skills/quadratic_basis.pdf",
        png=report(
            "results/figures/skills/quadratic_basis.png",
            category="Physics of Skill Learning",
            subcategory="Geometry model",
            caption="../report/skills_quadratic_basis.rst",
        ),
        table="results/figures/skills/quadratic_basis.csv",
        claims="results/figures/skills/quadratic_basis.claims.json",
    log:
        "logs/skills/quadratic/figure.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_networks_config("quadratic"),
    shell:
        "python -m physlearn.skills.geometry.quadratic_figure --config {params.config:q}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_grokking_runs:
    input:
        code=package_sources("physlearn.skills.domino.grokking_runs"),
    output:
        f"{SKN_DIR}/grokking/curves.csv",
    log:
        "logs/skills/grokking/runs.log",
    conda:
        "../../environment.yml"
    threads: config["skills_networks"]["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["skills_networks"]["gpu"],
    params:
        config=skills_networks_config("grokking"),
    shell:
        "python -m physlearn.skills.domino.grokking_runs --config {params.config:q} --output {output} 2> {log}"


rule skills_grokking_figure:
    input:
        curves=f"{SKN_DIR}/grokking/curves.csv",
        code=package_sources("physlearn.skills.domino.grokking_figure"),
    output:
        pdf="results/figures/skills/grokking.pdf",
        png=report(
            "results/figures/skills/grokking.png",
            category="Physics of Skill Learning",
            subcategory="Domino model",
            caption="../report/skills_grokking.rst",
        ),
        table="results/figures/skills/grokking.csv",
        claims="results/figures/skills/grokking.claims.json",
    log:
        "logs/skills/grokking/figure.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_networks_config("grokking"),
    shell:
        "python -m physlearn.skills.domino.grokking_figure --config {params.config:q} --curves {input.curves}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_modularity_runs:
    input:
        code=package_sources("physlearn.skills.domino.modularity_runs"),
    output:
        runs=f"{SKN_DIR}/modularity/runs.csv",
        curves=f"{SKN_DIR}/modularity/curves.csv",
    log:
        "logs/skills/modularity/runs.log",
    conda:
        "../../environment.yml"
    threads: config["skills_networks"]["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["skills_networks"]["gpu"],
    params:
        config=skills_networks_config("modularity"),
    shell:
        "python -m physlearn.skills.domino.modularity_runs --config {params.config:q}"
        " --runs {output.runs} --curves {output.curves} 2> {log}"


rule skills_modularity_figure:
    input:
        runs=f"{SKN_DIR}/modularity/runs.csv",
        curves=f"{SKN_DIR}/modularity/curves.csv",
        code=package_sources("physlearn.skills.domino.modularity_figure"),
    output:
        pdf="results/figures/skills/modularity.pdf",
        png=report(
            "results/figures/skills/modularity.png",
            category="Physics of Skill Learning",
            subcategory="Domino model",
            caption="../report/skills_modularity.rst",
        ),
        table="results/figures/skills/modularity.csv",
        claims="results/figures/skills/modularity.claims.json",
    log:
        "logs/skills/modularity/figure.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_networks_config("modularity"),
    shell:
        "python -m physlearn.skills.domino.modularity_figure --config {params.config:q}"
        " --runs {input.runs} --curves {input.curves}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
