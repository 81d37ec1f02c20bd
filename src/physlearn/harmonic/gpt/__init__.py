"""Harmonic Fig. 6: the parallelogram test of word analogies in a harmonic GPT (spec section 5).

The runs are trained by :mod:`physlearn.gpt.train`. Library: ``analogies``, ``parallelogram``.
Step: ``figure``."""
