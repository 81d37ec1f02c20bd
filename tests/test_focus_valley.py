"""The narrowing valley (FOCUS spec section 2): loss, gradient, noise, and the vectorised
sweep checked against the per-trajectory reference loop (physlearn.focus.valley.loop, which
shares no code with physlearn.optim), plus divergence, determinism and sharding."""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from snakemake.utils import validate

from physlearn.focus.valley import loop as valley_loop
from physlearn.focus.valley.sweep import (
    METRICS,
    OPTIMIZERS,
    ValleyScan,
    chunk_inputs,
    grid_axis,
    iter_shard,
    multiplicative_noise,
    narrowing_valley_grad,
    narrowing_valley_loss,
    run_valley_trajectories,
)

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
ANGLE = math.pi / 6
C = 0.1


def valley_config(**section) -> dict:
    """The ``focus_valley`` config section: ``section`` with the schema's defaults filled in."""
    config = {"focus_valley": copy.deepcopy(section)}
    validate(config, str(SCHEMA), set_default=True)
    return config["focus_valley"]


def make_scan(name: str = "sharpness", seed: int = 0, **section) -> ValleyScan:
    return ValleyScan.from_config(name, valley_config(**section), seed)


def axis(start, stop, num, scale="linear") -> dict:
    return {"start": start, "stop": stop, "num": num, "scale": scale}


# --------------------------------------------------------------------------------------
# Loss, gradient, noise


def test_loss_and_gradient_at_a_hand_computed_point():
    # Put the point at x = 1 along and y = 2 across the valley (angle 30 degrees):
    # p = x*(cos, sin) + y*(-sin, cos) = (sqrt3/2 - 1, 1/2 + sqrt3).
    # L = 0.5*a*x^2*y^2 - c*x = 0.5*3*1*4 - 0.1 = 5.9 for a = 3.
    # dL/dx = a*x*y^2 - c = 12 - 0.1 = 11.9, dL/dy = a*x^2*y = 6; rotated back to p:
    # (cos*11.9 - sin*6, sin*11.9 + cos*6) = (11.9*sqrt3/2 - 3, 5.95 + 3*sqrt3).
    s3 = math.sqrt(3.0)
    p = torch.tensor([s3 / 2 - 1, 0.5 + s3], dtype=torch.float64)
    loss = narrowing_valley_loss(p, 3.0, C, ANGLE)
    assert loss.item() == pytest.approx(5.9, abs=1e-13)
    grad = narrowing_valley_grad(p, 3.0, C, ANGLE)
    expected = torch.tensor([11.9 * s3 / 2 - 3.0, 5.95 + 3.0 * s3], dtype=torch.float64)
    torch.testing.assert_close(grad, expected, rtol=1e-13, atol=1e-13)
    # The reference loop agrees.
    assert valley_loop.valley_loss(p.numpy(), 3.0) == pytest.approx(5.9, abs=1e-13)
    np.testing.assert_allclose(valley_loop.valley_grad(p.numpy(), 3.0), expected.numpy(), rtol=1e-13)


def test_loss_along_the_valley_floor_is_linear():
    # On the valley axis (y = 0) the loss is -c*x whatever the sharpness.
    x = torch.tensor([0.5, 2.0, -3.0], dtype=torch.float64)
    p = torch.stack((x * math.cos(ANGLE), x * math.sin(ANGLE)))
    for a in (0.1, 10.0, 1000.0):
        torch.testing.assert_close(narrowing_valley_loss(p, a, C, ANGLE), -C * x)


@pytest.mark.parametrize("sharpness", [0.1, 1.0, 10.0, 1000.0])
def test_gradient_matches_autograd(sharpness):
    gen = torch.Generator().manual_seed(int(sharpness * 10))
    p = (2.0 * torch.randn(2, 50, generator=gen, dtype=torch.float64)).requires_grad_()
    narrowing_valley_loss(p, sharpness, C, ANGLE).sum().backward()
    torch.testing.assert_close(narrowing_valley_grad(p.detach(), sharpness, C, ANGLE), p.grad, rtol=1e-12, atol=1e-12)


