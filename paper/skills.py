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
# # Physics of Skill Learning: what replicated
#
# *Ziming Liu, Yizhou Liu, Eric J. Michaud, Jeff Gore, Max Tegmark (2025), Physics of Skill
# Learning, arXiv 2501.12391.*
#
# **The paper's claim.** Skills are learned one after another, and some start right after
# others finish (the *Domino effect*). Three toy models explain it, from the most realistic
# to the simplest: the Geometry model (skills are directions in parameter space), the
# Resource model (skills compete for a shared learning resource) and the Domino model (skills
# are learned strictly one at a time).
#
# **How to read this page.** Each section is a figure of the paper. For every figure the
# workflow produced: our figure, the paper's claims with its numbers, ours with its
# uncertainty, and the verdict with its criterion: PASS, FAIL, or INCONCLUSIVE when our
# uncertainty interval straddles the criterion; then the scale, how the run's settings differ
# from the paper's, and the settings. A figure the workflow does not produce yet is named as
# such.
#
# This notebook computes nothing: it reads each figure's `claims.json` and its PNG under
# `results/figures/skills/`. `snakemake --cores all` rebuilds them and this page.

# %% [markdown]
# ## At a glance

# %% tags=["parameters"]
PAPER = "skills"
CLAIMS = None  # the workflow sets the claims files of its figures; None: all under results/figures/skills/

# %%
from physlearn import figures as registry
from physlearn.report import views

SECTIONS = registry.sections(PAPER)  # experiment -> its figures, from physlearn.figures
EXPECTED = [label for labels in SECTIONS.values() for label in labels]

figures = views.load_paper(PAPER, CLAIMS)
views.show(views.summary_html(PAPER, figures, EXPECTED))

# %% [markdown]
# ## Real networks: sparse parity (Fig. 2)
#
# An MLP learning two parities: the rarer one is learned only about twice as late even when
# it is ten times rarer, and a composite parity is learned right after its parts.

# %%
views.show(views.section_html(figures, SECTIONS["parity"]))

# %% [markdown]
# ## Geometry model (Fig. 4, 5, 10, 12, 15, 18)
#
# Skills as unit directions in parameter space with Zipfian frequencies: skills are learned
# in sequence (Fig. 4, 5), the model gives Chinchilla-like scaling exponents (Fig. 10), and it
# explains how optimizers differ (Fig. 12, 15) and why modular models learn faster (Fig. 18).
#
# Reading Fig. 18: under SignGD every parameter moves by lr a step, so the non-modular
# model's step has norm lr sqrt(N) and serves every skill at once, while a modular skill moves
# by lr only on the steps it is drawn. The non-modular model therefore leads early, the more
# so the larger N, and the modular one overtakes once its frequent skills are learned (about
# 1/lr steps). The runs use the authors' lr 0.01, so the modular model overtakes after about
# 100 of the 1000 steps, and the claims judge N <= 400, where the spec has the ratio above 1
# and rising (at larger N the non-modular loss collapses and the ratio dips below 1).

# %%
views.show(views.section_html(figures, SECTIONS["geometry"]))

# %% [markdown]
# ## Resource model (Fig. 6, 7, 8, 16, 17)
#
# Skills competing for a shared learning resource reproduce the Geometry model's curves
# (Fig. 6, 7), the under-parameterised regime (Fig. 8) and compositional tasks (Fig. 16, 17).

# %%
views.show(views.section_html(figures, SECTIONS["resource"]))

# %% [markdown]
# ## Domino model and modularity (Fig. 9, 13, 19)
#
# Skills learned strictly one at a time (Fig. 9); sign updates remove most of the grokking
# delay (Fig. 13); modularity speeds up rare skills (Fig. 19).

# %%
views.show(views.section_html(figures, SECTIONS["domino"]))

# %% [markdown]
# ## Other figures
#
# Figures the workflow produced for this paper that no section above names.

# %%
views.show(views.others_html(figures, EXPECTED))
