"""Workflow step: Fig. 10, the Geometry model's scaling laws, from the sweep's shards: final
loss against N, loss against steps at one N, and the exponents alpha_N and alpha_S against
the Zipf exponent alpha with the quanta, Domino and Chinchilla reference lines.

    python -m physlearn.skills.geometry.scaling_figure --config JSON --pdf F.pdf --png F.png \
        --table F.csv --claims F.claims.json SHARD.npz ...
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from physlearn import figures, plotting, step
from physlearn.skills.geometry import experiments as E
from physlearn.skills.geometry import scaling

FIGURE = figures.get("geometry_scaling").label
COLOURS = {"signgd": plotting.rgb(214, 170, 40), "adam": plotting.rgb(244, 111, 67)}


def load_shards(paths) -> dict[str, dict]:
    """Per optimizer: n_params [N], alpha [A], seed [S], step [R], loss [N, A, S, R] (N sorted)."""
    parts: dict[str, list] = {}
    for path in paths:
        with np.load(path) as f:
            meta = json.loads(str(f["meta"]))
            parts.setdefault(meta["optimizer"], []).append(
                {k: f[k] for k in ("n_params", "alpha", "seed", "step", "loss")}
            )
    merged = {}
    for optimizer, shards in parts.items():
        n_params = np.concatenate([s["n_params"] for s in shards])
        order = np.argsort(n_params)
        merged[optimizer] = {
            **{k: shards[0][k] for k in ("alpha", "seed", "step")},
            "n_params": n_params[order],
            "loss": np.concatenate([s["loss"] for s in shards])[order],
        }
    return merged


def tidy_table(data: dict[str, dict], exponents: pd.DataFrame, section: dict) -> pd.DataFrame:
    frames = []
    for optimizer, d in data.items():
        N, A, S, R = d["loss"].shape
        idx = np.indices((N, A, S)).reshape(3, -1)
        frames.append(
            pd.DataFrame(
                {
                    "quantity": "final_loss",
                    "optimizer": optimizer,
                    "alpha": d["alpha"][idx[1]],
                    "n_params": d["n_params"][idx[0]],
                    "step": d["step"][-1],
                    "seed": d["seed"][idx[2]],
                    "value": d["loss"][..., -1].ravel(),
                }
            )
        )
        at = list(d["n_params"]).index(section["steps_n_params"])
        idx = np.indices((A, S, R)).reshape(3, -1)
        frames.append(
            pd.DataFrame(
                {
                    "quantity": "loss",
                    "optimizer": optimizer,
                    "alpha": d["alpha"][idx[0]],
                    "n_params": section["steps_n_params"],
                    "step": d["step"][idx[2]],
                    "seed": d["seed"][idx[1]],
                    "value": d["loss"][at].ravel(),
                }
            )
        )
    long = exponents.melt(id_vars=["optimizer", "alpha"], value_vars=["alpha_N", "alpha_S"], var_name="quantity")
    frames.append(long)
    return pd.concat(frames, ignore_index=True)


def plot(data: dict[str, dict], exponents: pd.DataFrame, section: dict, title: str):
    optimizers = [o for o in ("signgd", "adam") if o in data] + [o for o in data if o not in ("signgd", "adam")]
    fig, axes = plt.subplots(len(optimizers) + 1, 2, figsize=(9.5, 3.2 * (len(optimizers) + 1)), squeeze=False)
    cmap = plt.get_cmap("viridis")
    alphas = np.asarray(section["alphas"], dtype=float)
    colour = {a: cmap(i / max(1, len(alphas) - 1)) for i, a in enumerate(alphas)}
    for row, optimizer in enumerate(optimizers):
        d = data[optimizer]
        median = np.median(d["loss"], axis=2)  # [N, A, R]
        at = list(d["n_params"]).index(section["steps_n_params"])
        ax_n, ax_s = axes[row]
        label = E.OPTIMIZER_LABELS.get(optimizer, optimizer)
        for a, alpha in enumerate(d["alpha"]):
            ax_n.plot(d["n_params"], median[:, a, -1], marker="o", ms=3, color=colour[float(alpha)], label=f"{alpha:g}")
            ax_s.plot(d["step"][1:], median[at, a, 1:], color=colour[float(alpha)])
        for lo in section["fit_n_params"]:
            ax_n.axvline(lo, color="0.7", ls=":", lw=0.8)
        for lo in section["fit_steps"]:
            ax_s.axvline(lo, color="0.7", ls=":", lw=0.8)
        for ax in (ax_n, ax_s):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_ylabel("loss L (median over seeds)")
        ticks = d["n_params"] if len(d["n_params"]) <= 8 else [20, 50, 100, 200, 500, 1000]
        ax_n.set_xticks(ticks, [str(n) for n in ticks])
        ax_n.xaxis.set_minor_formatter(NullFormatter())
        ax_n.set_xlabel("parameters N")
        ax_s.set_xlabel("step")
        ax_n.set_title(f"{label} (lr {section['lr']:g}): final loss vs N (step {d['step'][-1]})", fontsize=9)
        ax_s.set_title(f"{label}: loss vs step at N = {section['steps_n_params']}", fontsize=9)
        if row == 0:
            ax_n.legend(title="Zipf alpha", frameon=False, fontsize=7, title_fontsize=7, ncol=2)
    ax_an, ax_as = axes[-1]
    grid = np.linspace(alphas.min(), alphas.max(), 100)
    for ax, key in ((ax_an, "alpha_N"), (ax_as, "alpha_S")):
        ax.plot(grid, scaling.quanta_exponents(grid)[key], color="0.4", ls="--", lw=1, label="quanta model")
        ax.plot(grid, scaling.domino_exponents(grid)[key], color="0.4", ls=":", lw=1.2, label="Domino model")
        ax.axhline(
            scaling.CHINCHILLA[key], color="tab:red", lw=0.8, alpha=0.7, label=f"Chinchilla {scaling.CHINCHILLA[key]}"
        )
        for optimizer in optimizers:
            rows = exponents[exponents["optimizer"] == optimizer].sort_values("alpha")
            ax.plot(
                rows["alpha"],
                rows[key],
                marker="o",
                ms=4,
                color=COLOURS.get(optimizer, "k"),
                label=E.OPTIMIZER_LABELS.get(optimizer, optimizer),
            )
        ax.set_xlabel("Zipf exponent alpha")
    rerun_n, rerun_s = E.RERUN_ALPHA_N, E.RERUN_ALPHA_S_SIGNGD
    ax_an.scatter(list(rerun_n), list(rerun_n.values()), marker="x", color="k", zorder=4, label="spec re-run")
    ax_as.scatter(list(rerun_s), list(rerun_s.values()), marker="x", color="k", zorder=4, label="spec re-run (SignGD)")
    ax_as.scatter([2.0], [E.RERUN_ALPHA_S_ADAM_AT_2], marker="+", s=60, color="k", zorder=4, label="spec re-run (Adam)")
    lo, hi = section["fit_n_params"]
    ax_an.set_ylabel(f"$\\alpha_N$ (log-slope, N {lo}..{hi})")
    lo, hi = section["fit_steps"]
    ax_as.set_ylabel(f"$\\alpha_S$ (log-slope, steps {lo}..{hi})")
    ax_an.legend(frameon=False, fontsize=7)
    ax_as.legend(frameon=False, fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(
        __doc__, section="skills_geometry", argv=argv, extra=lambda ap: ap.add_argument("shards", nargs="+", type=Path)
    )
    section = cfg["skills_geometry"]["scaling"]
    data = load_shards(args.shards)
    rows = []
    for optimizer, d in data.items():
        ex = E.scaling_exponents(d["n_params"], d["step"], d["loss"], d["alpha"], section)
        ex.insert(0, "optimizer", optimizer)
        rows.append(ex)
    exponents = pd.concat(rows, ignore_index=True)
    claims = [*E.scaling_claims(exponents, section), E.flat_loss_claim(data)]
    n_values = E.scaling_n_params(section)
    where = (
        f"CE, {section['n_skills']} skills, B {section['batch_size']}, {section['steps']} steps, "
        f"{len(n_values)} N values, {section['seeds']} seeds, {cfg['scale']} scale"
    )
    plotting.style()
    fig = plot(data, exponents, section, f"{FIGURE}: Geometry-model scaling laws ({where})")
    figures.write_figure(
        args,
        cfg,
        "geometry_scaling",
        fig=fig,
        table=tidy_table(data, exponents, section),
        claims=claims,
        config={"seed": cfg["seed"], "scaling": section, "n_params": n_values},
    )


if __name__ == "__main__":
    main()