def test_gradient_matches_autograd_with_broadcast_sharpness():
    # Sweep layout: (coordinate, lr, pixel, replicate), one sharpness per pixel.
    gen = torch.Generator().manual_seed(3)
    a = torch.tensor([0.1, 3.0, 300.0], dtype=torch.float64).view(1, -1, 1)
    p = torch.randn(2, 4, 3, 5, generator=gen, dtype=torch.float64).requires_grad_()
    narrowing_valley_loss(p, a, C, ANGLE).sum().backward()
    torch.testing.assert_close(narrowing_valley_grad(p.detach(), a, C, ANGLE), p.grad, rtol=1e-12, atol=1e-12)


def test_multiplicative_noise_statistics():
    # xi ~ N(1, sigma^2) per coordinate: the noisy gradient has mean grad and std |grad|*sigma.
    n, sigma = 200_000, 1.7
    grad = torch.tensor([1.5, -0.7], dtype=torch.float64).view(2, 1).expand(2, n)
    gen = torch.Generator().manual_seed(11)
    z = torch.randn(2, n, generator=gen, dtype=torch.float64)
    noisy = multiplicative_noise(grad, sigma, z)
    expected_std = torch.tensor([1.5 * 1.7, 0.7 * 1.7], dtype=torch.float64)
    # mean within 5 standard errors, std within 2%
    assert torch.all((noisy.mean(1) - grad[:, 0]).abs() < 5 * expected_std / math.sqrt(n))
    torch.testing.assert_close(noisy.std(1), expected_std, rtol=0.02, atol=0)
    # independent per coordinate
    assert abs(np.corrcoef(noisy.numpy())[0, 1]) < 0.01
    # sigma = 0 gives the exact gradient
    assert torch.equal(multiplicative_noise(grad, 0.0, z), grad)


def test_chunk_noise_stream_is_standard_normal_and_fresh_per_step():
    scan = make_scan(
        replicates=200,
        pixels_per_chunk=8,
        sigma=axis(0.0, 3.0, 4),
        scans={"sharpness": {"sharpness": axis(1.0, 10.0, 2, "log")}},
    )
    pixels, init, noise = chunk_inputs(scan, 0)
    assert list(pixels) == list(range(8))
    assert init.shape == (2, 8, 200) and init.dtype == torch.float32
    assert init.std().item() == pytest.approx(1e-4, rel=0.05)
    draws = torch.stack([noise(t) for t in range(1, 51)])  # (50, 2, 8, 200)
    assert draws.shape == (50, 2, 8, 200)
    assert draws.mean().item() == pytest.approx(0.0, abs=0.01)
    assert draws.std().item() == pytest.approx(1.0, abs=0.01)
    flat = draws.reshape(50, 2, -1)
    assert abs(np.corrcoef(flat[:, 0].reshape(-1), flat[:, 1].reshape(-1))[0, 1]) < 0.02  # coordinates
    assert abs(np.corrcoef(flat[:-1].reshape(-1), flat[1:].reshape(-1))[0, 1]) < 0.02  # steps
    # Same chunk, same stream; another chunk, another stream.
    _, init2, noise2 = chunk_inputs(scan, 0)
    assert torch.equal(init, init2) and torch.equal(noise2(1), draws[0])
    _, init3, _ = chunk_inputs(scan, 1)
    assert not torch.equal(init, init3)


# --------------------------------------------------------------------------------------
# The sweep against the per-trajectory reference loop

# Adam in the sharp valley amplifies rounding differences (about 1e-16 -> 1e-10 in 150 steps,
# 1e-5 by 300 at a=100, lr=0.3), so the comparison runs 150 steps; the sign methods agree to
# ~1e-14 at any length.
REF_STEPS = 150
REF_TOLERANCE = {
    "adam": dict(rel=1e-7, abs=1e-10),
    "signum": dict(rel=1e-10, abs=1e-12),
    "focus": dict(rel=1e-10, abs=1e-12),
}
REF_SCANS = {
    "sharpness": dict(scans={"sharpness": {"sharpness": axis(1.0, 100.0, 2, "log"), "weight_decay": 0.1}}),
    "weight_decay": dict(scans={"weight_decay": {"sharpness": 10.0, "weight_decay": axis(0.0, 0.5, 2)}}),
}


