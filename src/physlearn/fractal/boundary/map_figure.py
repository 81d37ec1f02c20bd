"""Workflow step: heat maps of the dimension alpha. Fig. 2c (additive, E3) and Fig. 2d
(multiplicative, E4) over (wl, eps), ours beside the authors'; Fig. 4a (two cosines, E6)
over (eps1, eps2) with the convexity contour R = 1; Fig. S3 a-d (E5) over (wl, log10 eps),
one panel per divergence bound, with the red line eps = wl^2 / (2 pi^2 B). And alpha against
the roughness from the same maps: Fig. 3a (additive, theta_+ = eps / wl^2 on a log axis, the
convexity threshold 1/(2 pi^2) dashed) and Fig. 3b (multiplicative, theta_x = eps), ours with
95% t-interval bars beside the authors' values.

    python -m physlearn.fractal.boundary.map_figure --config JSON --figure NAME COUNTS.csv \
        --pdf F.pdf --png F.png --table F.csv --claims F.claims.json
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from physlearn import figures
from physlearn.fractal.boundary import analysis
from physlearn.fractal.boundary.convexity import CONVEXITY_THRESHOLD, red_line, roughness_additive
from physlearn.fractal.boundary.design import EPS_MAP, WL_MAP
from physlearn.fractal.boundary.sweep import sweep_labels

ROUGHNESS_NAMES = ("fractal_roughness_additive", "fractal_roughness_multiplicative")
NAMES = ("fractal_map_additive", "fractal_map_multiplicative", "fractal_two_cosines", "fractal_bound", *ROUGHNESS_NAMES)
VMAX = 1.2


def heat(ax, x, y, z, xlabel, ylabel, title):
    """One alpha map, cells coloured on [0, 1.2]."""
    mesh = ax.pcolormesh(analysis.edges(x), analysis.edges(y), z, vmin=0, vmax=VMAX, cmap="viridis", shading="flat")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    return mesh


RENORMALISATION_LEVEL = 14


def renormalisation_agreement(level: int = RENORMALISATION_LEVEL) -> tuple[float, int]:
    """Claim 3b: labels of (eps 0.2, wl 0.1, x0 1, tau 1e8) and (eps/4, wl/2, x0/2, tau/4) on G(level)."""
    lr = np.linspace(0, 1.5, 2**level + 1)
    a = sweep_labels("additive", lr, {"eps": 0.2, "wl": 0.1}, x0=1.0, criterion="A", threshold=1e8)
    b = sweep_labels("additive", lr, {"eps": 0.05, "wl": 0.05}, x0=0.5, criterion="A", threshold=2.5e7)
    return float((a == b).mean()), len(lr)


def roughness(name: str, tables: dict):
    """Fig. 3a/3b: alpha against the roughness, ours beside the authors'."""
    additive = name.endswith("additive")
    t = tables["E3" if additive else "E4"]
    x = t["theta"].to_numpy(dtype=float)
    authors = (analysis.E3_ALPHA if additive else analysis.E4_ALPHA).ravel()
    e, w = np.meshgrid(EPS_MAP, WL_MAP, indexing="ij")
    x_authors = roughness_additive(e, w).ravel() if additive else e.ravel()
    fig, ax = plt.subplots(figsize=(5.6, 4))
    ax.plot(x_authors, authors, "x", color="0.55", ms=4, label="authors' data (N = 20)")
    ax.errorbar(x, t["alpha"], yerr=analysis.alpha_yerr(t), fmt="o", ms=3, color="C0", elinewidth=0.8,
                label=f"ours (N = {int(t['level'].iloc[0])}), 95% t interval")  # fmt: skip
    if additive:
        ax.set_xscale("log")
        ax.axvline(CONVEXITY_THRESHOLD, color="k", ls="--", lw=1, label="convexity 1/(2 pi^2)")
        ax.set_xlabel("roughness theta_+ = eps / wl^2")
        ax.set_title("additive loss: alpha against roughness", fontsize=10)
        fraction, points = renormalisation_agreement()
        claims = analysis.roughness_additive_claims(t) + [analysis.renormalisation_claim(fraction, points)]
    else:
        ax.set_xlabel("roughness theta_x = eps")
        ax.set_title("multiplicative loss: alpha against roughness", fontsize=10)
        claims = analysis.roughness_multiplicative_claims(t)
    ax.set_ylabel("box-counting dimension alpha")
    ax.set_ylim(-0.05, 1.5)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    table = analysis.tidy(t, ["eps", "wl", "theta"])
    return fig, table, claims, t


