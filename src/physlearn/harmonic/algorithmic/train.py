"""Workflow step: train every run of one model family on the algorithmic tasks (harmonic
spec section 2), task after task, each task's runs in stacks (``loop.train``), and save
what the figures need.

    python -m physlearn.harmonic.algorithmic.train --config JSON --family mlp|transformer \
        --outputs lattice.npz modular_addition.npz ...

One .npz per task of the config's ``tasks``, in that order.
Each .npz holds, per run (one row each): seed, harmonic, train fraction, weight decay, lr,
whether it was tracked, its train-set size, train and test accuracy after every epoch
(NaN for untracked runs), the mean training loss of every epoch, final accuracies,
divergence, and the final token embedding [V, 16]; ``meta`` is a JSON string (task,
family, model, settings, seconds, provenance).

Training checkpoints to ``checkpoints/<task>.pt`` beside the outputs (``<task>.n<size>.pt``,
one per stack, where the runs' training-set sizes differ; every 5 minutes and at a stack's
end), so a job killed or timed out goes on, when run again, from where it was: finished
tasks and stacks are not trained again, the current one resumes after its last saved epoch.
The checkpoints are removed once every task's .npz is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from physlearn import runtime, step
from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic import models as M
from physlearn.harmonic.algorithmic import results
from physlearn.harmonic.algorithmic.loop import TrainResult, train
from physlearn.harmonic.algorithmic.settings import AlgorithmicConfig


def save_result(path: Path | str, task: D.Task, cfg: M.ModelConfig, result: TrainResult, extra_meta: dict) -> None:
    """Write one job's runs in the format of ``algorithmic_results``."""
    runs = result.runs
    arrays = {f: np.array([getattr(r, f) for r in runs]) for f in results.RUN_FIELDS}
    arrays |= {
        "n_train": result.n_train,
        "train_acc": result.train_acc.astype(np.float32),
        "test_acc": result.test_acc.astype(np.float32),
        "train_loss": result.train_loss.astype(np.float32),
        "final_train_acc": result.final_train_acc,
        "final_test_acc": result.final_test_acc,
        "diverged": result.diverged,
        "embeddings": M.embeddings(cfg, result.params).numpy(),
    }
    meta = {
        "task": task.name,
        "family": cfg.family,
        "vocab": task.vocab,
        "embedding_rows": list(task.embedding_rows),
        "seconds": result.seconds,
        **result.info,
        **extra_meta,
    }
    results.save(path, arrays, meta)


def options(ap) -> None:
    """The family, and one output per task (not one named option per output: the tasks are the config's)."""
    ap.add_argument("--family", choices=M.FAMILIES, required=True)
    ap.add_argument("--outputs", type=Path, nargs="+", required=True, help="one .npz per task, in config order")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="harmonic_algorithmic", outputs=(), extra=options, argv=argv)
    log = step.logger()
    exp = AlgorithmicConfig.from_config(cfg["harmonic_algorithmic"], cfg["seed"])
    if len(args.outputs) != len(exp.tasks):
        raise SystemExit(f"{len(args.outputs)} outputs for {len(exp.tasks)} tasks {exp.tasks}")
    device = runtime.pick_device(cfg["device"])
    runs = exp.runs(args.family)
    checkpoints = args.outputs[0].parent / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    for name, output in zip(exp.tasks, args.outputs):
        task = D.make_task(name)
        model = exp.model(args.family, task)
        settings = exp.settings(args.family, name, log_every=max(1, exp.epochs(args.family, name) // 5))
        log.info("%s %s: %d runs x %d epochs on %s", name, args.family, len(runs), settings.epochs, device)
        result = train(
            task, model, runs, settings, root_seed=exp.root_seed, device=device, checkpoint=checkpoints / f"{name}.pt"
        )
        log.info("%s done in %.1f s; diverged: %d", name, result.seconds, int(result.diverged.sum()))
        save_result(output, task, model, result, {"provenance": runtime.provenance(), "scale": cfg["scale"]})
    shutil.rmtree(checkpoints)


if __name__ == "__main__":
    main()
