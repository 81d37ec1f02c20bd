"""Skills Figs. 6, 7, 8, 16, 17: the Resource model (spec section 3).

Library: ``model``, ``settings`` (the config section as model settings). Steps: ``fit`` ->
``n0_figure`` (Fig. 6), ``collapse_figure`` (Fig. 7); ``underparam_figure`` (Fig. 8),
``parity_figure`` (Fig. 16), ``graphs_figure`` (Fig. 17)."""
