# The replication report: the claims scoreboard (results/claims.csv, results/paper/index.html)
# and one executed notebook per paper (results/paper/<paper>.html), from every figure's
# claims.json. The figures are the rows of physlearn.figures: a new row joins by itself.


include: "report.functions.smk"


localrules:
    scoreboard,
    paper,


rule scoreboard:
    input:
        claims=figure_claims,
        figures=figure_pngs,
        paper_scale=paper_scale_inputs,
        code=package_sources("physlearn.report.scoreboard"),
    output:
        csv=report(
            "results/claims.csv",
            category="Replication report",
            subcategory="Scoreboard",
            caption="../report/scoreboard.rst",
        ),
        html="results/paper/index.html",
    log:
        "logs/report/scoreboard.log",
    benchmark:
        "results/timings/report/scoreboard.tsv"
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        snapshot=REPO / "docs/paper-scale",
    shell:
        "python -m physlearn.report.scoreboard --claims {input.claims} --figures {input.figures}"
        " --csv {output.csv} --html {output.html} --snapshot {params.snapshot} 2> {log}"


rule paper:
    input:
        notebook=paper_notebook,
        claims=paper_claims,
        figures=paper_figures,
        paper_scale=paper_scale_inputs,
        code=paper_sources,
    output:
        report(
            "results/paper/{paper}.html",
            category="Replication report",
            subcategory="Notebooks",
            caption="../report/paper_notebook.rst",
        ),
    log:
        "logs/report/{paper}.log",
    benchmark:
        "results/timings/report/{paper}.tsv"
    wildcard_constraints:
        paper="|".join(PAPERS),
    conda:
        "../../environment.yml"
    resources:
        runtime=1,
    params:
        timeout=600,
    shell:
        "python -m physlearn.report.notebook --notebook {input.notebook} --claims {input.claims}"
        " --html {output} --timeout {params.timeout} 2> {log}"
