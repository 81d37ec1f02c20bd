"""GPT language models and their training, shared by the FOCUS and harmonic-loss replications.

- :mod:`physlearn.gpt.model`: the model (nanoGPT-style), named sizes, FLOP counts;
- :mod:`physlearn.gpt.train`: the resumable trainer (``python -m physlearn.gpt.train``);
- :mod:`physlearn.gpt.batches`: token windows from uint16 token files;
- :mod:`physlearn.checkpoint`: atomic checkpoints and random-number states;
- :mod:`physlearn.gpt.resources`: runtime and memory of a training job, for Snakemake rules.
"""