def _reference_scan(name: str) -> ValleyScan:
    return make_scan(
        name,
        steps=REF_STEPS,
        replicates=3,
        dtype="float64",
        lr=axis(0.003, 0.3, 3, "log"),
        sigma=axis(0.0, 1.5, 2),
        **REF_SCANS[name],
    )


@functools.cache
def reference_run(name: str, init_kind: str):
    """One sweep of a small scan, float64, with explicit initial points and noise draws.

    ``init_kind`` "dyadic" rounds the initial coordinates to signed powers of two, for which
    (1-b2)*p/(1-b2) == p exactly: FOCUS's first-step attraction is then exactly 0 however
    phat is rounded.
    """
    scan = _reference_scan(name)
    pixels = np.arange(scan.n_pixels)
    gen = torch.Generator().manual_seed(42)
    init = scan.init_scale * torch.randn(2, len(pixels), scan.replicates, generator=gen, dtype=torch.float64)
    if init_kind == "dyadic":
        init = torch.sign(init) * torch.exp2(torch.round(torch.log2(init.abs())))
    z = torch.randn(scan.steps, 2, len(pixels), scan.replicates, generator=gen, dtype=torch.float64)
    metrics = run_valley_trajectories(scan, pixels, init, lambda t: z[t - 1].clone())
    return scan, pixels, init, z, metrics


@pytest.mark.parametrize(
    "optimizer, init_kind",
    [("adam", "random"), ("signum", "random"), ("focus", "random"), ("focus", "dyadic")],
)
@pytest.mark.parametrize("scan_name", list(REF_SCANS))
def test_sweep_matches_reference_loop(scan_name, optimizer, init_kind):
    scan, pixels, init, z, metrics = reference_run(scan_name, init_kind)
    k = OPTIMIZERS.index(optimizer)
    a, wd, sigma = scan.pixel_values(pixels)
    for i, lr in enumerate(scan.lr):
        for j in range(len(pixels)):
            for r in range(scan.replicates):
                opt = valley_loop.make_optimizer(optimizer, float(lr), float(wd[j]), scan.hparams[optimizer])
                ref = valley_loop.run_trajectory(
                    opt,
                    init[:, j, r].numpy(),
                    float(a[j]),
                    float(sigma[j]),
                    scan.steps,
                    c=scan.c,
                    angle=scan.angle,
                    noise=z[:, :, j, r].numpy(),
                )
                where = f"{optimizer} lr={lr:.3g} a={a[j]} wd={wd[j]} sigma={sigma[j]} replicate {r}"
                assert not ref["diverged"] and not metrics["diverged"][k, i, j, r], where
                for m in METRICS:
                    got = metrics[m][k, i, j, r].item()
                    assert got == pytest.approx(ref[m], **REF_TOLERANCE[optimizer]), f"{m}: {where}"


@pytest.mark.parametrize("scan_name", list(REF_SCANS))
def test_reference_scan_is_not_degenerate(scan_name):
    # The comparison above is only meaningful if the trajectories moved and differ.
    scan, pixels, init, z, metrics = reference_run(scan_name, "random")
    final = metrics["final_loss"]
    assert final.min().item() < -0.01  # they went down the valley
    assert torch.all(metrics["lowest_loss"] <= final)
    x0 = init[0] * math.cos(scan.angle) + init[1] * math.sin(scan.angle)
    assert torch.all(metrics["furthest_progress"] >= x0)
    for k in range(len(OPTIMIZERS)):  # each learning rate gives different results
        per_lr = final[k].reshape(len(scan.lr), -1)
        for i in range(1, len(scan.lr)):
            assert not torch.allclose(per_lr[0], per_lr[i])


def test_sweep_does_not_modify_the_callers_init():
    scan = _reference_scan("sharpness")
    init = scan.init_scale * torch.randn(2, scan.n_pixels, scan.replicates, dtype=torch.float64)
    before = init.clone()
    run_valley_trajectories(
        dataclasses.replace(scan, steps=3),
        np.arange(scan.n_pixels),
        init,
        lambda t: torch.randn(2, scan.n_pixels, scan.replicates, dtype=torch.float64),
    )
    assert torch.equal(init, before)


