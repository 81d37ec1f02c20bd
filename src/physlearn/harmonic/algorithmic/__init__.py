"""Harmonic Figs. 2, 3a-c, 4 and 7: the five algorithmic tasks (spec sections 2-3), MLPs and
transformers, standard against harmonic, many runs batched into one tensor program.

Library: ``datasets``, ``models``, ``loop`` (batched training), ``metrics``, ``analysis``,
``settings``, ``results``. Steps: ``train`` -> ``figure``; ``modular_case_train`` ->
``modular_case_figure`` (Fig. 4)."""
