# The input, params and resources functions of harmonic_mnist.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

HARMONIC_MNIST_RUNS = f"results/harmonic/mnist/{VISION_SOURCE}/runs.npz"


def harmonic_mnist_config(paper=False):
    from physlearn.data.vision import DATASET_NAMES

    def dataset(cfg):
        return DATASET_NAMES[cfg["data"]["vision"]["source"]]

    return step_config("harmonic_mnist", dataset=dataset, paper=paper)


def harmonic_mnist_runtime(wildcards):
    from physlearn.harmonic.mnist.resources import train_runtime

    return train_runtime(config["harmonic_mnist"], VISION_SOURCE)