def test_sweep_does_not_modify_the_callers_noise():
    scan = make_scan(
        steps=3,
        replicates=2,
        dtype="float64",
        lr=0.1,
        sigma=axis(0.5, 1.0, 2),
        scans={"sharpness": {"sharpness": axis(1.0, 10.0, 2, "log")}},
    )
    z = torch.randn(scan.steps, 2, scan.n_pixels, scan.replicates, dtype=torch.float64)
    before = z.clone()
    run_valley_trajectories(
        scan, np.arange(scan.n_pixels), torch.zeros(2, scan.n_pixels, 2, dtype=torch.float64), lambda t: z[t - 1]
    )
    assert torch.equal(z, before)


# --------------------------------------------------------------------------------------
# Divergence


def _run_with_injected(scan: ValleyScan, init_hook=None, noise_hook=None) -> dict[str, torch.Tensor]:
    pixels = np.arange(scan.n_pixels)
    gen = torch.Generator().manual_seed(0)
    init = 1e-4 * torch.randn(2, len(pixels), scan.replicates, generator=gen)
    if init_hook:
        init_hook(init)

    def noise(t):
        z = torch.randn(2, len(pixels), scan.replicates, generator=gen)
        if noise_hook:
            noise_hook(t, z)
        return z

    return run_valley_trajectories(scan, pixels, init, noise)


def _injection_scan() -> ValleyScan:
    # pixels: (a, sigma) = (1, 0), (1, 1), (10, 0), (10, 1)
    return make_scan(
        steps=30,
        replicates=3,
        lr=axis(0.01, 0.1, 2, "log"),
        sigma=axis(0.0, 1.0, 2),
        scans={"sharpness": {"sharpness": axis(1.0, 10.0, 2, "log")}},
    )


def test_non_finite_initial_point_is_recorded_as_diverged_and_others_are_not():
    def hook(init):
        init[0, 0, 2] = math.inf  # pixel 0, replicate 2
        init[1, 3, 1] = math.nan  # pixel 3, replicate 1

    metrics = _run_with_injected(_injection_scan(), init_hook=hook)
    div = metrics["diverged"]
    assert div.dtype == torch.bool and div.shape == (3, 2, 4, 3)
    expected = torch.zeros_like(div)
    expected[:, :, 0, 2] = expected[:, :, 3, 1] = True
    assert torch.equal(div, expected)
    for m in METRICS:
        assert torch.isfinite(metrics[m][~expected]).all(), m


@pytest.mark.parametrize("optimizer", ["adam", "signum", "focus"])
def test_injected_nan_noise_is_recorded_as_diverged(optimizer):
    # "diverged: a NaN or inf appeared". A NaN draw at step 10 makes that step's gradient NaN.
    def hook(t, z):
        if t == 10:
            z[1, 0, 2] = math.nan  # pixel 0 (sigma 0: 1 + 0*nan is still nan), replicate 2
            z[0, 3, 1] = math.nan  # pixel 3, replicate 1

    div = _run_with_injected(_injection_scan(), noise_hook=hook)["diverged"][OPTIMIZERS.index(optimizer)]
    expected = torch.zeros_like(div)
    expected[:, 0, 2] = expected[:, 3, 1] = True
    assert torch.equal(div, expected)


def test_huge_learning_rate_overflows_to_diverged_without_crashing():
    # float32, lr 1e9: the iterates overflow within a few steps; lr 1e-3 stays finite.
    scan = make_scan(
        steps=50,
        replicates=3,
        lr=axis(1e-3, 1e9, 2, "log"),
        sigma=axis(0.0, 1.0, 2),
        scans={"sharpness": {"sharpness": axis(0.1, 1000.0, 2, "log")}},
    )
    ((pixels, metrics),) = list(iter_shard(scan, 0, 1))
    div = metrics["diverged"]
    assert div[:, 1].all()
    assert not div[:, 0].any()
    assert torch.isfinite(metrics["final_loss"][:, 0]).all()


