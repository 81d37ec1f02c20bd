"""Workflow step: the modular-addition case study of harmonic Fig. 4 (spec section 3):
p = 31, seed 50, lr 1e-3, 2000 epochs; a standard MLP without and with weight decay (0,
0.5) and a harmonic MLP without, trained together as one batched program.

    python -m physlearn.harmonic.algorithmic.modular_case_train --config JSON --output runs.npz

The .npz is algorithmic_train's format, with the runs' names in ``meta["names"]``.
"""

from __future__ import annotations

from physlearn import runtime, step
from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic.loop import train
from physlearn.harmonic.algorithmic.settings import AlgorithmicConfig
from physlearn.harmonic.algorithmic.train import save_result

TASK = "modular_addition"


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="harmonic_algorithmic", outputs=("output",), argv=argv)
    log = step.logger()
    section = cfg["harmonic_algorithmic"]
    exp = AlgorithmicConfig.from_config(section, cfg["seed"])
    device = runtime.pick_device(cfg["device"])
    task = D.make_task(TASK)
    names, runs = exp.case_runs()
    settings = exp.case_settings(log_every=max(1, section["modular_case"]["epochs"] // 10))
    log.info("Fig. 4: %s, %d epochs on %s", names, settings.epochs, device)
    result = train(task, exp.model("mlp", task), runs, settings, root_seed=exp.root_seed, device=device)
    log.info("done in %.1f s", result.seconds)
    save_result(
        args.output,
        task,
        exp.model("mlp", task),
        result,
        {"names": names, "provenance": runtime.provenance(), "scale": cfg["scale"]},
    )


if __name__ == "__main__":
    main()
