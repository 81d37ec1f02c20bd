"""The saved results of the algorithmic-task training jobs (harmonic spec section 2): one
.npz per (model family, task), or Fig. 4's runs. Numpy only, so that the figure steps
load without torch.

Per run (one row each): seed, harmonic, train fraction, weight decay, lr, whether it was
tracked, its train-set size, train and test accuracy after every epoch (NaN for untracked
runs), the mean training loss of every epoch, final accuracies, divergence, and the final
token embedding [V, 16]; ``meta`` is a JSON string (task, family, vocab, the embedding
rows the EV uses, model, settings, seconds, provenance; Fig. 4 adds the runs' names).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RUN_FIELDS = ("seed", "harmonic", "train_fraction", "weight_decay", "lr", "track")


def save(path: Path | str, arrays: dict[str, np.ndarray], meta: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays, meta=np.array(json.dumps(meta)))


def load(path: Path | str) -> dict:
    """The saved arrays, with ``meta`` parsed."""
    with np.load(path) as f:
        out = {k: f[k] for k in f.files}
    out["meta"] = json.loads(str(out["meta"]))
    return out
