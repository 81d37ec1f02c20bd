"""What harmonic Fig. 5's training job needs: SLURM's ``runtime`` for ``harmonic_mnist_train``."""

from __future__ import annotations

from physlearn.resources import STARTUP_SECONDS, slurm_minutes

TRAIN_IMAGES = {"mnist": 54000, "digits": 1300}  # after the validation split
PIXELS = {"mnist": 784, "digits": 64}
# Wall seconds per image, pixel and replicate of one epoch (both models, the replicates in
# one program, the test pass included): the laptop job, 100 epochs x 1300 images x 64 pixels
# x 5 replicates in 6.9 s with start-up (docs/timings/laptop.csv; 2-core Intel Xeon VM at load
# ~4, 2026-12-06). Early stopping (patience) can only end a job sooner; a GPU is faster.
IMAGE_PIXEL_SECONDS = 4.7e-8


def train_units(section: dict, dataset: str) -> int:
    """Image-pixel passes of the job: ``max_epochs`` x training images x pixels x replicates."""
    return section["max_epochs"] * TRAIN_IMAGES[dataset] * PIXELS[dataset] * section["replicates"]


def train_seconds(section: dict, dataset: str) -> float:
    return STARTUP_SECONDS + IMAGE_PIXEL_SECONDS * train_units(section, dataset)


def train_runtime(section: dict, dataset: str) -> int:
    """Minutes of the job (``slurm_minutes`` of :func:`train_seconds`)."""
    return slurm_minutes(train_seconds(section, dataset))
