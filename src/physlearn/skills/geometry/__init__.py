"""Skills Figs. 4, 5, 10, 12, 15, 18: the Geometry model (spec section 2).

Library: ``model`` (the simulation), ``experiments`` (Figs. 4, 5, 10, 15 as plain functions),
``scaling`` (exponent fits), ``quadratic`` (Fig. 12). Steps: ``figure`` (Figs. 4, 5, 15),
``scaling_shard`` -> ``scaling_figure`` (Fig. 10), ``quadratic_figure`` (Fig. 12),
``modular_figure`` (Fig. 18)."""
