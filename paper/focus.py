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
# # FOCUS: what replicated
#
# *Yizhou Liu, Ziming Liu, Jeff Gore (2025), FOCUS: First Order Concentrated Updating Scheme,
# arXiv 2501.12243.*
#
# **The paper's claim.** The loss landscape of LLM pre-training looks like a *narrowing
# valley*. When the gradient noise is large compared with the valley's sharpness, Adam falls
# behind Signum, because Adam shrinks its effective step too much. FOCUS is Signum plus an
# attraction toward a moving average of the parameters; in GPT-2 training it is more stable
# than Signum and faster than Adam.
#
# **How to read this page.** Each section is a figure of the paper. For every figure the
# workflow produced: our figure, then each of the paper's claims that the figure can test,
# with the paper's number, ours, and the verdict with the criterion that decided it (fixed in
# code before the numbers were seen). A verdict is PASS, FAIL or INCONCLUSIVE: inconclusive
# when the uncertainty of our number (shown under it) straddles the criterion. Beside the
# scale, how the run's settings differ from the paper's; the settings that matter come last.
# A figure the workflow does not produce yet is named as such.
#
# This notebook computes nothing: it reads each figure's `claims.json` and its PNG under
# `results/figures/focus/`. `snakemake --cores all` rebuilds them and this page.

# %% [markdown]
# ## At a glance

# %% tags=["parameters"]
PAPER = "focus"
CLAIMS = None  # the workflow sets the claims files of its figures; None: all under results/figures/focus/

# %%
from physlearn import figures as registry
from physlearn.report import views

SECTIONS = registry.sections(PAPER)  # experiment -> its figures, from physlearn.figures
EXPECTED = [label for labels in SECTIONS.values() for label in labels]

figures = views.load_paper(PAPER, CLAIMS)
views.show(views.summary_html(PAPER, figures, EXPECTED))

# %% [markdown]
# ## Narrowing valley (Fig. 2a, 2b and the appendix head-to-head maps)
#
# A two-parameter loss L = ½ a x² y² − c x, whose curvature across the valley, a x², grows
# along it, with multiplicative gradient noise ξ ~ N(1, σ²). Each
# pixel is coloured by the optimizer with the lowest mean loss after the last step (best
# learning rate each): Adam orange, Signum yellow, FOCUS blue. Fig. 2a scans the sharpness
# a at weight decay 0.1; Fig. 2b scans the weight decay at a = 10. The paper expects Adam
# to win at low noise, sign-based methods at high noise, with the boundary moving to higher
# noise as the valley gets sharper. The appendix maps compare the optimizers in pairs.
# Fig. 2b's checkpoints also test the order of Adam and the sign methods, and two claims read
# the trajectory metrics the authors' script records (lowest loss, furthest progress along the
# valley): Adam ahead without noise, behind at σ = 3. A pixel counts for an optimizer only
# where the 95% t interval of its paired loss difference over the replicates excludes 0;
# where the undecided pixels could flip a claim, it is inconclusive.

# %%
views.show(views.section_html(figures, SECTIONS["valley"]))

# %% [markdown]
# ## MNIST batch-size scan (Fig. 2c, 2d)
#
# An MLP with BatchNorm trained for 400 steps at batch sizes 2 to 4096; the paper
# expects Signum to beat Adam at small batches (high gradient noise), by about 19% in test
# loss at batch 2, and to lose slightly at batches of 128 and more. Each claim is decided on
# the 95% t interval over the replicates (mean ± 4.3 s.e. at three), so with three replicates and error bars
# of 10 to 40 points many of them are inconclusive rather than passed or failed.

# %%
views.show(views.section_html(figures, SECTIONS["mnist"]))

# %% [markdown]
# ## GPT-2 small on OpenWebText (Fig. 3a-d)
#
# Adam, Signum and FOCUS trained at the paper's batch of 491,520 tokens per step; the paper's
# FOCUS run reaches a validation loss of about 2.90 after 100k steps, ahead of Adam at the same
# learning rate, and is more stable than Signum. Each run is one seed: the final losses carry
# their standard error over the evaluation batches only, the divergence steps no interval.

# %%
views.show(views.section_html(figures, SECTIONS["gpt"]))

# %% [markdown]
# ## Other figures
#
# Figures the workflow produced for this paper that no section above names.

# %%
views.show(views.others_html(figures, EXPECTED))
