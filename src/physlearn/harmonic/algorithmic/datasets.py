"""The five algorithmic tasks of the harmonic-loss paper (harmonic spec section 2).

Every task is a finite set of facts: a few input tokens and one answer token, all from one
vocabulary (the toy MLPs use the token embeddings as their class centres, so answers are
tokens too). A dataset is ``samples`` facts drawn uniformly *with replacement* from that set,
split 80/20 (``train_fraction``): as the paper does, so the test set shares many facts with
the training set.

| task | facts | inputs | vocab |
|---|---|---|---|
| lattice | (a, b, c) on the 5x5 grid with d = b + c - a inside; token 5x+y | 3 | 25 |
| modular_addition | (a, b) -> (a + b) mod 31 | 2 | 31 |
| equivalence | (a, b), a, b < 40 -> 40 if (a - b) % 5 == 0 else 41 | 2 | 42 |
| genealogy | (node, relation) -> node, on a 127-node binary tree | 2 | 130 |
| permutations | (a, b) -> a o b in S4, all 576 pairs | 2 | 24 |

Genealogy: the tree is the 1-indexed heap of 127 nodes (node 1 the root, node i's parent
i // 2, grandparent i // 4, sibling i ^ 1), and node i is token i. The spec fixes 373 facts,
a vocabulary of 130 and an embedding analysed on rows 1..126; one encoding meets all three:

- the facts are asked about nodes 1..126 (``range(1, 127)``; node 127 appears only as an
  answer, the sibling of 126), each with every relation whose answer exists (the root, 1,
  has none): parent 125 (nodes 2..126) + grandparent 123 (4..126) + sibling 125 (2..126)
  = 373;
- the three relation tokens take the three ids that no node uses in a vocabulary of 130:
  parent 0, grandparent 128, sibling 129.

(Subjects 1..127 would give 376 facts; relation tokens 127..129 would collide with node 127.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

LATTICE_SIZE = 5
MODULUS = 31
EQUIVALENCE_ITEMS, EQUIVALENCE_MOD = 40, 5
TREE_NODES = 127
GENEALOGY_RELATIONS = {"parent": 0, "grandparent": 128, "sibling": 129}  # relation -> token
GENEALOGY_VOCAB = 130
PERMUTATION_SIZE = 4


@dataclass(frozen=True)
class Task:
    name: str
    inputs: np.ndarray  # [facts, n_inputs] int64 tokens
    answers: np.ndarray  # [facts] int64 tokens
    vocab: int
    embedding_rows: tuple[int, int]  # [start, stop) of the embedding rows whose PCA is the EV

    @property
    def n_inputs(self) -> int:
        return self.inputs.shape[1]

    @property
    def n_facts(self) -> int:
        return len(self.answers)


def lattice() -> Task:
    """In-context lattice: three grid points a, b, c; the answer is the fourth corner of
    the parallelogram, d = b + c - a, when it lies on the grid."""
    n = LATTICE_SIZE
    points = [(x, y) for x in range(n) for y in range(n)]
    inputs, answers = [], []
    for a, b, c in itertools.product(points, repeat=3):
        d = (b[0] + c[0] - a[0], b[1] + c[1] - a[1])
        if 0 <= d[0] < n and 0 <= d[1] < n:
            inputs.append([n * p[0] + p[1] for p in (a, b, c)])
            answers.append(n * d[0] + d[1])
    return Task("lattice", np.array(inputs), np.array(answers), n * n, (0, n * n))


def modular_addition() -> Task:
    a, b = np.meshgrid(np.arange(MODULUS), np.arange(MODULUS), indexing="ij")
    inputs = np.stack([a.ravel(), b.ravel()], 1)
    return Task("modular_addition", inputs, inputs.sum(1) % MODULUS, MODULUS, (0, MODULUS))


def equivalence() -> Task:
    """Equivalence classes mod 5 of 0..39: is (a, b) in one class? Answer tokens 40 (yes), 41 (no)."""
    n = EQUIVALENCE_ITEMS
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    inputs = np.stack([a.ravel(), b.ravel()], 1)
    answers = np.where((inputs[:, 0] - inputs[:, 1]) % EQUIVALENCE_MOD == 0, n, n + 1)
    return Task("equivalence", inputs, answers, n + 2, (0, n))


def genealogy() -> Task:
    """(subject, relation) -> relative on the 127-node heap; the encoding is in the module docstring."""
    relatives = {"parent": lambda i: i // 2, "grandparent": lambda i: i // 4, "sibling": lambda i: i ^ 1}
    inputs, answers = [], []
    for node in range(1, TREE_NODES):  # nodes 1..126 (see the module docstring)
        for relation, relative in relatives.items():
            other = relative(node)
            if 1 <= other <= TREE_NODES and other != node:
                inputs.append([node, GENEALOGY_RELATIONS[relation]])
                answers.append(other)
    return Task("genealogy", np.array(inputs), np.array(answers), GENEALOGY_VOCAB, (1, TREE_NODES))


def permutations() -> Task:
    """S4 composition: token k is the k-th permutation of (0, 1, 2, 3) in lexicographic order,
    and (a, b) -> a o b, (a o b)(i) = a(b(i))."""
    perms = list(itertools.permutations(range(PERMUTATION_SIZE)))
    index = {p: k for k, p in enumerate(perms)}
    inputs, answers = [], []
    for (i, a), (j, b) in itertools.product(enumerate(perms), repeat=2):
        inputs.append([i, j])
        answers.append(index[tuple(a[b[k]] for k in range(PERMUTATION_SIZE))])
    return Task("permutations", np.array(inputs), np.array(answers), len(perms), (0, len(perms)))


TASKS = {
    "lattice": lattice,
    "modular_addition": modular_addition,
    "equivalence": equivalence,
    "genealogy": genealogy,
    "permutations": permutations,
}
TASK_LABELS = {
    "lattice": "in-context lattice",
    "modular_addition": "modular addition",
    "equivalence": "equivalence classes",
    "genealogy": "genealogy",
    "permutations": "permutations",
}


def make_task(name: str) -> Task:
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; one of {sorted(TASKS)}")
    return TASKS[name]()


def sample(task: Task, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` facts drawn uniformly with replacement: (inputs [n, T], answers [n])."""
    pick = rng.integers(0, task.n_facts, size=n)
    return task.inputs[pick], task.answers[pick]


def n_train(samples: int, train_fraction: float) -> int:
    """The first n_train of a dataset's samples train, the rest test."""
    n = int(round(samples * train_fraction))
    if not 0 < n < samples:
        raise ValueError(f"train fraction {train_fraction} of {samples} samples leaves an empty split")
    return n
