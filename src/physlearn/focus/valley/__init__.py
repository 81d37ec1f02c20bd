"""FOCUS Fig. 2a/2b and the appendix maps: the narrowing valley (spec section 2), swept over
(noise, sharpness or weight decay, learning rate) for Adam, Signum and FOCUS.

Library: ``sweep`` (the loss and the vectorised sweep), ``loop`` (one trajectory at a time),
``analysis`` (maps and claims). Steps: ``shard`` -> ``merge`` -> ``figure``, ``pairs_figure``."""
