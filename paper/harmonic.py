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
# # Harmonic loss: what replicated
#
# *David D. Baek, Ziming Liu, Riya Tyagi, Max Tegmark (2025), Harmonic Loss Trains
# Interpretable AI Models, arXiv 2502.01628.*
#
# **The paper's claim.** Replacing the cross-entropy output layer with a distance-based
# *harmonic* layer (p_i ∝ d_i^−n, with d_i the distance to class centre i) makes
# models more interpretable (class centres, crystal-like embeddings), lets them generalise
# from less data, and reduces grokking; a harmonic GPT-2 has more interpretable embeddings.
#
# **How to read this page.** Each section is a figure of the paper. For every figure the
# workflow produced: our figure, the paper's claims with its numbers, ours with its
# uncertainty, and the verdict with its criterion: PASS, FAIL, or INCONCLUSIVE when our
# uncertainty interval straddles the criterion; then the scale, how the run's settings differ
# from the paper's, and the settings. A figure the workflow does not produce yet is named as
# such.
#
# This notebook computes nothing: it reads each figure's `claims.json` and its PNG under
# `results/figures/harmonic/`. `snakemake --cores all` rebuilds them and this page.

# %% [markdown]
# ## At a glance

# %% tags=["parameters"]
PAPER = "harmonic"
CLAIMS = None  # the workflow sets the claims files of its figures; None: all under results/figures/harmonic/

# %%
from physlearn import figures as registry
from physlearn.report import views

SECTIONS = registry.sections(PAPER)  # experiment -> its figures, from physlearn.figures
EXPECTED = [label for labels in SECTIONS.values() for label in labels]

figures = views.load_paper(PAPER, CLAIMS)
views.show(views.summary_html(PAPER, figures, EXPECTED))

# %% [markdown]
# ## Toy points (Fig. 1)
#
# A 2-D harmonic layer fitted to points: its weights converge onto the data points, while
# cross-entropy weight norms keep growing and cannot separate a centre point.

# %%
views.show(views.section_html(figures, SECTIONS["toy"]))

# %% [markdown]
# ## Algorithmic tasks (Fig. 2, 3, 4, 7)
#
# MLPs and toy transformers with a standard or harmonic output on algorithmic datasets: the
# explained variance of the top-2 principal components of the embedding (Fig. 2, 3a, 7), test
# accuracy against the training fraction (Fig. 3b), and the epochs to grok (Fig. 3c). The toy
# models follow the authors' code: tied embeddings and harmonic centres start at U(-1/4, +1/4),
# the standard MLP's output layer has a bias, and the embedding regulariser acts in the
# transformers only.
#
# The modular-addition case study (Fig. 4): with a harmonic MLP the embedding of modular
# addition mod 31 is a perfect circle (explained variance 100%) and generalises by epoch 450;
# a standard MLP needs weight decay to do so.

# %%
views.show(views.section_html(figures, SECTIONS["algorithmic"]))

# %% [markdown]
# ## MNIST (Fig. 5)
#
# A one-layer harmonic classifier matches the linear one in accuracy (92.5%), and its class
# centres look like digit prototypes.

# %%
views.show(views.section_html(figures, SECTIONS["mnist"]))

# %% [markdown]
# ## GPT-2 (Fig. 6)
#
# A harmonic GPT-2 small: its embeddings form better parallelograms on word-analogy tasks.

# %%
views.show(views.section_html(figures, SECTIONS["gpt"]))

# %% [markdown]
# ## Other figures
#
# Figures the workflow produced for this paper that no section above names.

# %%
views.show(views.others_html(figures, EXPECTED))
