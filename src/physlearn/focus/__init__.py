"""FOCUS (Liu, Liu & Gore 2025): the narrowing valley (Fig. 2a/2b), the MNIST batch-size scan
(Fig. 2c/2d) and GPT training (Fig. 3). Spec: shared/papers/focus.md. The optimizer itself is
:mod:`physlearn.optim`."""