def main(argv=None) -> None:
    args, cfg, tables = analysis.parse(__doc__, NAMES, argv)
    name = args.figure
    if name in ROUGHNESS_NAMES:
        fig, table, claims, t = roughness(name, tables)
        figures.write_figure(args, cfg, name, fig=fig, table=table, claims=claims, config=analysis.settings_summary(t))
        return
    if name in ("fractal_map_additive", "fractal_map_multiplicative"):
        experiment = "E3" if name.endswith("additive") else "E4"
        t = tables[experiment]
        eps, wl = np.sort(t["eps"].unique()), np.sort(t["wl"].unique())
        ours = t.pivot(index="eps", columns="wl", values="alpha").to_numpy()
        authors = analysis.E3_ALPHA if experiment == "E3" else analysis.E4_ALPHA
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)
        level = int(t["level"].iloc[0])
        loss = (
            "additive x^2 + eps cos(2 pi x/wl)" if experiment == "E3" else "multiplicative x^2 (1 + eps cos(2 pi x/wl))"
        )
        heat(axes[0], wl, eps, ours, "wavelength wl", "amplitude eps", f"ours, N = {level}: {loss}")
        mesh = heat(axes[1], wl, eps, authors, "wavelength wl", "amplitude eps", "authors' data, N = 20 (GPU grid)")
        fig.colorbar(mesh, ax=axes, label="box-counting dimension alpha")
        claims = analysis.additive_map_claims(t) if experiment == "E3" else analysis.multiplicative_map_claims(t)
        table = analysis.tidy(t, ["eps", "wl", "theta", "R"])
        flat = {(round(e, 6), round(w, 6)): authors[i, j] for i, e in enumerate(eps) for j, w in enumerate(wl)}
        table["authors_alpha"] = [flat[(round(e, 6), round(w, 6))] for e, w in zip(t["eps"], t["wl"])]
    elif name == "fractal_two_cosines":
        t = tables["E6"]
        e1, e2 = np.sort(t["eps1"].unique()), np.sort(t["eps2"].unique())
        z = t.pivot(index="eps2", columns="eps1", values="alpha").to_numpy()
        r = t.pivot(index="eps2", columns="eps1", values="R").to_numpy()
        fig, ax = plt.subplots(figsize=(5.6, 4.4), constrained_layout=True)
        mesh = heat(ax, e1, e2, z, "eps1 (wl1 = 0.3)", "eps2 (wl2 = 0.5)",
                    f"x^2 + eps1 cos(2 pi x/0.3) + eps2 cos(2 pi x/0.5), N = {int(t['level'].iloc[0])}")  # fmt: skip
        ax.contour(e1, e2, r, levels=[1.0], colors="r", linewidths=1.5)
        ax.plot([], [], "r-", label="R = 1 (convexity: min f'' = 0)")
        ax.legend(loc="upper right", fontsize=8)
        fig.colorbar(mesh, ax=ax, label="box-counting dimension alpha")
        claims = analysis.two_cosines_claims(t)
        table = analysis.tidy(t, ["eps1", "eps2", "R"])
    else:
        t = tables["E5"]
        bounds = sorted(t["bound"].unique())
        fig, axes = plt.subplots(1, len(bounds), figsize=(3.4 * len(bounds) + 1, 3.8), constrained_layout=True,
                                 squeeze=False)  # fmt: skip
        wl_fine = np.linspace(0.01, 1.0, 200)
        for ax, b, letter in zip(axes[0], bounds, "abcd"):
            sub = t[t["bound"] == b]
            wl, le = np.sort(sub["wl"].unique()), np.log10(np.sort(sub["eps"].unique()))
            z = sub.pivot(index="eps", columns="wl", values="alpha").to_numpy()
            mesh = heat(ax, wl, le, z, "wavelength wl", "log10 eps", f"({letter}) bound B = {b:.0e}")
            ax.plot(wl_fine, np.log10(red_line(wl_fine, b)), "r-", lw=1.2, label="eps = wl^2/(2 pi^2 B)")
            ax.set_ylim(le[0] - 0.45, le[-1] + 0.45)
        axes[0][0].legend(loc="lower right", fontsize=7)
        fig.colorbar(mesh, ax=axes[0].tolist(), label="alpha (fit F4, levels 8 .. N)")
        fig.suptitle(f"multiplicative loss, tiny eps, criterion C, N = {int(t['level'].iloc[0])}", fontsize=10)
        claims = analysis.bound_claims(t)
        table = analysis.tidy(t, ["bound", "eps", "wl", "red_line"])
    figures.write_figure(args, cfg, name, fig=fig, table=table, claims=claims, config=analysis.settings_summary(t))


if __name__ == "__main__":
    main()
