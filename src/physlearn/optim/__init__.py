"""Optimizers: FOCUS and Signum (``torch.optim`` API) and their update rules as functions."""

import physlearn.optim.functional as functional
from physlearn.optim.focus import FOCUS, Signum

__all__ = ["FOCUS", "Signum", "functional"]
