# Skills spec section 2: the Geometry model. Figs. 4, 5 and 15 are one job each (seconds);
# Fig. 10's scaling sweep runs one job per shard of N values, each a single tensor program
# over its N values x optimizers x alphas x seeds (they share skill draws and matrix
# products) that writes one file per optimizer, and a figure job joins them.


wildcard_constraints:
    geometry_figure="|".join(SKILLS_GEOMETRY_SMALL),


rule skills_geometry_figure:
    input:
        code=package_sources("physlearn.skills.geometry.figure"),
    output:
        pdf="results/figures/skills/geometry_{geometry_figure}.pdf",
        png=report(
            "results/figures/skills/geometry_{geometry_figure}.png",
            category="Physics of Skill Learning",
            subcategory="Geometry model",
            caption="../report/skills_geometry.rst",
        ),
        table="results/figures/skills/geometry_{geometry_figure}.csv",
        claims="results/figures/skills/geometry_{geometry_figure}.claims.json",
    log:
        "logs/skills/geometry/{geometry_figure}.log",
    conda:
        "../../environment.yml"
    threads: config["skills_geometry"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        config=skills_geometry_figure_config,
    shell:
        "python -m physlearn.skills.geometry.figure --config {params.config:q} --figure {wildcards.geometry_figure}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_geometry_scaling_shard:
    input:
        code=package_sources("physlearn.skills.geometry.scaling_shard"),
    output:
        SKILLS_GEOMETRY_SHARD_OUTPUTS,
    log:
        "logs/skills/geometry/scaling-shard-{shard}-of-{n}.log",
    conda:
        "../../environment.yml"
    threads: config["skills_geometry"]["threads"]
    resources:
        mem_mb=skills_geometry_shard_mem_mb,
        runtime=skills_geometry_shard_runtime,
        gpu=config["skills_geometry"]["gpu"],
    params:
        config=skills_geometry_json("scaling"),
        optimizers=SKILLS_GEOMETRY_OPTIMIZERS,
    shell:
        "python -m physlearn.skills.geometry.scaling_shard --config {params.config:q}"
        " --shard {wildcards.shard} --optimizers {params.optimizers} --outputs {output} 2> {log}"


rule skills_geometry_scaling_figure:
    input:
        shards=skills_geometry_shard_files,
        code=package_sources("physlearn.skills.geometry.scaling_figure"),
    output:
        pdf="results/figures/skills/geometry_scaling.pdf",
        png=report(
            "results/figures/skills/geometry_scaling.png",
            category="Physics of Skill Learning",
            subcategory="Geometry model",
            caption="../report/skills_geometry_scaling.rst",
        ),
        table="results/figures/skills/geometry_scaling.csv",
        claims="results/figures/skills/geometry_scaling.claims.json",
    log:
        "logs/skills/geometry/scaling-figure.log",
    conda:
        "../../environment.yml"
    params:
        config=skills_geometry_json("scaling"),
    shell:
        "python -m physlearn.skills.geometry.scaling_figure --config {params.config:q}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims}"
        " {input.shards} 2> {log}"
