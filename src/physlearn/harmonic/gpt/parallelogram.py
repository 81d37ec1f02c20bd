"""The parallelogram test of harmonic Fig. 6 (spec section 5): do word analogies a:b :: c:d
form parallelograms in a language model's token embedding?

- Each word is the embedding row of its *last* BPE token, under the tokenizer the model was
  trained with (a word that is several tokens is represented by its final piece).
- The embedding of the whole vocabulary is mean-centred and projected onto its top-2
  principal components: E_pca [V, 2].
- For two pairs (a -> b) and (c -> d) of one task the loss is

      ||e_a + e_d - e_b - e_c||^2 / (2 * mean(E_pca^2))

  0 for a perfect parallelogram (b - a = d - c); the denominator is the mean square entry of
  E_pca, so that the loss does not depend on the embedding's overall scale.
- Per task: ``samples`` (10,000 in the paper) random ordered pairs of two different pairs.
"""

from __future__ import annotations

import numpy as np


def pca_projection(embedding: np.ndarray, components: int = 2) -> np.ndarray:
    """[V, D] -> [V, components]: the mean-centred rows on their top principal axes (float64).
    Each axis's sign is fixed so that its largest-magnitude loading is positive."""
    centred = np.asarray(embedding, dtype=np.float64)
    centred = centred - centred.mean(0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:components]
    axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(1)])[:, None]
    return centred @ axes.T


def parallelogram_losses(e_pca: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """Losses [N] of quadruples [N, 4] of row indices (a, b, c, d) into e_pca [V, k]."""
    a, b, c, d = (e_pca[quads[:, i]] for i in range(4))
    return np.square(a + d - b - c).sum(-1) / (2 * np.mean(np.square(e_pca)))


def sample_quadruples(pairs: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """[samples, 4] (a, b, c, d): two different pairs (a -> b), (c -> d) of ``pairs`` [P, 2],
    drawn uniformly (with replacement) among the P (P - 1) ordered choices."""
    P = len(pairs)
    if P < 2:
        raise ValueError("a task needs at least two pairs")
    first = rng.integers(P, size=samples)
    second = (first + rng.integers(1, P, size=samples)) % P  # any pair but the first
    return np.concatenate([pairs[first], pairs[second]], axis=1)


def last_token_ids(encode, words: list[str], prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
    """The id of each word's last token, and how many tokens it has. ``encode`` maps a string
    to its token ids; ``prefix`` goes before each word (e.g. " " for the mid-sentence form)."""
    ids, counts = [], []
    for word in words:
        tokens = encode(prefix + word)
        if not tokens:
            raise ValueError(f"{word!r} encodes to no tokens")
        ids.append(tokens[-1])
        counts.append(len(tokens))
    return np.array(ids, dtype=np.int64), np.array(counts, dtype=np.int64)


def task_losses(e_pca: np.ndarray, tasks: dict[str, np.ndarray], samples: int, seed: int) -> dict[str, np.ndarray]:
    """Per task (name -> token-id pairs [P, 2]): the losses of ``samples`` random quadruples.
    The draws depend only on the seed and the task's name and size, so two models compared
    with the same seed are scored on the same quadruples of word pairs."""
    out = {}
    for name, pairs in tasks.items():
        rng = np.random.default_rng(np.random.SeedSequence([seed, len(pairs), *name.encode()]))
        out[name] = parallelogram_losses(e_pca, sample_quadruples(np.asarray(pairs), samples, rng))
    return out
