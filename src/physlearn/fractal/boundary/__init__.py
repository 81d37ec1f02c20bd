"""The fractal trainability boundary, every experiment E0-E10 of the spec (shared/papers/fractal.md).

Library: ``losses``, ``sweep``, ``counting``, ``convexity``, ``experiments``, ``loop`` (see the
package docstring), ``design`` (each experiment's cells), ``analysis`` (the claims of spec
section 6 and the authors' numbers), ``resources`` (runtime estimates).
Steps: ``labels`` (one shard of labels), ``counts`` (#B(n) and alpha per cell), and the figure
steps ``counts_figure`` (Figs. 2a, 2b, S2), ``map_figure`` (Figs. 2c, 2d, 3a, 3b, 4a, S3),
``dimension_figure`` (Figs. 4b, 4c, S4, S5) and ``strip_figure`` (Figs. 1b, 1d).
"""
