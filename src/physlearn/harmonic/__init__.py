"""Harmonic loss (Baek, Liu, Tyagi, Tegmark 2025): the distance-based output layer, the
algorithmic datasets, the toy models and the case studies. Spec: shared/papers/harmonic.md."""
