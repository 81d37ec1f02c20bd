# The input, params and resources functions of report.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.


def figure_targets(suffix, paper=None):
    """The figure outputs of physlearn.figures ending in `suffix`, of one paper or all."""
    return [
        target
        for row in registry.of(paper)
        for target in row.targets
        if target.endswith(suffix)
    ]


def figure_claims(wildcards):
    return figure_targets(".claims.json")


def figure_pngs(wildcards):
    return figure_targets(".png")


def paper_notebook(wildcards):
    """The paper's notebook in this checkout (also when --directory runs elsewhere)."""
    return str(REPO / "paper" / f"{wildcards.paper}.py")


def paper_sources(wildcards):
    """The notebook runner's files and the ones the paper's notebook imports."""
    return package_files(
        ["physlearn.report.notebook"], scripts=[paper_notebook(wildcards)]
    )


def paper_claims(wildcards):
    return figure_targets(".claims.json", paper=wildcards.paper)


def paper_figures(wildcards):
    """Every output of one paper's figures: the notebook shows them."""
    return figure_targets("", paper=wildcards.paper)


def paper_scale_inputs(wildcards):
    """The paper-scale snapshot and the code of every experiment (of the notebook's paper,
    for a notebook): the scoreboard and the notebooks set the snapshot's verdicts beside
    ours and mark those whose code changed since."""
    from physlearn.provenance import experiment_modules

    papers = [wildcards.paper] if "paper" in wildcards.keys() else PAPERS
    snapshot = sorted(
        str(p)
        for paper in papers
        for p in (REPO / "docs/paper-scale" / paper).glob("*")
        if p.is_file()
    )
    modules = [
        m
        for paper, experiment in registry.EXPERIMENTS
        if paper in papers
        for m in experiment_modules(paper, experiment)
    ]
    return snapshot + package_files(modules)


def report_targets():
    return [
        "results/claims.csv",
        "results/paper/index.html",
        *expand("results/paper/{paper}.html", paper=PAPERS),
    ]

# Seconds of work each: on a cluster they run where snakemake runs, not as jobs.
