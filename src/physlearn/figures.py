"""Every figure the workflow draws: one row each, the one place a figure's names are kept.

A row says which paper and figure it is (``label``, as the paper numbers it), the file name
of its outputs (``results/figures/<paper>/<name>.{pdf,png,csv,claims.json}``), the
experiment folder that computes it (``physlearn/<paper>/<experiment>/``, whose rules are in
``workflow/rules/<paper>_<experiment>.smk``), the step module that draws it, its title and
its report caption (``workflow/report/<caption>``).

The workflow's targets (``all_targets()``), the report's categories, the scoreboard's
order, the notebooks' sections and the README's output table all read this list. Adding a
figure: a row here, its step module (which calls :func:`write_figure` with
the row's ``name``), its rule, and its caption file.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from physlearn.claims import Claim, write_claims

PAPER_TITLES = {
    "focus": "FOCUS",
    "harmonic": "Harmonic loss",
    "skills": "Physics of Skill Learning",
    "fractal": "Fractal trainability boundary",
}

# (paper, experiment) -> heading, in the papers' own order: the report's subcategories and
# the notebooks' sections.
EXPERIMENTS = {
    ("focus", "valley"): "Narrowing valley",
    ("focus", "mnist"): "MNIST batch-size scan",
    ("focus", "gpt"): "GPT training",
    ("harmonic", "toy"): "Toy points",
    ("harmonic", "algorithmic"): "Algorithmic tasks",
    ("harmonic", "mnist"): "MNIST",
    ("harmonic", "gpt"): "GPT",
    ("skills", "parity"): "Real networks: sparse parity",
    ("skills", "geometry"): "Geometry model",
    ("skills", "resource"): "Resource model",
    ("skills", "domino"): "Domino model and modularity",
    ("fractal", "boundary"): "Learning-rate boundary of GD on perturbed quadratics",
}

# The experiments whose paper settings need a GPU (GPT-2 small, 124M parameters, trained for
# 10k-100k steps): a CPU-only paper-scale run leaves them out, and the scoreboard says "needs a
# GPU" where their paper-setting verdict would be.
GPU_EXPERIMENTS = frozenset({("focus", "gpt"), ("harmonic", "gpt")})
# Single figures whose paper settings need a GPU: the fractal single cells of Figs. 2a/2b at
# 2^32 learning rates (4.3e12 trajectory-steps each, spec section 4.1).
GPU_FIGURES = frozenset({"fractal_counts_additive", "fractal_counts_multiplicative"})

FIGURE_EXTENSIONS = ("pdf", "png", "csv", "claims.json")


@dataclass(frozen=True)
class Figure:
    paper: str  # "focus", "harmonic", "skills" or "fractal"
    label: str  # as the paper numbers it: "Fig. 10"
    name: str  # file name of the outputs, unique across papers
    experiment: str  # folder physlearn/<paper>/<experiment>/
    module: str  # the step that draws it, under physlearn.<paper>.<experiment>
    title: str  # one line: what it shows (claims title, README table)
    caption: str  # report caption file under workflow/report/

    @property
    def step(self) -> str:
        """The step module, for ``python -m``."""
        return f"physlearn.{self.paper}.{self.experiment}.{self.module}"

    @property
    def needs_gpu(self) -> bool:
        """Whether its paper settings need a GPU (:data:`GPU_EXPERIMENTS`, :data:`GPU_FIGURES`)."""
        return (self.paper, self.experiment) in GPU_EXPERIMENTS or self.name in GPU_FIGURES

    @property
    def heading(self) -> str:
        return EXPERIMENTS[(self.paper, self.experiment)]

    def path(self, ext: str) -> str:
        return f"results/figures/{self.paper}/{self.name}.{ext}"

    @property
    def targets(self) -> list[str]:
        return [self.path(ext) for ext in FIGURE_EXTENSIONS]


def _rows(paper: str, experiment: str, module: str, caption: str, *rows: tuple[str, str, str]) -> list[Figure]:
    return [Figure(paper, label, name, experiment, module, title, caption) for label, name, title in rows]


FIGURES: list[Figure] = [
    # ---- FOCUS ----
    *_rows(
        "focus",
        "valley",
        "figure",
        "focus_valley.rst",
        ("Fig. 2a", "valley_sharpness", "Narrowing valley: best optimizer over noise and sharpness"),
        ("Fig. 2b", "valley_weight_decay", "Narrowing valley: best optimizer over noise and weight decay"),
    ),
    *_rows(
        "focus",
        "valley",
        "pairs_figure",
        "focus_valley_pairs.rst",
        ("Fig. 2a (appendix pairs)", "valley_sharpness_pairs", "Narrowing valley: head-to-head maps"),
        ("Fig. 2b (appendix pairs)", "valley_weight_decay_pairs", "Narrowing valley: head-to-head maps"),
    ),
    *_rows(
        "focus",
        "mnist",
        "figure",
        "focus_mnist.rst",
        ("Fig. 2c", "mnist_loss", "MNIST scan: best test loss vs batch size"),
        ("Fig. 2d", "mnist_improvement", "MNIST scan: Signum's improvement over AdamW vs batch size"),
    ),
    *_rows(
        "focus",
        "gpt",
        "figure",
        "focus_gpt.rst",
        ("Fig. 3a", "gpt_adam", "FOCUS vs Adam: validation loss"),
        ("Fig. 3b", "gpt_signum", "FOCUS vs Signum: stability"),
        ("Fig. 3c", "gpt_schedules", "FOCUS with shorter schedules vs Adam"),
        ("Fig. 3d", "gpt_speedup", "Steps Adam needs to match each FOCUS schedule"),
    ),
    # ---- Harmonic loss ----
    *_rows(
        "harmonic",
        "toy",
        "figure",
        "harmonic_toy.rst",
        ("Fig. 1", "toy_points", "Toy points: harmonic centres vs cross-entropy weights"),
    ),
    *_rows(
        "harmonic",
        "algorithmic",
        "figure",
        "harmonic_algorithmic.rst",
        ("Fig. 2", "algorithmic_ev_mlp", "2-D PCA of the token embeddings, standard vs harmonic MLPs"),
        ("Fig. 3a", "algorithmic_cumulative_ev", "Cumulative explained variance of the embeddings' first 10 PCs"),
        ("Fig. 3b", "algorithmic_data_efficiency", "Test accuracy vs train fraction, standard vs harmonic MLPs"),
        ("Fig. 3c", "algorithmic_grokking", "Epochs to > 0.9 accuracy (held for 20 epochs), standard vs harmonic"),
        ("Fig. 7", "algorithmic_ev_transformer", "2-D PCA of the token embeddings, standard vs harmonic transformers"),
    ),
    *_rows(
        "harmonic",
        "algorithmic",
        "modular_case_figure",
        "harmonic_modular_case.rst",
        ("Fig. 4", "modular_case", "Modular addition (p = 31): embeddings and accuracy, standard vs harmonic MLP"),
    ),
    *_rows(
        "harmonic",
        "mnist",
        "figure",
        "harmonic_mnist.rst",
        ("Fig. 5", "mnist_weights", "One-layer digit classifiers: harmonic centres vs linear weights"),
    ),
    *_rows(
        "harmonic",
        "gpt",
        "figure",
        "harmonic_gpt.rst",
        (
            "Fig. 6",
            "gpt_parallelogram",
            "GPT token embeddings: parallelogram loss of word analogies, standard vs harmonic",
        ),
    ),
    # ---- Physics of Skill Learning ----
    *_rows(
        "skills",
        "parity",
        "figure",
        "skills_parity.rst",
        ("Fig. 2", "parity", "Sparse parity: independent and compositional tasks"),
    ),
    *_rows(
        "skills",
        "geometry",
        "figure",
        "skills_geometry.rst",
        ("Fig. 4", "geometry_ratio", "Geometry model: learning-time ratio t2/t1 of two skills against p1/p2"),
        ("Fig. 5", "geometry_sequence", "Geometry model: skills learned in sequence, and n_align"),
        ("Fig. 15", "geometry_optimizers", "Geometry model: final skill levels under Adam, AdEMAMix and Lion"),
    ),
    *_rows(
        "skills",
        "geometry",
        "scaling_figure",
        "skills_geometry_scaling.rst",
        ("Fig. 10", "geometry_scaling", "Geometry model: scaling laws in N and steps"),
    ),
    *_rows(
        "skills",
        "geometry",
        "quadratic_figure",
        "skills_quadratic_basis.rst",
        ("Fig. 12", "quadratic_basis", "Optimizers and the basis: SGD vs SignGD on a rotated quadratic"),
    ),
    *_rows(
        "skills",
        "geometry",
        "modular_figure",
        "skills_geometry_modular.rst",
        ("Fig. 18", "geometry_modular", "Modularity: speed-up of a modular Geometry model under SignGD"),
    ),
    *_rows(
        "skills",
        "resource",
        "n0_figure",
        "skills_resource_n0.rst",
        ("Fig. 6", "resource_n0", "Resource model vs Geometry model: the best N0 per ablation"),
    ),
    *_rows(
        "skills",
        "resource",
        "collapse_figure",
        "skills_resource_collapse.rst",
        ("Fig. 7", "resource_collapse", "Resource model: the collapse u_i^(1/p_i) and N0 against lr, noise, B"),
    ),
    *_rows(
        "skills",
        "resource",
        "underparam_figure",
        "skills_resource_underparam.rst",
        (
            "Fig. 8",
            "resource_underparam",
            "Resource model with overlapping skills vs the under-parameterised Geometry model",
        ),
    ),
    *_rows(
        "skills",
        "resource",
        "parity_figure",
        "skills_resource_parity.rst",
        ("Fig. 16", "resource_parity", "Gated Resource model vs the compositional sparse-parity task"),
    ),
    *_rows(
        "skills",
        "resource",
        "graphs_figure",
        "skills_resource_graphs.rst",
        ("Fig. 17", "resource_graphs", "Gated Resource model: dependency graphs (chain, AND/AND, AND/OR)"),
    ),
    *_rows(
        "skills", "domino", "figure", "skills_domino.rst", ("Fig. 9", "domino", "The Domino model vs the quanta model")
    ),
    *_rows(
        "skills",
        "domino",
        "grokking_figure",
        "skills_grokking.rst",
        ("Fig. 13", "grokking", "Grokking: SignGD vs Adam on modular addition"),
    ),
    *_rows(
        "skills",
        "domino",
        "modularity_figure",
        "skills_modularity.rst",
        ("Fig. 19", "modularity", "Modularity speeds up the rare skill"),
    ),
    # ---- Fractal trainability boundary ----
    *_rows(
        "fractal",
        "boundary",
        "strip_figure",
        "fractal_strip.rst",
        ("Fig. 1b", "fractal_segments", "Boxes holding a label change, level by level (multiplicative, N = 10)"),
        ("Fig. 1d", "fractal_strip", "Bounded and divergent learning rates as a strip (multiplicative, eps = 1e-3)"),
    ),
    *_rows(
        "fractal",
        "boundary",
        "counts_figure",
        "fractal_counts.rst",
        ("Fig. 2a", "fractal_counts_additive", "log2 #B(n) against n, additive loss (eps 0.2, wl 0.1)"),
        ("Fig. 2b", "fractal_counts_multiplicative", "log2 #B(n) against n, multiplicative loss (eps 0.2, wl 0.1)"),
        ("Fig. S2", "fractal_quadratic", "Pure quadratic: a single boundary at eta* = 1.0046"),
    ),
    *_rows(
        "fractal",
        "boundary",
        "map_figure",
        "fractal_map.rst",
        ("Fig. 2c", "fractal_map_additive", "Dimension alpha over (wavelength, amplitude), additive loss"),
        ("Fig. 2d", "fractal_map_multiplicative", "Dimension alpha over (wavelength, amplitude), multiplicative loss"),
        ("Fig. 4a", "fractal_two_cosines", "Dimension alpha over two cosine amplitudes, with the convexity contour"),
        ("Fig. S3", "fractal_bound", "Multiplicative loss at tiny amplitude under four divergence bounds"),
    ),
    *_rows(
        "fractal",
        "boundary",
        "map_figure",
        "fractal_map.rst",
        ("Fig. 3a", "fractal_roughness_additive", "Dimension alpha against roughness eps/wl^2, additive loss"),
        ("Fig. 3b", "fractal_roughness_multiplicative", "Dimension alpha against roughness eps, multiplicative loss"),
    ),
    *_rows(
        "fractal",
        "boundary",
        "dimension_figure",
        "fractal_dimension.rst",
        ("Fig. 4b", "fractal_dimension_additive", "Dimension alpha against dimension d, additive loss"),
        ("Fig. 4c", "fractal_dimension_multiplicative", "Dimension alpha against dimension d, multiplicative loss"),
    ),
    *_rows(
        "fractal",
        "boundary",
        "dimension_figure",
        "fractal_dimension.rst",
        ("Fig. S4", "fractal_initial_additive", "Dimension alpha over random x0, additive loss"),
        ("Fig. S5", "fractal_initial_multiplicative", "Dimension alpha over random x0, multiplicative loss"),
    ),
]

_BY_NAME = {f.name: f for f in FIGURES}


def get(name: str) -> Figure:
    """The row of the figure whose outputs are named ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no figure named {name!r} in physlearn.figures (known: {sorted(_BY_NAME)})") from None


