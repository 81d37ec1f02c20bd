"""FOCUS Fig. 2c/2d: the MNIST batch-size scan (spec section 3), vectorised over optimizers,
replicates and learning rates (:mod:`physlearn.mnist.model`, :mod:`physlearn.mnist.scan`)."""
