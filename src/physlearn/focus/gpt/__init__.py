"""FOCUS Fig. 3a-d: GPT validation-loss curves of Adam, Signum and FOCUS (spec section 4).

The runs are trained by :mod:`physlearn.gpt.train`. Library: ``analysis``. Step: ``figure``."""
