"""Workflow step: Fig. 16, the gated Resource model against the compositional sparse-parity
experiment (spec section 1): outputs [x3^x4, x1^x2, x1^x2^x3^x4], and a control whose third
task shares no bits with the first two.

The model has three equally frequent skills (p = 1/3 each: every output is trained on every
row), the third gated by AND on the first two. Its settings are the authors' notebook's
(scripts/Fig16_sparse_parity_experiment_theory_compare.ipynb): u moves by the config's step
size (1e-2 sqrt(7 * 50 / 600)) times its share, N0 0.01, gate exponent 0.01, 1000 steps. Its
only free number is the time scale: model steps are
stretched so that its two parts are learned (s >= 0.99) when the network's are
(accuracy >= 0.99, median over seeds); the composite's timing is then a prediction.

    python -m physlearn.skills.resource.parity_figure --config JSON --parity compositional.csv \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from physlearn import figures, step
from physlearn.claims import Claim, interval_verdict
from physlearn.skills.bootstrap import describe, median_interval
from physlearn.skills.resource import model as R

LEARNED = 0.99  # accuracy (network) or skill strength (model): the spec's "learned" threshold
# Criterion, fixed before any number was seen.
MODEL_FACTOR = 1.5  # the model's (rescaled) composite time within a factor 1.5 of the network's


def n_terms(task: str) -> int:
    return task.count("^") + 1


def task_roles(tasks: list[str]) -> tuple[list[str], str]:
    """(the two parts, the third task): the third has the most bits."""
    third = max(tasks, key=n_terms)
    return [t for t in tasks if t != third], third


def learned_steps(parity: pd.DataFrame) -> pd.DataFrame:
    """One row per (experiment, seed, task): the first step with accuracy >= LEARNED (inf if never)."""
    rows = []
    for (experiment, seed, task), r in parity.groupby(["experiment", "seed", "task"]):
        hit = r[r["accuracy"] >= LEARNED]["step"]
        rows.append(
            {"experiment": experiment, "seed": seed, "task": task, "learned": float(hit.min()) if len(hit) else np.inf}
        )
    return pd.DataFrame(rows)


def network_times(parity: pd.DataFrame) -> dict:
    learned = learned_steps(parity)
    comp = learned[learned["experiment"] == "compositional"]
    parts, composite = task_roles(sorted(comp["task"].unique()))
    median = comp.groupby("task")["learned"].median()
    out = {
        "parts": parts,
        "composite": composite,
        "part_times": [float(median[p]) for p in parts],
        "composite_time": float(median[composite]),
        "composite_times": comp[comp["task"] == composite]["learned"].astype(float).tolist(),
    }
    control = learned[learned["experiment"] == "control"]
    if len(control):
        c_parts, c_third = task_roles(sorted(control["task"].unique()))
        out["control_task"] = c_third
        out["control_time"] = float(control.groupby("task")["learned"].median()[c_third])
    return out


def _range(values) -> str:
    return f"{min(values):g} to {max(values):g}" if len(values) else "none"


def model_run(section: dict) -> dict:
    g = section["gating"]
    graph = R.SkillGraph(((), (), (0, 1)), ("and", "and", "and"))
    res = R.simulate(
        [1 / 3, 1 / 3, 1 / 3],
        g["step_size"],  # applied directly, as in the notebook (no 2 sqrt(N) factor)
        g["n0"],
        g["steps"],
        graph=graph,
        gate_exponent=g["exponent"],
    )
    res["learned"] = R.first_step(res["s"], res["step"], LEARNED)
    return res


def claims_for(net: dict, model: dict, scale: float) -> list[Claim]:
    """Only the gated model's prediction is this figure's claim. The network's own timings
    (composite right after its parts, the control much later) are Fig. 2's claims on the
    same parity runs: scoring them here again would count one result twice."""
    claims = []
    predicted = model["learned"][2] * scale
    times = net.get("composite_times") or [net["composite_time"]]
    # the network's median composite time over seeds, with its bootstrap interval (NaN: a seed
    # never learned it, which fails); the model is one deterministic run
    median, low, high = median_interval(times)
    m_factor = max(predicted / median, median / predicted) if np.isfinite(predicted) and np.isfinite(median) else np.inf
    passed = (
        interval_verdict(low, high, above=predicted / MODEL_FACTOR, below=predicted * MODEL_FACTOR, strict=False)
        if np.isfinite(predicted)
        else False
    )
    claims.append(
        Claim(
            id="gated-model-matches",
            claim="The Resource model with an AND gate reproduces when the composite is learned.",
            paper_value="the gated model's curves follow the parity curves (Fig. 16)",
            ours=f"model (time scale {scale:.3g} network steps per model step, fitted on the parts): composite at "
            f"{predicted:.0f} vs the network's median {median:g} over {len(times)} seeds (range {_range(times)}); "
            f"factor {m_factor:.2f}",
            uncertainty="the model is one deterministic run; the network's median: " + describe(low, high, len(times)),
            criterion=f"the interval of the network's median composite time within a factor {MODEL_FACTOR:g} of the "
            "model's; INCONCLUSIVE if it straddles an end of that band",
            passed=passed,
            measured={
                "model_learned": model["learned"],
                "time_scale": scale,
                "predicted": predicted,
                "network_median": median,
                "network_interval": [low, high],
            },
        )
    )
    return claims


def plot(parity: pd.DataFrame, net: dict, model: dict, scale: float, title: str):
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colours = {net["parts"][0]: "C0", net["parts"][1]: "C1", net["composite"]: "C3"}
    mean = parity.groupby(["experiment", "task", "step"])["accuracy"].mean().reset_index()
    for task, colour in colours.items():
        r = mean[(mean["experiment"] == "compositional") & (mean["task"] == task)]
        ax.plot(r["step"], r["accuracy"], "-", color=colour, label=f"network: {task}")
    if "control_task" in net:
        r = mean[(mean["experiment"] == "control") & (mean["task"] == net["control_task"])]
        ax.plot(r["step"], r["accuracy"], "-", color="0.5", label=f"network, control: {net['control_task']}")
    # The model's s_i in [0, 1] drawn as 0.5 + s/2, on the accuracy's chance-to-perfect range.
    names = net["parts"] + [net["composite"]]
    for i, task in enumerate(names):
        ax.plot(
            model["step"] * scale,
            0.5 + model["s"][:, i] / 2,
            "--",
            color=colours[task],
            lw=1.5,
            label=f"gated model: {task}" + (" = AND" if i == 2 else ""),
        )
    ax.set_xlim(
        0, 2.0 * max(net["composite_time"], model["learned"][2] * scale) if np.isfinite(net["composite_time"]) else None
    )
    ax.set_xlabel("network training step (model steps x fitted time scale)")
    ax.set_ylabel("training accuracy; model: 0.5 + s/2")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="skills_resource", inputs=("parity",), argv=argv)
    section = cfg["skills_resource"]
    parity = pd.read_csv(args.parity)
    net = network_times(parity)
    model = model_run(section)
    model_parts = max(model["learned"][:2])
    scale = max(net["part_times"]) / model_parts if np.isfinite(model_parts) else np.nan
    g = section["gating"]
    seeds = parity["seed"].nunique()
    fig = plot(
        parity,
        net,
        model,
        scale,
        "Fig. 16: gated Resource model (dashed) vs compositional sparse parity "
        f"(solid)\n({cfg['scale']} scale: {seeds} network seed{'s' if seeds != 1 else ''}; model step {g['step_size']:.2g}, N0 {g['n0']:g}, "
        f"a {g['exponent']:g})",
    )
    net_rows = parity.assign(source="network")
    model_rows = pd.DataFrame(
        {
            "source": "model",
            "experiment": "compositional",
            "seed": np.nan,
            "step": np.repeat(model["step"] * scale, 3),
            "model_step": np.repeat(model["step"], 3),
            "task": np.tile(net["parts"] + [net["composite"]], len(model["step"])),
            "s": model["s"].reshape(-1),
        }
    )
    table = pd.concat([net_rows, model_rows], ignore_index=True)
    figures.write_figure(
        args,
        cfg,
        "resource_parity",
        fig=fig,
        table=table,
        claims=claims_for(net, model, scale),
        config={"gating": g, "learned_threshold": LEARNED, "network_seeds": seeds, "time_scale": scale},
    )


if __name__ == "__main__":
    main()
