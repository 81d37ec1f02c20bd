# The input, params and resources functions of harmonic_algorithmic.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

HARMONIC_ALGO = config["harmonic_algorithmic"]
HARMONIC_ALGO_FAMILIES = ["mlp", "transformer"]
# figure name -> the model families whose runs it reads (label: Fig. 2, 7, 3a, 3b, 3c)
HARMONIC_ALGO_FIGURES = {
    "ev_mlp": ["mlp"],
    "ev_transformer": ["transformer"],
    "cumulative_ev": ["mlp", "transformer"],
    "data_efficiency": ["mlp"],
    "grokking": ["mlp", "transformer"],
}
HARMONIC_ALGO_SHARED_KEYS = [
    "threads",
    "seeds",
    "samples",
    "train_fraction",
    "batch_size",
    "embedding_dim",
    "exponent",
    "eps",
    "embedding_reg",
]


def harmonic_algo_train_config(wildcards):
    """Only what one (family, task) job depends on: editing the other family, another task's
    epochs or Fig. 4 does not rerun it. The step trains the tasks it is given: here one.
    """
    family, task = wildcards.family, wildcards.task

    def task_part(algo):
        part = {k: algo[k] for k in HARMONIC_ALGO_SHARED_KEYS}
        part["tasks"] = [task]
        part[family] = {**algo[family], "epochs": {task: algo[family]["epochs"][task]}}
        if family == "mlp":
            part["data_efficiency"] = algo["data_efficiency"]
        return part

    return step_config("harmonic_algorithmic", fragment=task_part)


def harmonic_algo_case_config(paper=False):
    def case_part(algo):
        """Fig. 4 trains one run of its own seed: the seed list is not its setting."""
        keys = [k for k in HARMONIC_ALGO_SHARED_KEYS if k != "seeds"] + ["modular_case"]
        part = {k: algo[k] for k in keys}
        return {**part, "mlp": {"hidden": algo["mlp"]["hidden"]}}

    return step_config("harmonic_algorithmic", fragment=case_part, paper=paper)


def harmonic_algo_figure_config():
    return step_config("harmonic_algorithmic", paper=True)


def harmonic_algo_runs(wildcards):
    return expand(
        "results/harmonic/algorithmic/{family}/{task}/runs.npz",
        family=HARMONIC_ALGO_FIGURES[wildcards.figure],
        task=HARMONIC_ALGO["tasks"],
    )


def harmonic_algo_runtime(wildcards):
    from physlearn.harmonic.algorithmic.resources import train_runtime

    return train_runtime(HARMONIC_ALGO, wildcards.family, wildcards.task)


def harmonic_algo_case_runtime(wildcards):
    from physlearn.harmonic.algorithmic.resources import modular_case_runtime

    return modular_case_runtime(HARMONIC_ALGO)