def test_reference_loop_records_divergence():
    opt = valley_loop.Adam(lr=1e200, wd=0.0)
    out = valley_loop.run_trajectory(opt, np.array([1e-4, 2e-4]), 1000.0, 1.0, 20, noise=np.ones((20, 2)))
    assert out["diverged"] and math.isnan(out["lowest_loss"])
    opt = valley_loop.Signum(lr=1e-3, wd=0.1)
    out = valley_loop.run_trajectory(opt, np.array([1e-4, 2e-4]), 10.0, 1.0, 20, noise=np.zeros((20, 2)))
    assert not out["diverged"] and out["lowest_loss"] <= out["final_loss"]


# --------------------------------------------------------------------------------------
# Determinism and sharding


def _shard_scan(seed: int = 0, **extra) -> ValleyScan:
    """9 pixels in 5 chunks of 2 (the last one short)."""
    section = dict(
        steps=40,
        replicates=3,
        pixels_per_chunk=2,
        lr=axis(0.01, 0.3, 3, "log"),
        sigma=axis(0.0, 3.0, 3),
        scans={"sharpness": {"sharpness": axis(0.1, 100.0, 3, "log")}},
    )
    return make_scan(seed=seed, **{**section, **extra})


def _collect(scan: ValleyScan, n_shards: int) -> tuple[np.ndarray, dict[str, torch.Tensor]]:
    pixels, parts = [], {}
    for shard in range(n_shards):
        for px, metrics in iter_shard(scan, shard, n_shards):
            pixels.append(px)
            for key, value in metrics.items():
                parts.setdefault(key, []).append(value)
    return np.concatenate(pixels), {k: torch.cat(v, dim=2) for k, v in parts.items()}


def test_results_are_deterministic_and_independent_of_sharding():
    scan = _shard_scan()
    assert scan.n_pixels == 9 and scan.n_chunks == 5
    px1, one = _collect(scan, 1)
    px1b, again = _collect(scan, 1)
    px3, three = _collect(scan, 3)
    assert list(px1) == list(range(9)) and list(px1b) == list(px1) and list(px3) == list(px1)
    for key in (*METRICS, "diverged"):
        assert torch.equal(one[key], again[key]), key
        assert torch.equal(one[key], three[key]), key
    # A different root seed gives different draws.
    _, other = _collect(_shard_scan(seed=1), 1)
    assert not torch.equal(one["final_loss"], other["final_loss"])


def test_results_do_not_depend_on_the_thread_count():
    scan = _shard_scan(steps=20, pixels_per_chunk=9)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        _, single = _collect(scan, 1)
        torch.set_num_threads(2)
        _, double = _collect(scan, 1)
    finally:
        torch.set_num_threads(threads)
    for key in (*METRICS, "diverged"):
        assert torch.equal(single[key], double[key]), key


@pytest.mark.parametrize("n_chunks", [1, 2, 5, 7, 12])
def test_shard_chunks_cover_every_chunk_exactly_once(n_chunks):
    # 2 sharpness values x n_chunks sigmas, 2 pixels per chunk: n_chunks chunks.
    scan = make_scan(
        pixels_per_chunk=2,
        sigma=axis(0.0, 3.0, n_chunks),
        scans={"sharpness": {"sharpness": axis(1.0, 10.0, 2, "log")}},
    )
    assert scan.n_chunks == n_chunks
    for n_shards in range(1, n_chunks + 3):
        ranges = [scan.shard_chunks(s, n_shards) for s in range(n_shards)]
        covered = [c for r in ranges for c in r]
        assert covered == list(range(n_chunks)), (n_shards, ranges)  # in order, each once
        sizes = [len(r) for r in ranges]
        assert max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError, match="shard 3 is outside 0..2"):
        scan.shard_chunks(3, 3)
    with pytest.raises(ValueError):
        scan.shard_chunks(-1, 3)