def of(paper: str | None = None, experiment: str | None = None, module: str | None = None) -> list[Figure]:
    """The rows of a paper, an experiment or a step module, in the papers' order."""
    return [
        f
        for f in FIGURES
        if (paper is None or f.paper == paper)
        and (experiment is None or f.experiment == experiment)
        and (module is None or f.module == module)
    ]


def names(paper: str, experiment: str, module: str | None = None) -> list[str]:
    return [f.name for f in of(paper, experiment, module)]


def sections(paper: str) -> dict[str, list[str]]:
    """experiment -> its figures' labels, in the order the notebook shows them."""
    out: dict[str, list[str]] = {exp: [] for (p, exp) in EXPERIMENTS if p == paper}
    for f in sorted(of(paper), key=lambda f: _label_key(f.label)):
        out[f.experiment].append(f.label)
    return out


def _label_key(label: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", label))


def all_targets() -> list[str]:
    """Every figure's four outputs."""
    return [t for f in FIGURES for t in f.targets]


def cpu_targets() -> list[str]:
    """The outputs of every figure whose paper settings a CPU can carry (not :attr:`Figure.needs_gpu`)."""
    return [t for f in FIGURES if not f.needs_gpu for t in f.targets]


def write_figure(
    args: argparse.Namespace,
    cfg: dict,
    name: str,
    *,
    fig,
    table,
    claims: list[Claim],
    config: dict,
    title: str | None = None,
    scale: str | None = None,
) -> dict:
    """Write the outputs of figure ``name`` that a step was given (:mod:`physlearn.step`):
    the tidy table to ``args.table``, the figure to ``args.pdf`` and ``args.png``, and the
    claims to ``args.claims`` under the row's paper, label and title (``title`` replaces the
    row's). The claims carry the settings record: how the step's config differs from the
    paper's (the workflow gives figure steps both). The scale is "paper" when nothing
    differs, else ``scale`` or the config's. The claims also record the figure's provenance
    (commit, code hash, machine) for the paper-scale snapshot. Returns the claims document."""
    from physlearn import plotting, step  # only figure steps need them, not the DAG build
    from physlearn.provenance import provenance
    from physlearn.settings import settings_record

    row = get(name)
    settings = settings_record(cfg)
    if settings is not None and not settings["differs"]:
        scale = "paper"
    step.save_table(table, args.table)
    plotting.save(fig, args.pdf, args.png)
    return write_claims(
        args.claims,
        paper=row.paper,
        figure=row.label,
        title=title or row.title,
        scale=scale or cfg["scale"],
        config=config,
        claims=claims,
        files={"pdf": str(args.pdf), "png": str(args.png), "table": str(args.table)},
        settings=settings,
        provenance=provenance(row.paper, row.experiment),
    )
