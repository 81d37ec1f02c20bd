"""Workflow step: Fig. 18, a modular against a non-modular Geometry model under SignGD.

Both have N parameters and the same n_skills Zipf-frequent skills (the same skill draws).
Non-modular: every skill's task vector is a random unit vector of R^N (normalised Gaussian),
so all skills share all parameters. Modular (spec section 2): an orthonormal basis for the
first N skills, the rest zero, i.e. t_i = e_i for i <= N (each of the N most frequent skills
owns one parameter) and t_i = 0 beyond (those skills cannot be learned). The speed-up is the
loss ratio L_nonmod / L_mod, against the step and N. Config: ``skills_geometry.modular``.

    python -m physlearn.skills.geometry.modular_figure --config JSON --pdf F.pdf --png F.png \
        --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.ticker import NullFormatter, StrMethodFormatter

from physlearn import figures, step
from physlearn.claims import Claim
from physlearn.skills.geometry.model import GeometryConfig, simulate

# Seed offset of this figure: it was experiment 3 of the Resource-model steps (whose seeds
# are 1000 * root + 100 * experiment + k), and keeps drawing the same seeds.
EXPERIMENT = 3
EARLY = 0.1  # "early" = the recorded step nearest 10% of the run


def modular_vectors(n_skills: int, n_params: int) -> torch.Tensor:
    """[n_skills, N]: e_i for the first min(N, n_skills) skills, zero rows for the rest."""
    T = torch.zeros(n_skills, n_params, dtype=torch.float64)
    k = min(n_skills, n_params)
    T[:k, :k] = torch.eye(k, dtype=torch.float64)
    return T


def figure_seeds(root: int, count: int) -> list[int]:
    """The ``count`` seeds of this figure: 1000 * root + 100 * EXPERIMENT + k."""
    return [1000 * int(root) + 100 * EXPERIMENT + k for k in range(count)]


def run(m: dict, seeds: list[int], log=print) -> pd.DataFrame:
    """One row per (N, model, step): the mean total loss over seeds (config ``modular``)."""
    rows = []
    for n_params in m["n_params"]:
        start = time.time()
        config = GeometryConfig(
            n_params=n_params,
            n_skills=m["n_skills"],
            alpha=m["alpha"],
            task_vectors="gaussian",
            optimizer="signgd",
            lr=m["lr"],
            batch_size=m["batch_size"],
            steps=m["steps"],
        )
        runs = {
            "non-modular": simulate(config, seeds, record_every=m["record_every"]),
            "modular": simulate(
                config, seeds, record_every=m["record_every"], task_vectors=modular_vectors(m["n_skills"], n_params)
            ),
        }
        for model, r in runs.items():
            diverged = int((~np.isfinite(r["loss"])).any(axis=-1).sum())
            rows.append(
                pd.DataFrame(
                    {
                        "n_params": n_params,
                        "model": model,
                        "step": r["step"],
                        "loss": np.nanmean(r["loss"], axis=0),
                        "seeds": len(seeds),
                        "diverged_seeds": diverged,
                    }
                )
            )
        log(f"N {n_params}: {time.time() - start:.1f} s")
    return pd.concat(rows, ignore_index=True)


def ratios(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (N, step): L_nonmod / L_mod."""
    wide = table.pivot_table(index=["n_params", "step"], columns="model", values="loss").reset_index()
    wide["ratio"] = wide["non-modular"] / wide["modular"]
    return wide