def test_chunks_cover_every_pixel_exactly_once():
    scan = make_scan(
        pixels_per_chunk=4, sigma=axis(0.0, 3.0, 5), scans={"sharpness": {"sharpness": axis(1.0, 10.0, 3, "log")}}
    )
    assert scan.n_pixels == 15 and scan.n_chunks == 4
    pixels = np.concatenate([scan.chunk_pixels(c) for c in range(scan.n_chunks)])
    assert list(pixels) == list(range(15))
    assert len(scan.chunk_pixels(3)) == 3  # the last chunk is short
    seeds = {scan.chunk_seed(c) for c in range(scan.n_chunks)}
    assert len(seeds) == scan.n_chunks and all(0 <= s < 2**63 for s in seeds)
    assert scan.chunk_seed(0) != make_scan(seed=1, pixels_per_chunk=4).chunk_seed(0)


def test_pixel_values_vary_sigma_fastest():
    scan = make_scan(
        sigma=axis(0.0, 2.0, 3), scans={"sharpness": {"sharpness": axis(1.0, 100.0, 2, "log"), "weight_decay": 0.1}}
    )
    a, wd, sigma = scan.pixel_values(np.arange(6))
    np.testing.assert_allclose(a, [1, 1, 1, 100, 100, 100])
    np.testing.assert_allclose(wd, [0.1] * 6)
    np.testing.assert_allclose(sigma, [0, 1, 2, 0, 1, 2])
    scan = make_scan(
        "weight_decay",
        sigma=axis(0.0, 2.0, 3),
        scans={"weight_decay": {"sharpness": 10.0, "weight_decay": axis(0.0, 0.5, 2)}},
    )
    a, wd, sigma = scan.pixel_values(np.array([4, 0]))
    np.testing.assert_allclose(a, [10, 10])
    np.testing.assert_allclose(wd, [0.5, 0.0])
    np.testing.assert_allclose(sigma, [1, 0])


# --------------------------------------------------------------------------------------
# Config and grid


def test_grid_axis():
    np.testing.assert_array_equal(grid_axis(0.1), [0.1])
    np.testing.assert_array_equal(grid_axis(3), [3.0])
    assert grid_axis(3).dtype == np.float64
    np.testing.assert_allclose(grid_axis({"start": 0.0, "stop": 3.0, "num": 4}), [0, 1, 2, 3])
    np.testing.assert_allclose(grid_axis(axis(0.0, 0.5, 3, "linear")), [0, 0.25, 0.5])
    log = grid_axis(axis(1e-3, 1.0, 4, "log"))
    np.testing.assert_allclose(log, [1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    assert log[0] == 1e-3 and log[-1] == 1.0  # endpoints included exactly
    np.testing.assert_allclose(grid_axis(axis(5.0, 5.0, 1, "log")), [5.0])


def test_paper_grid_sizes():
    scan = make_scan(seed=0)  # the schema's defaults are the paper's grid
    assert len(scan.sharpness) == 96 and len(scan.sigma) == 100 and len(scan.lr) == 20
    assert scan.replicates == 50 and scan.steps == 1000
    assert scan.angle == pytest.approx(math.pi / 6) and scan.c == 0.1 and scan.init_scale == 1e-4
    assert scan.trajectory_steps == 96 * 100 * 20 * 50 * 1000 * 3
    assert scan.hparams["focus"] == {"beta1": 0.9, "beta2": 0.9, "gamma": 0.2}
    assert scan.hparams["adam"] == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert scan.hparams["signum"] == {"beta1": 0.9}
    wd_scan = make_scan("weight_decay")
    assert wd_scan.scanned == "weight_decay" and wd_scan.sharpness.tolist() == [10.0]
    np.testing.assert_allclose(wd_scan.weight_decay, np.linspace(0, 0.5, 96))


def test_scan_needs_exactly_one_range():
    both = {"sharpness": {"sharpness": axis(1.0, 10.0, 2, "log"), "weight_decay": axis(0.0, 0.5, 2)}}
    with pytest.raises(ValueError, match=r"focus_valley\.scans\.sharpness: exactly one"):
        make_scan(scans=both)
    neither = {"sharpness": {"sharpness": 1.0, "weight_decay": 0.1}}
    with pytest.raises(ValueError, match=r"focus_valley\.scans\.sharpness"):
        make_scan(scans=neither)
