"""The algorithmic-task experiments' settings (config key ``harmonic_algorithmic``) and the
runs each training job holds (harmonic spec sections 2 and 3, Figs. 2, 3, 4 and 7).

One job per model family trains its tasks in turn, all runs of a task together
(physlearn.harmonic.algorithmic.loop): for the MLPs the standard and harmonic networks of each seed at
the main train fraction (Figs. 2, 3a, 3c) plus those of the Fig. 3b fractions; for the
transformers the standard and harmonic networks of each seed (Fig. 7). Fig. 4 is its own job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from physlearn.harmonic.algorithmic import datasets as D

if TYPE_CHECKING:  # torch stays out of the figure steps, which only read settings
    from physlearn.harmonic.algorithmic.loop import Run, TrainSettings
    from physlearn.harmonic.algorithmic.models import ModelConfig

FAMILIES = ("mlp", "transformer")
FAMILY_KEYS = {"mlp": ("hidden",), "transformer": ("heads", "layers", "ff", "dropout")}


@dataclass(frozen=True)
class AlgorithmicConfig:
    section: dict  # the validated config section
    root_seed: int

    @classmethod
    def from_config(cls, section: dict, root_seed: int) -> "AlgorithmicConfig":
        check(section)
        return cls(section, int(root_seed))

    @property
    def tasks(self) -> list[str]:
        return list(self.section.get("tasks", D.TASKS))

    def seeds(self, family: str) -> list[int]:
        return list(self.section["seeds"][: self.section[family]["seeds"]])

    def epochs(self, family: str, task: str) -> int:
        return int(self.section[family]["epochs"][task])

    def model(self, family: str, task: str | D.Task) -> "ModelConfig":
        from physlearn.harmonic.algorithmic import models as M

        task = D.make_task(task) if isinstance(task, str) else task
        s, f = self.section, self.section[family]
        return M.ModelConfig(
            family=family,
            n_inputs=task.n_inputs,
            vocab=task.vocab,
            d_model=s["embedding_dim"],
            exponent=s["exponent"],
            eps=s["eps"],
            # the authors' MLPs compute the regulariser from detached data: no effect (spec section 1)
            embedding_reg=s["embedding_reg"] if family == "transformer" else 0.0,
            **{k: f[k] for k in FAMILY_KEYS[family]},
        )

    def settings(self, family: str, task: str, log_every: int = 0) -> "TrainSettings":
        from physlearn.harmonic.algorithmic.loop import TrainSettings

        s = self.section
        return TrainSettings(
            epochs=self.epochs(family, task), batch_size=s["batch_size"], samples=s["samples"], log_every=log_every
        )

    def fractions(self) -> list[float]:
        """Fig. 3b's train fractions, besides the main one."""
        main = self.section["train_fraction"]
        return [f for f in self.section["data_efficiency"]["fractions"] if abs(f - main) > 1e-9]

    def runs(self, family: str) -> list["Run"]:
        """Every run of one family on one task: main runs (tracked every epoch) first, then Fig. 3b's."""
        from physlearn.harmonic.algorithmic.loop import Run

        f = self.section[family]
        main = [
            Run(
                seed=seed,
                harmonic=h,
                train_fraction=self.section["train_fraction"],
                weight_decay=f["weight_decay"],
                lr=f["lr"],
                track=True,
            )
            for h in (False, True)
            for seed in self.seeds(family)
        ]
        if family != "mlp":
            return main
        de = self.section["data_efficiency"]
        extra = [
            Run(seed=seed, harmonic=h, train_fraction=fraction, weight_decay=f["weight_decay"], lr=f["lr"], track=False)
            for fraction in self.fractions()
            for h in (False, True)
            for seed in self.seeds("mlp")[: de["seeds"]]
        ]
        return main + extra

    def case_runs(self) -> tuple[list[str], list["Run"]]:
        """Fig. 4: the modular-addition case study's named runs."""
        from physlearn.harmonic.algorithmic.loop import Run

        c = self.section["modular_case"]
        named = [
            (f"standard, wd {wd:g}", Run(seed=c["seed"], harmonic=False, weight_decay=wd, lr=c["lr"]))
            for wd in c["standard_weight_decays"]
        ]
        named += [
            (f"harmonic, wd {wd:g}", Run(seed=c["seed"], harmonic=True, weight_decay=wd, lr=c["lr"]))
            for wd in c["harmonic_weight_decays"]
        ]
        return [n for n, _ in named], [r for _, r in named]

    def case_settings(self, log_every: int = 0) -> "TrainSettings":
        from physlearn.harmonic.algorithmic.loop import TrainSettings

        s = self.section
        return TrainSettings(
            epochs=s["modular_case"]["epochs"], batch_size=s["batch_size"], samples=s["samples"], log_every=log_every
        )


def check(section: dict) -> None:
    """What the schema cannot say; raises ValueError naming the key. Checks the parts
    present (a job gets only the parts it needs)."""
    where = "config key harmonic_algorithmic"
    seeds = section.get("seeds", [])  # Fig. 4's job has its own seed, not the list
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"{where}.seeds: repeated seeds")
    for family in [f for f in FAMILIES if "epochs" in section.get(f, {})]:
        if section[family]["seeds"] > len(section["seeds"]):
            raise ValueError(
                f"{where}.{family}.seeds: {section[family]['seeds']} seeds asked for, "
                f"only {len(section['seeds'])} listed in harmonic_algorithmic.seeds"
            )
        missing = [t for t in section["tasks"] if t not in section[family]["epochs"]]
        if missing:
            raise ValueError(f"{where}.{family}.epochs: no epochs for {missing}")
    fractions = [section["train_fraction"]]
    if "data_efficiency" in section:
        if section["data_efficiency"]["seeds"] > section["mlp"]["seeds"]:
            raise ValueError(
                f"{where}.data_efficiency.seeds: more than mlp.seeds ({section['mlp']['seeds']}); "
                "Fig. 3b's main-fraction point reuses the MLP runs"
            )
        fractions += section["data_efficiency"]["fractions"]
    for fraction in fractions:
        try:
            D.n_train(section["samples"], fraction)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
    if "transformer" in section and section["embedding_dim"] % section["transformer"]["heads"]:
        raise ValueError(f"{where}.transformer.heads: does not divide embedding_dim {section['embedding_dim']}")
