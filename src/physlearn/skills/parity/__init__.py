"""Skills Fig. 2: sparse parity, independent and compositional tasks (spec section 1), and the
batched MLPs that every real-network experiment trains.

Library: ``model``. Steps: ``runs`` -> ``figure``."""
