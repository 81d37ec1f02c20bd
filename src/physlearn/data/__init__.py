"""Data preparation: text corpora, tokenizers and token files, and digit images.

Every source's output is checksummed and described by a JSON sidecar; a source that cannot
be reached raises :class:`physlearn.data.files.DataUnavailable`, whose message says what was
tried and how to provide the data by path. The token-file format read by physlearn.gpt is
documented in :mod:`physlearn.data.tokens`.
"""
