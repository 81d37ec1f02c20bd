"""Harmonic Fig. 1: a 2-D classifier of a few points (spec section 3).

Library: ``points``. Step: ``figure``."""
