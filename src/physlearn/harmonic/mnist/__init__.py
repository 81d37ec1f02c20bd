"""Harmonic Fig. 5: one-layer digit classifiers, harmonic against linear (spec section 4).

Library: ``model``. Steps: ``train`` -> ``figure``."""
