"""What harmonic Fig. 5's training job needs: SLURM's ``runtime`` for ``harmonic_mnist_train``."""

from __future__ import annotations

TRAIN_IMAGES = {"mnist": 54000, "digits": 1300}  # after the validation split
SECONDS_PER_STEP = 2e-3  # CPU, both models and 5 replicates in one program; a GPU is faster


def train_runtime(section: dict, dataset: str) -> int:
    """Minutes: every epoch's batch steps, at most ``max_epochs``, with a 3x margin."""
    steps = section["max_epochs"] * -(-TRAIN_IMAGES[dataset] // section["batch_size"])
    return 10 + int(3 * steps * SECONDS_PER_STEP * max(1, section["replicates"] / 5) / 60)
