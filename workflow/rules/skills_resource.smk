# Skills spec section 3: the Resource model against the Geometry model (Figs. 6, 7, 8, 18)
# and, gated, against the compositional sparse-parity task (Fig. 16) and dependency graphs
# (Fig. 17). Each job is seconds of CPU: the Resource model scans every N0 at once.


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
    conda:
        "../../environment.yml"
    threads: config["skills_resource"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
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
        pdf="results/figures/skills/resource_n0.pdf",
        png=report(
            "results/figures/skills/resource_n0.png",
            category="Physics of Skill Learning",
            subcategory="Resource model",
            caption="../report/skills_resource_n0.rst",
        ),
        table="results/figures/skills/resource_n0.csv",
        claims="results/figures/skills/resource_n0.claims.json",
    log:
        "logs/skills/resource/n0.log",
    conda:
        "../../environment.yml"
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
        pdf="results/figures/skills/resource_collapse.pdf",
        png=report(
            "results/figures/skills/resource_collapse.png",
            category="Physics of Skill Learning",
            subcategory="Resource model",
            caption="../report/skills_resource_collapse.rst",
        ),
        table="results/figures/skills/resource_collapse.csv",
        claims="results/figures/skills/resource_collapse.claims.json",
    log:
        "logs/skills/resource/collapse.log",
    conda:
        "../../environment.yml"
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
        pdf="results/figures/skills/resource_underparam.pdf",
        png=report(
            "results/figures/skills/resource_underparam.png",
            category="Physics of Skill Learning",
            subcategory="Resource model",
            caption="../report/skills_resource_underparam.rst",
        ),
        table="results/figures/skills/resource_underparam.csv",
        claims="results/figures/skills/resource_underparam.claims.json",
    log:
        "logs/skills/resource/underparam.log",
    conda:
        "../../environment.yml"
    threads: config["skills_resource"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
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
        pdf="results/figures/skills/resource_parity.pdf",
        png=report(
            "results/figures/skills/resource_parity.png",
            category="Physics of Skill Learning",
            subcategory="Resource model",
            caption="../report/skills_resource_parity.rst",
        ),
        table="results/figures/skills/resource_parity.csv",
        claims="results/figures/skills/resource_parity.claims.json",
    log:
        "logs/skills/resource/parity.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_resource_figure_config("resource_parity"),
    shell:
        "python -m physlearn.skills.resource.parity_figure --config {params.config:q} --parity {input.parity}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_resource_graphs:
    input:
        code=package_sources("physlearn.skills.resource.graphs_figure"),
    output:
        pdf="results/figures/skills/resource_graphs.pdf",
        png=report(
            "results/figures/skills/resource_graphs.png",
            category="Physics of Skill Learning",
            subcategory="Resource model",
            caption="../report/skills_resource_graphs.rst",
        ),
        table="results/figures/skills/resource_graphs.csv",
        claims="results/figures/skills/resource_graphs.claims.json",
    log:
        "logs/skills/resource/graphs.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_resource_figure_config("resource_graphs"),
    shell:
        "python -m physlearn.skills.resource.graphs_figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_resource_modular:
    input:
        code=package_sources("physlearn.skills.geometry.modular_figure"),
    output:
        pdf="results/figures/skills/resource_modular.pdf",
        png=report(
            "results/figures/skills/resource_modular.png",
            category="Physics of Skill Learning",
            subcategory="Modularity",
            caption="../report/skills_resource_modular.rst",
        ),
        table="results/figures/skills/resource_modular.csv",
        claims="results/figures/skills/resource_modular.claims.json",
    log:
        "logs/skills/resource/modular.log",
    conda:
        "../../environment.yml"
    threads: config["skills_resource"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        config=skills_resource_figure_config("resource_modular"),
    shell:
        "python -m physlearn.skills.geometry.modular_figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