def claims_for(r: pd.DataFrame) -> list[Claim]:
    last = r.loc[r.groupby("n_params")["step"].idxmax()].set_index("n_params")
    steps = np.sort(r["step"].unique())
    early_step = steps[np.argmin(np.abs(steps - EARLY * steps[-1]))]
    early = r[r["step"] == early_step].set_index("n_params")
    Ns = last.index.to_numpy()
    final = last["ratio"].to_numpy()
    faster = final > 1
    grows_t = final > early.loc[Ns, "ratio"].to_numpy()
    rho = pd.Series(final).rank().corr(pd.Series(Ns.astype(float)).rank()) if len(Ns) > 1 else np.nan
    fmt = lambda xs: ", ".join(f"N {n}: {x:.3g}" for n, x in zip(Ns, xs))  # noqa: E731
    return [
        Claim(
            id="modular-faster",
            claim="The modular model learns faster than the non-modular one (speed-up L_nonmod / L_mod > 1).",
            paper_value="L_nonmod / L_mod > 1 (Fig. 18)",
            ours=f"ratio at step {steps[-1]}: {fmt(final)}",
            criterion="ratio at the last step > 1 for every N",
            passed=bool(faster.all()),
            measured={"n_params": Ns, "final_ratio": final},
        ),
        Claim(
            id="speed-up-grows-with-steps",
            claim="The speed-up grows with training time.",
            paper_value="ratio rising with steps (Fig. 18)",
            ours=f"ratio at step {early_step} -> {steps[-1]}: "
            + ", ".join(f"N {n}: {a:.3g} -> {b:.3g}" for n, a, b in zip(Ns, early.loc[Ns, "ratio"], final)),
            criterion=f"for every N, the ratio at the last step exceeds the ratio at about {EARLY:.0%} of the steps",
            passed=bool(grows_t.all()),
            measured={"early_step": early_step, "early_ratio": early.loc[Ns, "ratio"]},
        ),
        Claim(
            id="speed-up-grows-with-n",
            claim="The speed-up grows with N.",
            paper_value="ratio rising with N (Fig. 18)",
            ours=f"Spearman rank correlation of the last-step ratio with N: {rho:.2f} ({fmt(final)})",
            criterion="Spearman rank correlation > 0",
            passed=bool(np.isfinite(rho) and rho > 0),
            measured={"spearman": rho},
        ),
    ]


def plot(table: pd.DataFrame, r: pd.DataFrame, title: str):
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    Ns = sorted(r["n_params"].unique())
    colours = plt.cm.cividis(np.linspace(0, 0.9, len(Ns)))
    for colour, n in zip(colours, Ns):
        for model, style in (("non-modular", "-"), ("modular", "--")):
            rows = table[(table["n_params"] == n) & (table["model"] == model)]
            axes[0].plot(
                rows["step"], rows["loss"], style, color=colour, label=f"N {n}" if model == "modular" else None
            )
        rows = r[r["n_params"] == n]
        axes[1].plot(rows["step"], rows["ratio"], color=colour, label=f"N {n}")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("total loss L")
    axes[0].set_title("non-modular (solid), modular (dashed)", fontsize=9)
    axes[0].legend(fontsize=7, frameon=False)
    for ax in axes[1:]:
        ax.axhline(1, color="0.5", lw=0.8)
        ax.set_yscale("log")
        ax.set_ylabel("speed-up $L_{nonmod} / L_{mod}$")
    axes[1].set_xlabel("step")
    axes[1].legend(fontsize=7, frameon=False)
    last = r.loc[r.groupby("n_params")["step"].idxmax()]
    axes[2].plot(last["n_params"], last["ratio"], "o-", color="k")
    axes[2].set_xscale("log")
    axes[2].set_xticks(Ns, [str(n) for n in Ns], minor=False)
    axes[2].set_xticks([], minor=True)
    # plain numbers ("3", not "3x10^0"); minor ticks labelled only when the ratios span under
    # a decade (one major tick or none), where a wider span would crowd the axis
    axes[2].yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    within_decade = last["ratio"].max() < 10 * last["ratio"].min()
    axes[2].yaxis.set_minor_formatter(StrMethodFormatter("{x:g}") if within_decade else NullFormatter())
    axes[2].set_xlabel("parameters N")
    axes[2].set_title(f"at the last step ({int(last['step'].max())})", fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_geometry", argv=argv)
    m = cfg["skills_geometry"]["modular"]
    table = run(m, figure_seeds(cfg["seed"], m["seeds"]), log=step.logger().info)
    r = ratios(table)
    fig = plot(
        table,
        r,
        "Fig. 18: modular vs non-modular Geometry model under SignGD "
        f"({cfg['scale']} scale: {m['n_skills']} skills, alpha {m['alpha']:g}, lr {m['lr']:g}, "
        f"B {m['batch_size']}, {m['steps']} steps, {m['seeds']} seeds)",
    )
    out = table.merge(r[["n_params", "step", "ratio"]], on=["n_params", "step"])
    # the claims' config as when seeds and record_every were the Resource section's
    geometry = {k: v for k, v in m.items() if k not in ("seeds", "record_every")}
    figures.write_figure(
        args,
        cfg,
        "geometry_modular",
        fig=fig,
        table=out,
        claims=claims_for(r),
        config={"seeds": m["seeds"], "modular": geometry, "record_every": m["record_every"]},
    )


if __name__ == "__main__":
    main()
