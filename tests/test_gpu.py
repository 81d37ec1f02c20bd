"""The same code on CUDA as on the CPU. Skipped, with the reason, where no GPU is present."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from physlearn.focus.valley.sweep import ValleyScan, chunk_inputs, run_valley_trajectories
from physlearn.fractal.boundary.counting import clean_grid
from physlearn.fractal.boundary.sweep import sweep_labels
from physlearn.optim import FOCUS

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none"),
]


def test_focus_on_cuda_matches_cpu():
    torch.manual_seed(0)
    shapes = [(64, 32), (32,), (8, 4, 3)]
    cpu = [torch.randn(s, dtype=torch.float64) for s in shapes]
    gpu = [p.clone().cuda() for p in cpu]
    opts = [FOCUS(ps, lr=1e-2, betas=(0.9, 0.99), gamma=0.2, weight_decay=0.1) for ps in (cpu, gpu)]
    for _ in range(10):
        grads = [torch.randn(s, dtype=torch.float64) for s in shapes]
        for ps, opt in zip((cpu, gpu), opts):
            for p, g in zip(ps, grads):
                p.grad = g.to(p.device)
            opt.step()
    for a, b in zip(cpu, gpu):
        torch.testing.assert_close(a, b.cpu())


def test_fused_focus_on_cuda_matches_cpu():
    torch.manual_seed(0)
    shapes = [(64, 32), (32,), (8, 4, 3)]
    cpu = [torch.randn(s) for s in shapes]
    gpu = [p.clone().cuda() for p in cpu]
    opts = [
        FOCUS(ps, lr=1e-2, betas=(0.9, 0.99), gamma=0.2, weight_decay=0.1, fused=fused)
        for ps, fused in ((cpu, False), (gpu, True))
    ]
    for _ in range(10):
        grads = [torch.randn(s) for s in shapes]
        for ps, opt in zip((cpu, gpu), opts):
            for p, g in zip(ps, grads):
                p.grad = g.to(p.device)
            opt.step()
    for a, b in zip(cpu, gpu):
        torch.testing.assert_close(a, b.cpu(), rtol=1e-6, atol=1e-6)


def test_valley_sweep_on_cuda_matches_cpu():
    cfg = {
        "steps": 100,
        "replicates": 4,
        "c": 0.1,
        "angle_deg": 30,
        "init_scale": 1e-4,
        "dtype": "float64",
        "pixels_per_chunk": 6,
        "lr": {"start": 1e-3, "stop": 1.0, "num": 3, "scale": "log"},
        "sigma": {"start": 0.0, "stop": 3.0, "num": 3, "scale": "linear"},
        "optimizers": {
            "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            "signum": {"beta1": 0.9},
            "focus": {"beta1": 0.9, "beta2": 0.9, "gamma": 0.2},
        },
        "scans": {
            "sharpness": {"sharpness": {"start": 0.1, "stop": 1000.0, "num": 2, "scale": "log"}, "weight_decay": 0.1}
        },
    }
    scan = ValleyScan.from_config("sharpness", cfg, seed=0)
    results = []
    for device in ("cpu", "cuda"):
        pixels, init, noise = chunk_inputs(scan, 0)  # the same draws for both devices
        results.append(run_valley_trajectories(scan, pixels, init, noise, device))
    for key in results[0]:
        np.testing.assert_allclose(results[0][key].cpu().numpy(), results[1][key].cpu().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "loss,criterion,threshold,single,fractal",
    [
        ("additive", "B", 1e16, {"eps": 0.01, "wl": 1.0}, {"eps": 0.2, "wl": 1.0}),  # E3: convex, fractal
        ("multiplicative", "C", 1e3, {"eps": 1e-10, "wl": 0.01}, {"eps": 0.1, "wl": 0.5}),  # E5's bound 1e3
    ],
)
def test_fractal_sweep_on_cuda_matches_cpu(loss, criterion, threshold, single, fractal):
    """A single-boundary cell labels every rate alike on both devices. In a fractal cell the
    chaotic rates may flip with the last bit of CUDA's sin and cos (on the CPU a 1-ulp change
    of x0 flips 0.1-0.5% of these cells' G(12) labels), so a few may differ. A working set
    smaller than the grid exercises the refills on the GPU."""
    lr = clean_grid(12)
    cells = {k: [single[k], fractal[k]] for k in single}
    cpu, gpu = (
        sweep_labels(loss, lr, cells, 5.0, criterion, threshold, width=1000, device=device)
        for device in ("cpu", "cuda")
    )
    assert np.count_nonzero(cpu[0][1:] != cpu[0][:-1]) == 1  # one boundary
    np.testing.assert_array_equal(cpu[0], gpu[0])
    assert np.count_nonzero(cpu[1][1:] != cpu[1][:-1]) > 10  # fractal at this level
    assert np.mean(cpu[1] != gpu[1]) < 0.03
