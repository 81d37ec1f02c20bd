# Skills spec section 2: the Geometry model. Figs. 4, 5, 12, 15 and 18 are one job each (seconds);
# Fig. 10's scaling sweep runs one job per shard of N values, each a single tensor program
# over its N values x optimizers x alphas x seeds (they share skill draws and matrix
# products) that writes one file per optimizer, and a figure job joins them.


include: "skills_geometry.functions.smk"


wildcard_constraints:
    geometry_figure="|".join(SKILLS_GEOMETRY_SMALL),


rule skills_geometry_figure:
    input:
        code=package_sources("physlearn.skills.geometry.figure"),
    output:
        **figure_outputs(
            "geometry_{geometry_figure}", geometry_figure=SKILLS_GEOMETRY_SMALL
        ),
    log:
        "logs/skills/geometry/{geometry_figure}.log",
    benchmark:
        "results/timings/skills/geometry/{geometry_figure}.tsv"
    priority: skills_geometry_figure_runtime
    conda:
        "../../environment.yml"
    threads: config["skills_geometry"]["threads"]
    resources:
        mem_mb=2000,
        runtime=skills_geometry_figure_runtime,
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
    benchmark:
        "results/timings/skills/geometry/scaling-shard-{shard}-of-{n}.tsv"
    priority: lambda wildcards: skills_geometry_shard_resources(wildcards)["runtime"]
    conda:
        "../../environment.yml"
    threads: config["skills_geometry"]["threads"]
    resources:
        mem_mb=lambda wildcards: skills_geometry_shard_resources(wildcards)["mem_mb"],
        runtime=lambda wildcards: skills_geometry_shard_resources(wildcards)["runtime"],
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
        **figure_outputs("geometry_scaling"),
    log:
        "logs/skills/geometry/scaling-figure.log",
    benchmark:
        "results/timings/skills/geometry/scaling-figure.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=skills_geometry_json("scaling", paper=True),
    shell:
        "python -m physlearn.skills.geometry.scaling_figure --config {params.config:q}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims}"
        " {input.shards} 2> {log}"


rule skills_geometry_quadratic_figure:
    input:
        code=package_sources("physlearn.skills.geometry.quadratic_figure"),
    output:
        **figure_outputs("quadratic_basis"),
    log:
        "logs/skills/geometry/quadratic.log",
    benchmark:
        "results/timings/skills/geometry/quadratic.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        config=skills_geometry_json("quadratic", paper=True),
    shell:
        "python -m physlearn.skills.geometry.quadratic_figure --config {params.config:q}"
        " --pdf {output.pdf} --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"


rule skills_geometry_modular_figure:
    input:
        code=package_sources("physlearn.skills.geometry.modular_figure"),
    output:
        **figure_outputs("geometry_modular"),
    log:
        "logs/skills/geometry/modular.log",
    benchmark:
        "results/timings/skills/geometry/modular.tsv"
    priority: skills_geometry_modular_runtime
    conda:
        "../../environment.yml"
    threads: config["skills_geometry"]["threads"]
    resources:
        mem_mb=2000,
        runtime=skills_geometry_modular_runtime,
    params:
        config=skills_geometry_json("modular", paper=True),
    shell:
        "python -m physlearn.skills.geometry.modular_figure --config {params.config:q} --pdf {output.pdf}"
        " --png {output.png} --table {output.table} --claims {output.claims} 2> {log}"
