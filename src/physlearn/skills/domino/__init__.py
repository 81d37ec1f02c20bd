"""Skills Figs. 9, 13, 19: the Domino model, grokking and modularity (spec section 4).

Library: ``model`` (Domino and quanta), ``grokking``, ``modularity``. Steps: ``figure`` (Fig. 9),
``grokking_runs`` -> ``grokking_figure`` (Fig. 13), ``modularity_runs`` ->
``modularity_figure`` (Fig. 19)."""
