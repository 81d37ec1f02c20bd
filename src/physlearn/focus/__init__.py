"""FOCUS (Liu, Liu & Gore 2025): narrowing-valley sweeps, Fig. 2a/2b and the appendix maps."""
