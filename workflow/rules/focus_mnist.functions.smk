# The input, params and resources functions of focus_mnist.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

MNIST_RUNS = f"results/focus/mnist/{VISION_SOURCE}"
MNIST_PANELS = ["loss", "improvement"]


def mnist_config(paper=False):
    from physlearn.data.vision import DATASET_NAMES

    def dataset(cfg):
        return DATASET_NAMES[cfg["data"]["vision"]["source"]]

    return step_config("focus_mnist", dataset=dataset, paper=paper)


def mnist_shards(wildcards):
    return expand(
        f"{MNIST_RUNS}/batch-{{batch}}.npz", batch=config["focus_mnist"]["batch_sizes"]
    )


def mnist_resources(wildcards):
    from physlearn.focus.mnist.resources import job_resources

    return job_resources(config["focus_mnist"], VISION_SOURCE, int(wildcards.batch))
