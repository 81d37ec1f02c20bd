"""The CPU piecewise path of physlearn.optim.functional.focus (large updates cut into
cache-sized pieces, for speed) gives bit-identical results to whole-tensor updates."""

from __future__ import annotations

import pytest
import torch

from physlearn.optim import FOCUS
from physlearn.optim import functional as F

CASES = [
    dict(gamma=0.2, weight_decay=0.1, decay_to_ema=True),
    dict(gamma=0.2, weight_decay=0.1, decay_to_ema=False),
    dict(gamma=0.0, weight_decay=0.2, decay_to_ema=True),
    dict(gamma=0.0, weight_decay=0.1, decay_to_ema=False),
    dict(gamma=0.3, weight_decay=0.0, decay_to_ema=True),
    dict(gamma=0.0, weight_decay=0.0, decay_to_ema=True),
]
# Odd sizes, so that pieces start mid-vector and tensors end in scalar tails.
SHAPES = [(37, 29), (1000,), (3,), (64, 65), (1,), (7, 3, 11)]


def _run(piece_numel: int, slice_numel: int, case: dict, dtype, threads: int, monkeypatch) -> list[torch.Tensor]:
    monkeypatch.setattr(F, "CPU_PIECE_NUMEL", piece_numel)
    monkeypatch.setattr(F, "CPU_SERIAL_SLICE_NUMEL", slice_numel)
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=gen, dtype=dtype) for s in SHAPES]
    exp_avgs = [torch.zeros_like(p) for p in params]
    needs_ema = case["gamma"] != 0 or (case["decay_to_ema"] and case["weight_decay"] != 0)
    param_avgs = [torch.zeros_like(p) for p in params] if needs_ema else None
    for t in range(1, 9):
        grads = [torch.randn(s, generator=gen, dtype=dtype) for s in SHAPES]
        grads[3] = grads[3].t().contiguous().t()  # a non-contiguous gradient: its tensor is not cut
        steps = [t] * len(params)
        steps[1] = max(1, t - 2)  # a parameter that missed gradients keeps its own count
        F.focus(params, grads, exp_avgs, param_avgs, steps, lr=0.01, beta1=0.9, beta2=0.99, **case)
    return params + exp_avgs + (param_avgs or [])


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pieces_match_whole_tensors_bit_for_bit(case, dtype, monkeypatch):
    threads = torch.get_num_threads()
    try:
        whole = _run(10**9, 10**9, case, dtype, 1, monkeypatch)
        # With 1 thread slices are as large as pieces; with 2 they are at most the serial size.
        for piece_numel, slice_numel, n_threads in [
            (16, 16, 1),
            (37, 37, 1),
            (500, 500, 1),
            (500, 7, 2),
            (37, 1000, 2),
        ]:
            pieces = _run(piece_numel, slice_numel, case, dtype, n_threads, monkeypatch)
            assert all(torch.equal(a, b) for a, b in zip(whole, pieces)), (piece_numel, slice_numel, n_threads)
    finally:
        torch.set_num_threads(threads)


def test_cut_into_pieces_covers_every_number_once():
    tensors = [torch.zeros(s) for s in SHAPES] + [torch.zeros(10, 10).t()]  # the last: not contiguous
    steps = list(range(1, len(tensors) + 1))
    seen = 0
    for (pieces,), piece_steps in F._cut_into_pieces([tensors], steps, 50, 20):
        assert len(pieces) == len(piece_steps)
        assert all(p.numel() <= 20 or not p.is_contiguous() for p in pieces)  # slices are cut to 20
        assert sum(p.numel() for p in pieces[:-1]) < 50  # a piece closes once it holds >= 50
        for p, step in zip(pieces, piece_steps):
            p.add_(step)  # views: writes land in the original tensors
            seen += p.numel()
    assert seen == sum(t.numel() for t in tensors)
    assert all(torch.all(t == step) for t, step in zip(tensors, steps))


def test_large_optimizer_step_takes_the_piecewise_path_and_agrees(monkeypatch):
    # Through the optimizer, on tensors above the default piece size.
    gen = torch.Generator().manual_seed(1)
    init = [torch.randn(s, generator=gen) for s in [(300, 500), (700,), (400, 400)]]
    grads = [[torch.randn(p.shape, generator=gen) for p in init] for _ in range(3)]
    results = []
    for piece_numel in (F.CPU_PIECE_NUMEL, 10**12):
        monkeypatch.setattr(F, "CPU_PIECE_NUMEL", piece_numel)
        params = [p.clone() for p in init]
        opt = FOCUS(params, lr=1e-3, betas=(0.9, 0.99), gamma=0.2, weight_decay=0.1)
        for gs in grads:
            for p, g in zip(params, gs):
                p.grad = g
            opt.step()
        results.append(params)
    assert all(torch.equal(a, b) for a, b in zip(*results))
