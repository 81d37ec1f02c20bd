"""Workflow step: Fig. 9 of the skills paper, the Domino model against the parallel quanta
model (closed forms, no training), with its table and claims.

    python -m physlearn.skills.domino.figure --config JSON --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from physlearn import figures, plotting, step
from physlearn.claims import Claim
from physlearn.skills.domino import model as D


def curves(cfg: dict) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    t = np.arange(cfg["steps"] + 1, dtype=float)
    return t, {
        "domino": D.domino_skills(t, cfg["skills"], cfg["t0"]),
        "quanta": D.quanta_skills(t, cfg["skills"], cfg["quanta_scale"]),
    }


def claims(t: np.ndarray, skills: dict[str, np.ndarray], cfg: dict) -> list[Claim]:
    """Fig. 9 draws two closed forms (spec section 4); nothing in it is measured, so any claim
    on it checks only that the figure draws the formula. One such check stays (a figure needs
    a claim): the Domino signature, that skills are learned one at a time. The former claims
    "t_i = i t0" and "quanta skills in parallel" restated the formulas and are gone; the unit
    tests check the formulas themselves."""
    dom_done = D.learning_times(t, skills["domino"], 1.0)
    dom_starts = D.learning_times(t, skills["domino"], 1e-12)
    in_progress = {name: D.skills_in_progress(s) for name, s in skills.items()}
    # Domino: skill i starts when skill i-1 is done (within one time step)
    hand_over = np.abs(dom_starts[1:] - dom_done[:-1])
    sequential = bool(in_progress["domino"].max() == 1 and np.all(hand_over <= 1.0))
    return [
        Claim(
            id="domino-one-at-a-time",
            claim="In the Domino model skills are learned one after another: each starts when the previous one is done.",
            paper_value="at most one skill learning at any time; skill i starts at (i - 1) t0",
            ours=f"at most {in_progress['domino'].max()} skill(s) partly learned at once; start of skill i minus "
            f"end of skill i-1: at most {hand_over.max():.0f} step(s)",
            criterion="never more than one skill strictly between 0 and 1, and every hand-over within one step",
            passed=sequential,
            uncertainty="closed form, no measurement; no interval",
            measured={
                "in_progress_max": int(in_progress["domino"].max()),
                "starts": dom_starts.tolist(),
                "ends": dom_done.tolist(),
            },
        ),
    ]


def plot(t, skills, cfg, title):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    colours = plt.cm.viridis(np.linspace(0, 0.9, cfg["skills"]))
    for ax, name, label in (
        (axes[0], "domino", f"Domino, t0 = {cfg['t0']:g}"),
        (axes[1], "quanta", f"quanta, s_i = 1 - exp(-t / ({cfg['quanta_scale']:g} i))"),
    ):
        for i, colour in enumerate(colours):
            ax.plot(t, skills[name][:, i], color=colour, label=f"skill {i + 1}")
        ax.set(xlabel="step t", ylabel="skill level s_i", title=label, ylim=(-0.02, 1.02))
    axes[0].legend(frameon=False, fontsize=7)
    ax = axes[2]
    ax.plot(t, D.loss(skills["domino"]), label="Domino")
    ax.plot(t, D.loss(skills["quanta"]), label="quanta")
    ax.set(xlabel="step t", ylabel="loss, mean of (1 - s_i)^2", yscale="log", title="total loss")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_networks", argv=argv)
    # flush denormals to zero (a CPU flag; numpy obeys it too), as the training steps do
    torch.set_flush_denormal(True)
    section = cfg["skills_networks"]["domino"]
    t, skills = curves(section)
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "model": name,
                    "step": np.repeat(t, section["skills"]),
                    "skill": np.tile(D.skill_ranks(section["skills"]).astype(int), len(t)),
                    "level": s.ravel(),
                }
            )
            for name, s in skills.items()
        ],
        ignore_index=True,
    )
    plotting.style()
    fig = plot(
        t,
        skills,
        section,
        f"Skills Fig. 9: the Domino model vs the parallel quanta model "
        f"({section['skills']} skills; closed forms, {cfg['scale']} scale)",
    )
    figures.write_figure(args, cfg, "domino", fig=fig, table=table, claims=claims(t, skills, section), config=section)


if __name__ == "__main__":
    main()
