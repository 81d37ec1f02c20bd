"""physlearn: replications of FOCUS, harmonic loss and the physics of skill learning."""

__version__ = "0.1.0"
