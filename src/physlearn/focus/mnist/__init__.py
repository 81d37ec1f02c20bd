"""FOCUS Fig. 2c/2d: the MNIST batch-size scan (spec section 3), vectorised over optimizers,
replicates and learning rates (:mod:`physlearn.focus.mnist.model`, :mod:`physlearn.focus.mnist.scan`)."""
