"""The fractal trainability boundary (Liu 2024, arXiv 2406.13971): plain gradient descent on
x^2 with a cosine perturbation, scanned over the learning rate. Spec: shared/papers/fractal.md.

One experiment folder, ``boundary/`` (every figure E0-E10 of the spec). Its library (pure
functions, no workflow):

- ``losses``: the losses of spec section 2.1 with their analytic gradients (torch);
- ``sweep``: float64 GD over a batch of (cell x learning rate) trajectories as one tensor
  program, with the divergence criteria A, B, C of section 2.4;
- ``counting``: the learning-rate grids (2.3), bit-packed labels, box counting #B(n) (2.5) and
  the fit rules F1-F6 (2.6);
- ``convexity``: roughness, curvature ratio, the E5 red line, renormalisation (2.7);
- ``experiments``: the exact 1-D reductions of E7/E8 and the initial points of E9 (section 3);
- ``loop``: one trajectory at a time in numpy, the benchmark baseline and the test oracle;
- ``design``: each experiment's cells, criterion, grid and fit rule, from the config;
- ``resources``: runtime estimates of the label jobs.

- ``analysis``: the claims of spec section 6, with the authors' numbers they are read against.

Its workflow steps: ``labels`` (one shard of an experiment's labels), ``counts`` (#B(n) and
alpha per cell) and the figure steps ``*_figure``.
"""
