# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fractal trainability boundary: what replicated
#
# *Yizhou Liu (2024), Complex fractal trainability boundary can arise from trivial
# non-convexity, arXiv 2406.13971.*
#
# **The paper's claim.** Plain gradient descent on x² with a small cosine perturbation, added
# (x² + ε cos(2πx/λ)) or multiplied (x²(1 + ε cos(2πx/λ))), already has a fractal boundary
# between the learning rates that train and those that diverge: its box-counting dimension
# is about 0.8-1. A "roughness" invariant under rescaling x decides it: θ₊ = ε/λ² for the
# additive loss, which is non-fractal while convex (θ₊ ≤ 1/(2π²)) and fractal just above;
# θ× = ε for the multiplicative loss, fractal everywhere tested.
#
# **How to read this page.** Each section is a figure of the paper. For every figure the
# workflow produced: our figure, then each of the paper's claims that the figure can test
# (the spec's section 6, with its tolerances), with the paper's number, ours, and the verdict
# with the criterion that decided it (fixed in code before the numbers were seen). A verdict
# is PASS, FAIL or INCONCLUSIVE: inconclusive when the uncertainty of our number (shown under
# it) straddles the criterion. A single cell's dimension α carries its OLS standard error;
# statements over many cells count cells, or use an interval (a 95% t interval, a median's
# distribution-free interval, a Wilson interval for a share). Beside the scale, how the run's
# settings differ from the paper's: the laptop run uses coarser learning-rate grids, and the
# fractal structure of short wavelengths only shows at fine levels, so several claims are
# inconclusive or fail there and need the paper-scale run (config/paper.yaml, GPU jobs).
#
# This notebook computes nothing: it reads each figure's `claims.json` and its PNG under
# `results/figures/fractal/`. `snakemake --cores all` rebuilds them and this page.

# %% [markdown]
# ## At a glance

# %% tags=["parameters"]
PAPER = "fractal"
CLAIMS = None  # the workflow sets the claims files of its figures; None: all under results/figures/fractal/

# %%
from physlearn import figures as registry
from physlearn.report import views

SECTIONS = registry.sections(PAPER)  # experiment -> its figures, from physlearn.figures
EXPECTED = [label for labels in SECTIONS.values() for label in labels]

figures = views.load_paper(PAPER, CLAIMS)
views.show(views.summary_html(PAPER, figures, EXPECTED))

# %% [markdown]
# ## The learning-rate boundary of GD on perturbed quadratics (Figs. 1-4, S2-S5)
#
# Every experiment runs 1000 steps of float64 GD for each learning rate of the clean grid
# η = 1.5 j / 2^N and labels it bounded or divergent by the authors' criterion (a threshold
# with early stop, the cumulative loss, or the frozen loss under a bound). #B(n) counts the
# boxes of width 1.5/2^n that hold a label change, and α is the OLS slope of log₂ #B(n)
# against n over the levels of the experiment's fit rule. Figs. 1b/1d draw the boundary;
# Figs. 2a/2b fit single cells at high resolution; Figs. 2c/2d and 3a/3b map α over amplitude
# and wavelength and against roughness; Fig. 4a adds a second cosine; Figs. 4b/4c vary the
# parameter dimension (Fig. 4c under both labellings of runaway trajectories, only the
# authors' scored); Fig. S2 is the pure quadratic; Fig. S3 the multiplicative loss at tiny
# amplitude under four divergence bounds; Figs. S4/S5 random initial points under both
# protocols (the authors' code redraws x0 for every learning rate; only that one is scored).

# %%
views.show(views.section_html(figures, SECTIONS["boundary"]))

# %% [markdown]
# ## Other figures
#
# Figures the workflow produced for this paper that no section above names.

# %%
views.show(views.others_html(figures, EXPECTED))
