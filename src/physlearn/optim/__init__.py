"""Optimizers: FOCUS and Signum (``torch.optim`` API) and their update rules as functions."""

from physlearn.optim import functional
from physlearn.optim.focus import FOCUS, Signum

__all__ = ["FOCUS", "Signum", "functional"]
