"""Workflow step: train harmonic Fig. 5's one-layer classifiers (harmonic and linear, every
replicate) on the digit images.

    python -m physlearn.harmonic.mnist.train --config JSON --data DATA.npz --output runs.npz

Saves physlearn.harmonic.mnist.model.train's arrays and a JSON ``meta`` (settings, timing,
provenance).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from physlearn import runtime, step
from physlearn.data.vision import load_dataset
from physlearn.harmonic.mnist.model import MODELS, MnistSettings, train


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="harmonic_mnist", inputs=("data",), outputs=("output",), argv=argv)
    log = step.logger()
    settings = MnistSettings.from_config(cfg["harmonic_mnist"])
    device = runtime.pick_device(cfg["device"])
    data = load_dataset(args.data)
    log.info(f"{cfg['dataset']}: {settings.replicates} replicates x {MODELS} on {device}")
    started = time.perf_counter()
    arrays = train(data, settings, cfg["seed"], device, log)
    seconds = time.perf_counter() - started
    log.info(
        f"done in {seconds:.1f} s; test accuracy "
        + ", ".join(f"{m} {np.nanmean(arrays['test_accuracy'][i]):.4f}" for i, m in enumerate(MODELS))
    )
    meta = {
        "dataset": cfg["dataset"],
        "models": list(MODELS),
        "settings": dataclasses.asdict(settings),
        "seed": cfg["seed"],
        "seconds": round(seconds, 2),
        "device": str(device),
        **runtime.provenance(),
    }
    runtime.save_npz(args.output, meta, **arrays)


if __name__ == "__main__":
    main()
