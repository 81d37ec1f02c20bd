"""Workflow step: Fig. 12 of the skills paper, SGD and SignGD on the quadratic
l = sum_i c_i x_i^2, x = R theta, in the identity and the Hadamard basis, with its table and
claims.

    python -m physlearn.skills.geometry.quadratic_figure --config JSON --pdf F.pdf --png F.png \
        --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from physlearn import figures, plotting, step
from physlearn.claims import Claim
from physlearn.skills.geometry import quadratic as Q

BASES = ("identity", "hadamard")
OPTIMIZERS = ("sgd", "signgd")
SAME_RTOL = 1e-9  # SGD: the two bases' total losses agree to float64 rounding
DIFFERENT_FACTOR = 2.0  # SignGD: the two bases' total losses differ by more than 2x at some step


def runs(cfg: dict) -> list[dict]:
    lrs = {"sgd": cfg["sgd_lr"], "signgd": cfg["signgd_lr"]}
    return [{"optimizer": o, "basis": b, "lr": lrs[o]} for o in OPTIMIZERS for b in BASES]


def tidy(specs: list[dict], losses: np.ndarray) -> pd.DataFrame:
    steps, n_runs, n = losses.shape
    step, run, skill = np.meshgrid(np.arange(steps), np.arange(n_runs), np.arange(n), indexing="ij")
    return pd.DataFrame(
        {
            "optimizer": np.array([s["optimizer"] for s in specs])[run.ravel()],
            "basis": np.array([s["basis"] for s in specs])[run.ravel()],
            "lr": np.array([s["lr"] for s in specs])[run.ravel()],
            "step": step.ravel(),
            "skill": skill.ravel() + 1,
            "loss": losses.ravel(),
        }
    )


def claims(specs, losses) -> list[Claim]:
    total = losses.sum(-1)  # (steps + 1, runs)
    index = {(s["optimizer"], s["basis"]): i for i, s in enumerate(specs)}
    out = []
    sgd_i, sgd_h = total[:, index["sgd", "identity"]], total[:, index["sgd", "hadamard"]]
    rel = float(np.max(np.abs(sgd_i - sgd_h) / np.maximum(np.abs(sgd_i), 1e-300)))
    out.append(
        Claim(
            id="sgd-basis-independent",
            claim="SGD's behaviour does not depend on the basis (it is rotation-equivariant).",
            paper_value="the same loss curve for R = I and R = Hadamard / 2",
            ours=f"largest relative difference of the total loss between the bases: {rel:.2e} over {len(total) - 1} steps",
            criterion=f"relative difference <= {SAME_RTOL:g} at every step",
            passed=bool(rel <= SAME_RTOL),
            measured={"max_relative_difference": rel},
        )
    )
    sign_i, sign_h = total[:, index["signgd", "identity"]], total[:, index["signgd", "hadamard"]]
    with np.errstate(divide="ignore"):
        log_ratio = np.abs(np.log10(sign_i) - np.log10(sign_h))
    worst = int(np.nanargmax(log_ratio))
    factor = float(10 ** log_ratio[worst])
    out.append(
        Claim(
            id="signgd-basis-dependent",
            claim="SignGD's behaviour depends on the basis.",
            paper_value="different loss curves for R = I and R = Hadamard / 2",
            ours=f"total losses differ by a factor {factor:.3g} at step {worst} "
            f"(identity {sign_i[worst]:.3g}, Hadamard {sign_h[worst]:.3g}); final: {sign_i[-1]:.3g} vs {sign_h[-1]:.3g}",
            criterion=f"the total losses of the two bases differ by more than a factor {DIFFERENT_FACTOR:g} at some step",
            passed=bool(factor > DIFFERENT_FACTOR),
            measured={"max_factor": factor, "at_step": worst, "final": [float(sign_i[-1]), float(sign_h[-1])]},
        )
    )
    return out


def plot(specs, losses, cfg, title):
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), sharey=True)
    steps = np.arange(1, losses.shape[0])
    colours = plt.cm.viridis(np.linspace(0, 0.9, losses.shape[-1]))
    for ax, (i, spec) in zip(axes, enumerate(specs)):
        for k, colour in enumerate(colours):
            ax.plot(steps, losses[1:, i, k], color=colour, lw=1, label=f"c = {cfg['curvatures'][k]:g}")
        ax.plot(steps, losses[1:, i].sum(-1), "k--", lw=1, label="total")
        name = "SGD" if spec["optimizer"] == "sgd" else "SignGD"
        basis = "R = I" if spec["basis"] == "identity" else "R = Hadamard / 2"
        ax.set(xscale="log", yscale="log", xlabel="step", title=f"{name} (lr {spec['lr']:g}), {basis}")
        ax.set_ylim(max(1e-16, np.nanmin(losses[1:][losses[1:] > 0])), 3 * np.nanmax(losses[1:].sum(-1)))
    axes[0].set_ylabel("skill loss c_i x_i^2")
    axes[0].legend(frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_geometry", argv=argv)
    # flush denormals to zero (a CPU flag; numpy obeys it too): the table's SGD losses below
    # 2.2e-308 are 0, as in every run since this step shared the networks' setup
    torch.set_flush_denormal(True)
    section = cfg["skills_geometry"]["quadratic"]
    if len(section["theta0"]) != len(section["curvatures"]):
        raise SystemExit("skills_geometry.quadratic: theta0 and curvatures must have the same length")
    specs = runs(section)
    losses = Q.run(specs, section["curvatures"], section["theta0"], section["steps"])
    plotting.style()
    fig = plot(
        specs,
        losses,
        section,
        f"Skills Fig. 12: SGD vs SignGD on a quadratic in two bases ({section['steps']} steps, {cfg['scale']} scale)",
    )
    figures.write_figure(
        args, cfg, "quadratic_basis", fig=fig, table=tidy(specs, losses), claims=claims(specs, losses), config=section
    )


if __name__ == "__main__":
    main()
