"""The five algorithmic tasks (harmonic spec section 2): every fact and every drawn sample
checked against an independent oracle, and the counts and vocabularies of the spec."""

import itertools

import numpy as np
import pytest

from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic.loop import run_data

SPEC = {  # task: (inputs, vocab, facts or None)
    "lattice": (3, 25, None),
    "modular_addition": (2, 31, 31 * 31),
    "equivalence": (2, 42, 40 * 40),
    "genealogy": (2, 130, 373),
    "permutations": (2, 24, 576),
}


def lattice_oracle(a, b, c):
    (ax, ay), (bx, by), (cx, cy) = (divmod(int(t), 5) for t in (a, b, c))
    dx, dy = bx + cx - ax, by + cy - ay
    return 5 * dx + dy if 0 <= dx < 5 and 0 <= dy < 5 else None


def genealogy_oracle(subject, relation):
    """Walk an explicitly built tree: node k's children are 2k and 2k+1 (up to 127)."""
    parent = {child: k for k in range(1, 128) for child in (2 * k, 2 * k + 1) if child <= 127}
    children = {k: [c for c in (2 * k, 2 * k + 1) if c <= 127] for k in range(1, 128)}
    name = {0: "parent", 128: "grandparent", 129: "sibling"}[int(relation)]
    s = int(subject)
    if name == "parent":
        return parent.get(s)
    if name == "grandparent":
        return parent.get(parent.get(s))
    p = parent.get(s)
    return None if p is None else next(c for c in children[p] if c != s)


PERMS = list(itertools.permutations(range(4)))


def oracle(task, inputs):
    if task == "lattice":
        return lattice_oracle(*inputs)
    a, b = (int(t) for t in inputs)
    if task == "modular_addition":
        return (a + b) % 31
    if task == "equivalence":
        return 40 if a % 5 == b % 5 else 41
    if task == "genealogy":
        return genealogy_oracle(a, b)
    composed = tuple(PERMS[a][PERMS[b][i]] for i in range(4))  # (a o b)(i) = a(b(i))
    return PERMS.index(composed)


@pytest.mark.parametrize("name", list(SPEC))
def test_every_fact_is_correct_and_counts_match_the_spec(name):
    task = D.make_task(name)
    n_inputs, vocab, facts = SPEC[name]
    assert task.n_inputs == n_inputs and task.vocab == vocab
    if facts is not None:
        assert task.n_facts == facts
    assert len({tuple(x) for x in task.inputs}) == task.n_facts  # one answer per input
    assert task.inputs.min() >= 0 and task.inputs.max() < vocab
    assert task.answers.min() >= 0 and task.answers.max() < vocab
    for x, y in zip(task.inputs, task.answers):
        assert oracle(name, x) == y, (name, x, y)


def test_lattice_has_every_valid_triple():
    """In 1-D, (a, b, c) in [0, 5)^3 with b + c - a in [0, 5): count by a formula-free loop;
    the 2-D count is its square."""
    n1 = sum(0 <= b + c - a < 5 for a in range(5) for b in range(5) for c in range(5))
    assert D.make_task("lattice").n_facts == n1 * n1 == 7225


def test_genealogy_encoding():
    task = D.make_task("genealogy")
    subjects, relations = task.inputs[:, 0], task.inputs[:, 1]
    assert set(subjects) == set(range(2, 127))  # the root (1) has no relatives; 127 is never asked
    assert set(subjects) | set(task.answers) == set(range(1, 128))
    assert set(relations) == {0, 128, 129}
    assert set(task.answers) <= set(range(1, 128))
    assert 127 in set(task.answers)  # the sibling of 126
    counts = {r: int((relations == t).sum()) for r, t in D.GENEALOGY_RELATIONS.items()}
    assert counts == {"parent": 125, "grandparent": 123, "sibling": 125}
    assert task.embedding_rows == (1, 127)
    assert D.make_task("equivalence").embedding_rows == (0, 40)


@pytest.mark.parametrize("name", list(SPEC))
def test_samples_drawn_with_replacement_are_correct(name):
    task = D.make_task(name)
    inputs, answers = run_data(task, root_seed=0, seed=52, samples=1000)
    assert inputs.shape == (1000, task.n_inputs) and answers.shape == (1000,)
    for x, y in zip(inputs, answers):
        assert oracle(name, x) == y
    again = run_data(task, root_seed=0, seed=52, samples=1000)
    np.testing.assert_array_equal(inputs, again[0])  # deterministic
    other = run_data(task, root_seed=0, seed=105, samples=1000)
    assert not np.array_equal(inputs, other[0])  # seeds differ
    # with replacement: about n (1 - (1 - 1/n)^1000) distinct facts (lattice: ~934 of 1000 draws,
    # so ~66 repeats; without replacement there would be none)
    n = task.n_facts
    expected = n * (1 - (1 - 1 / n) ** 1000)
    assert abs(len({tuple(x) for x in inputs}) - expected) < 0.04 * expected


def test_split_sizes():
    assert D.n_train(1000, 0.8) == 800
    assert D.n_train(1000, 0.1) == 100
    with pytest.raises(ValueError):
        D.n_train(1000, 1.0)
    with pytest.raises(ValueError):
        D.make_task("sorting")
