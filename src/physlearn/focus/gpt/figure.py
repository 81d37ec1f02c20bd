"""Workflow step: one panel of FOCUS Fig. 3 (GPT validation loss), its tidy table and claims.

    python -m physlearn.focus.gpt.figure --config JSON --panel adam|signum|schedules|speedup \
        --runs DIR [DIR ...] --pdf F.pdf --png F.png --table F.csv --claims F.claims.json

Panels: ``adam`` (Fig. 3a, FOCUS against Adam at three learning rates), ``signum`` (Fig. 3b,
FOCUS against Signum), ``schedules`` (Fig. 3c, FOCUS with shorter schedules against the Adam
baseline), ``speedup`` (Fig. 3d, the steps Adam needs to match each FOCUS schedule).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib.pyplot as plt

from physlearn import figures, plotting, step
from physlearn.focus.gpt import analysis as A

# --panel P draws the registry's row gpt_P (Fig. 3a-d)
PANELS = tuple(name.removeprefix("gpt_") for name in figures.names("focus", "gpt"))
ADAM = plotting.rgb(244, 111, 67)
SIGNUM = plotting.rgb(214, 170, 40)
FOCUS = plotting.rgb(60, 90, 170)


def _label(run: str, curves) -> str:
    row = curves[curves["run"] == run].iloc[0]
    return f"{row['optimizer']} lr {row['lr']:g}, {row['total_steps']} steps"


def _plot_curves(ax, curves, runs: list[str], colours: list, styles: list[str] | None = None) -> None:
    for i, run in enumerate(runs):
        curve = curves[curves["run"] == run]
        label = _label(run, curves)
        if curve["diverged"].iloc[0]:
            label += f" (diverged at {curve['diverged_step'].iloc[0]})"
        ax.plot(
            curve["step"], curve["val_loss"], color=colours[i], ls=(styles or ["-"] * len(runs))[i], lw=1.5, label=label
        )
        if curve["diverged"].iloc[0]:
            ax.scatter([curve["step"].iloc[-1]], [curve["val_loss"].iloc[-1]], marker="x", color=colours[i], zorder=3)


def _loss_axes(ax, curves, runs) -> None:
    shown = curves[curves["run"].isin(runs) & curves["step"].gt(0)]["val_loss"]
    low, high = shown.min(), shown.quantile(0.9)
    ax.set_ylim(low - 0.05 * (high - low), high)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("validation loss (nats/token)")
    ax.legend(frameon=False, fontsize=7)


def shades(colour, n):
    return [tuple(min(1.0, c * (0.6 + 0.4 * (i + 1) / n)) for c in colour) for i in range(n)][::-1]


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--panel", choices=PANELS, required=True)
    # an input, but one folder per run: more than step.parser's single path
    ap.add_argument("--runs", nargs="+", type=Path, required=True, help="run folders (results/gpt/focus/<run>)")


def main(argv=None) -> None:
    args, cfg = step.parse(__doc__, section="focus_gpt", extra=_options, argv=argv)
    entry = figures.get(f"gpt_{args.panel}")
    panels = cfg["focus_gpt"]["panels"]
    adam_runs, signum_runs, focus, schedules = panels["adam"], panels["signum"], panels["focus"], panels["schedules"]
    curves, summaries = A.load_runs({folder.name: folder for folder in args.runs})
    missing = sorted(set([*adam_runs, *signum_runs, focus, *schedules]) - set(summaries))
    if missing:
        raise SystemExit(f"focus_gpt.panels names runs with no outputs given: {missing}")
    model = summaries[focus]["model"]
    where = (
        f"{cfg['scale']} scale: {model.get('n_layer')} layers x {model.get('n_embd')} wide, "
        f"{summaries[focus]['tokens']:,} tokens in the full schedule"
    )

    plotting.style()
    fig, ax = plt.subplots(figsize=(5.6, 3.9))
    baseline = A.adam_baseline(adam_runs, summaries)
    if args.panel == "adam":
        runs = [*adam_runs, focus]
        _plot_curves(ax, curves, runs, [*shades(ADAM, len(adam_runs)), FOCUS])
        _loss_axes(ax, curves, runs)
        table, claims = curves[curves["run"].isin(runs)], A.adam_claims(curves, summaries, adam_runs, focus)
    elif args.panel == "signum":
        runs = [*signum_runs, focus]
        _plot_curves(ax, curves, runs, [*shades(SIGNUM, len(signum_runs)), FOCUS])
        _loss_axes(ax, curves, runs)
        table, claims = curves[curves["run"].isin(runs)], A.signum_claims(curves, summaries, signum_runs, focus)
    else:
        if baseline is None:
            raise SystemExit("every Adam run diverged: Fig. 3c-d need a stable Adam baseline")
        speed = A.speedups(curves, schedules, focus, baseline)
        if args.panel == "schedules":
            claims = A.reach_claims(speed, curves, focus)
            runs = [baseline, *schedules, focus]
            _plot_curves(
                ax,
                curves,
                runs,
                [ADAM, *shades(FOCUS, len(schedules) + 1)],
                ["-", *[":", "--", "-."][: len(schedules)], "-"],
            )
            for row in speed.itertuples():  # where Adam reaches each schedule's final loss
                if math.isfinite(row.adam_steps_to_reach):
                    ax.plot([row.total_steps, row.adam_steps_to_reach], [row.final_val_loss] * 2, color="0.4", lw=0.8)
            _loss_axes(ax, curves, runs)
            table = curves[curves["run"].isin(runs)]
        else:
            claims = A.schedule_claims(speed, focus)
            full = int(speed["total_steps"].max())
            x = speed["fraction_of_schedule"]
            y = speed["adam_steps_to_reach"].where(~speed["speedup_is_lower_bound"], full) / full
            ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, label="as fast as Adam")
            ax.plot([0, 0.5], [0, 1], color="0.6", lw=0.8, ls="--", label="2x fewer steps (paper)")
            ax.scatter(x, y, color=FOCUS, zorder=3, label="FOCUS schedules")
            for xi, yi, row in zip(x, y, speed.itertuples()):
                ax.annotate(
                    ("≥" if row.speedup_is_lower_bound else "") + f"{row.speedup:.2f}x",
                    (xi, yi),
                    textcoords="offset points",
                    xytext=(5, -10),
                    fontsize=8,
                )
            ax.set_xlim(0, 1.05)
            ax.set_ylim(0, 1.1)
            ax.set_xlabel("FOCUS schedule length (fraction of the full schedule)")
            ax.set_ylabel(f"Adam steps to reach FOCUS's final loss\n(fraction; {baseline})")
            ax.legend(frameon=False, fontsize=7)
            table = speed
    ax.set_title(f"FOCUS {entry.label}: {entry.title}\n({where})", fontsize=9)
    figures.write_figure(
        args,
        cfg,
        entry.name,
        fig=fig,
        table=table,
        claims=claims,
        config={
            "panels": panels,
            "adam_baseline": baseline,
            "runs": {name: s["config"] for name, s in summaries.items()},
        },
    )


if __name__ == "__main__":
    main()
