"""The fractal trainability boundary (spec shared/papers/fractal.md): losses against autograd,
the vectorised sweep against the per-trajectory loop (physlearn.fractal.boundary.loop) under every
criterion, E0's boundary, box counting, the fit rules on the spec's published #B lists,
renormalisation, the d-vector runs against their 1-D reductions, convexity, bit packing and
E9's initial points."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from physlearn.fractal.boundary import convexity, counting, experiments, loop, losses, sweep
from physlearn.fractal.boundary.counting import clean_grid, count_boundaries, fit_alpha
from physlearn.fractal.boundary.sweep import sweep_labels

# The spec's #B(n), n = 0 .. 31, of E1 (additive) and E2 (multiplicative) at N = 32 [V-data].
E1_COUNTS = [1] * 14 + [9, 13, 31, 51, 117, 225, 413, 863, 1743, 3585, 7163, 14169, 28721, 57699, 114843]
E1_COUNTS += [231873, 461625, 923487]
E2_COUNTS = [1, 1, 1, 1, 3, 5, 7, 13, 21, 27, 57, 115, 247, 423, 683, 1215, 2303, 4245, 7619, 13365, 22885]
E2_COUNTS += [40589, 73361, 134187, 244291, 439969, 785943, 1399357, 2499319, 4501553, 8139197, 14745753]

CELL = {"eps": 0.2, "wl": 0.1}  # the E1/E2 cell


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------------------
# Losses


PARAMS = {
    "quadratic": {},
    "additive": CELL,
    "multiplicative": CELL,
    "two_cosines": {"eps1": 0.004, "wl1": 0.3, "eps2": 0.013, "wl2": 0.5},
    "additive_nd": {"eps": 0.2, "wl": 0.1},
    "multiplicative_nd": {"eps": 0.05, "wl": 0.37},
}


@pytest.mark.parametrize("name", losses.LOSSES)
def test_gradient_matches_autograd(name):
    loss_fn, grad_fn = losses.LOSS_FUNCTIONS[name]
    gen = torch.Generator().manual_seed(0)
    shape = (64, 7) if name.endswith("_nd") else (256,)
    x = (4 * torch.rand(shape, generator=gen, dtype=torch.float64) - 2).requires_grad_()
    loss_fn(x, **PARAMS[name]).sum().backward()
    torch.testing.assert_close(grad_fn(x.detach(), **PARAMS[name]), x.grad, rtol=1e-12, atol=1e-12)


def test_losses_of_the_spec_table():
    x = torch.tensor([0.3, -1.7], dtype=torch.float64)
    k = 2 * math.pi / 0.1
    torch.testing.assert_close(losses.additive_loss(x, 0.2, 0.1), x**2 + 0.2 * torch.cos(k * x))
    torch.testing.assert_close(losses.multiplicative_loss(x, 0.2, 0.1), x**2 * (1 + 0.2 * torch.cos(k * x)))
    # The d-dimensional losses on the diagonal: additive d f+(u); multiplicative d u^2 (1 + eps d cos ku).
    u, d = 0.37, 5
    xd = torch.full((d,), u, dtype=torch.float64)
    assert losses.additive_nd_loss(xd, 0.2, 0.1).item() == pytest.approx(d * (u * u + 0.2 * math.cos(k * u)))
    f_eff = d * u * u * (1 + 0.2 * d * math.cos(k * u))
    assert losses.multiplicative_nd_loss(xd, 0.2, 0.1).item() == pytest.approx(f_eff)


@pytest.mark.parametrize("name", ["quadratic", "additive", "multiplicative", "two_cosines"])
def test_fused_step_is_one_gd_step(name):
    """The sweep's in-place step returns f(x) and moves x to x - lr f'(x)."""
    loss_fn, grad_fn = losses.LOSS_FUNCTIONS[name]
    gen = torch.Generator().manual_seed(1)
    x = 4 * torch.rand(300, generator=gen, dtype=torch.float64) - 2
    lr = torch.rand(300, generator=gen, dtype=torch.float64)
    p = sweep._derived(name, PARAMS[name] | {"lr": lr})
    moved = x.clone()
    value = sweep.STEPS[name](moved, p, {})
    torch.testing.assert_close(value, loss_fn(x, **PARAMS[name]), rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(moved, x - lr * grad_fn(x, **PARAMS[name]), rtol=1e-14, atol=1e-14)


# --------------------------------------------------------------------------------------
# The sweep against the loop

# (loss, cell, x0, criterion, threshold): every criterion, the E5 bound, E8's runaways
CASES = [
    ("quadratic", {}, 1.0, "A", None),
    ("additive", CELL, 1.0, "A", None),
    ("multiplicative", CELL, 1.0, "A", None),
    ("additive", {"eps": 0.15, "wl": 0.34}, 5.0, "B", None),
    ("multiplicative", {"eps": 0.1, "wl": 0.45}, 5.0, "C", None),
    ("multiplicative", {"eps": 2.15e-5, "wl": 0.12}, 5.0, "C", 1e3),
    ("two_cosines", {"eps1": 0.006, "wl1": 0.3, "eps2": 0.017, "wl2": 0.5}, 5.0, "B", None),
    ("multiplicative", {"eps": 1e-3, "wl": 0.1}, 1.0, "final", None),
    ("multiplicative", {"eps": 0.2 * 100, "wl": 0.1}, 0.01, "A", None),  # E8, d = 100: runs to -inf/NaN
    ("multiplicative", {"eps": 0.2 * 100, "wl": 0.1}, 0.01, "A_abs", None),
    ("additive", CELL, 1.0, "A_abs", None),
    ("additive", CELL, 1.0, "C", None),
    ("additive", CELL, 1.0, "final", None),
    ("multiplicative", CELL, 1.0, "B", None),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[3]}-{c[1].get('eps', '')}" for c in CASES])
def test_sweep_matches_loop(case):
    name, cell, x0, criterion, threshold = case
    lr = clean_grid(8)
    expected = loop.loop_labels(name, lr, cell, x0, criterion, threshold=threshold)
    got = sweep_labels(name, lr, cell, x0, criterion, threshold)[0]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("steps", [150, 97, 1])
def test_other_horizons_match_loop(steps):
    """T = 150 (window 25), 97 (prime: window 1) and 1: trajectories still finish exactly at T."""
    lr = clean_grid(6)
    for criterion in ("A", "B", "C", "final"):
        expected = loop.loop_labels("multiplicative", lr, CELL, 1.0, criterion, steps=steps)
        got = sweep_labels("multiplicative", lr, CELL, 1.0, criterion, steps=steps, width=20)[0]
        np.testing.assert_array_equal(got, expected, err_msg=criterion)


def test_literal_and_abs_criteria_differ_on_runaways():
    """E8 at d = 100: runs whose loss goes to -inf or NaN are bounded under the literal criterion
    A and divergent under the |loss| convention; both agree with the loop (above)."""
    lr = clean_grid(10)
    literal = sweep_labels("multiplicative", lr, {"eps": 20.0, "wl": 0.1}, 0.01, "A")[0]
    by_abs = sweep_labels("multiplicative", lr, {"eps": 20.0, "wl": 0.1}, 0.01, "A_abs")[0]
    assert np.all(by_abs >= literal) and np.count_nonzero(by_abs & ~literal) >= 5


def test_cells_batched_in_one_chunk_match_loop():
    """Chunks that straddle cells carry per-trajectory parameters; per-trajectory x0 (E9)."""
    lr = clean_grid(6)
    cells = {"eps": np.array([0.05, 0.2, 0.1]), "wl": np.array([0.3, 0.1, 0.7])}
    x0 = np.random.default_rng(0).uniform(-5, 5, size=(3, len(lr)))
    got = sweep_labels("additive", lr, cells, x0, "A", chunk_size=50)
    for c in range(3):
        cell = {"eps": cells["eps"][c], "wl": cells["wl"][c]}
        expected = [loop.run_trajectory("additive", x0[c, j], lr[j], cell, "A")[0] for j in range(len(lr))]
        np.testing.assert_array_equal(got[c], expected)


def test_workers_chunking_and_compaction_do_not_change_labels():
    lr = clean_grid(10)
    ref = sweep_labels("multiplicative", lr, CELL, 1.0, "A", chunk_size=1 << 16)
    np.testing.assert_array_equal(sweep_labels("multiplicative", lr, CELL, 1.0, "A", chunk_size=300, workers=2), ref)
    labels = sweep.run_trajectories("multiplicative", torch.as_tensor(lr), 1.0, CELL, "A", width=100, compact_every=7)
    np.testing.assert_array_equal(labels.numpy(), ref[0])


@pytest.mark.parametrize(
    ("total", "chunk_size", "workers"), [(9, 100, 4), (10, 3, 1), (10, 3, 2), (65537, 1 << 18, 2), (1, 5, 2)]
)
def test_chunk_plan_covers_every_trajectory_once(total, chunk_size, workers):
    plan = sweep.chunk_plan(total, chunk_size, workers)
    assert sorted(i for chunk in plan for i in chunk) == list(range(total))
    assert len(plan) >= min(workers, total) and max(map(len, plan)) <= chunk_size


def test_chunk_plan_interleaves_for_several_workers():
    # The multiplicative E2 cell's steps sit almost all below lr 0.75 (session 23): contiguous
    # halves gave one of two workers 92% of them. Interleaved chunks each span the whole grid.
    one, two = sweep.chunk_plan(65537, 1 << 18, 2)
    assert (one.start, one.step, two.start, two.step) == (0, 2, 1, 2)
    assert sweep.chunk_plan(10, 3, 1) == [range(0, 3), range(3, 6), range(6, 9), range(9, 10)]


def test_interleaved_chunks_over_several_cells_keep_the_labels():
    lr = clean_grid(8)
    cells = {"eps": np.array([0.05, 0.2, 0.1]), "wl": np.array([0.3, 0.1, 0.7])}
    x0 = np.random.default_rng(1).uniform(-5, 5, size=(3, len(lr)))
    ref = sweep_labels("multiplicative", lr, cells, x0, "C", threshold=1e4)
    got = sweep_labels("multiplicative", lr, cells, x0, "C", threshold=1e4, chunk_size=100, workers=3)
    np.testing.assert_array_equal(got, ref)


# --------------------------------------------------------------------------------------
# E0: the pure quadratic


def test_e0_boundary_and_single_box():
    lr = clean_grid(16)
    y = sweep_labels("quadratic", lr, x0=1.0, criterion="A")[0]
    first = np.argmax(y)
    assert not y[:first].any() and y[first:].all()  # one boundary
    assert lr[first] == pytest.approx(1.004626, abs=1e-4) and lr[first - 1] == pytest.approx(1.004626, abs=1e-4)
    assert lr[first] == pytest.approx(1.0046310, abs=1e-7) and lr[first - 1] == pytest.approx(1.0046082, abs=1e-7)
    counts = count_boundaries(y)
    assert np.all(counts == 1)
    assert fit_alpha(counts, "F1").alpha == 0.0


# --------------------------------------------------------------------------------------
# Grids, packing, box counting


def test_grids():
    g = clean_grid(4)
    assert len(g) == 17 and g[0] == 0.0 and g[-1] == 1.5 and g[1] == 1.5 / 16
    np.testing.assert_array_equal(clean_grid(10)[::4], clean_grid(8))  # level n of a fine grid is G(n)
    gp = counting.gpu_grid(4, dummy=True)
    assert len(gp) == 17 and gp[0] == gp[1] == 0.0 and gp[-1] == 1.5 and gp[2] == pytest.approx(1.5 / 15)
    assert counting.grid_level(2**20 + 1) == 20
    with pytest.raises(ValueError):
        counting.grid_level(100)


@pytest.mark.parametrize("shape", [(2**20 + 1,), (3, 2**9 + 1), (17,)])
def test_pack_round_trip(shape):
    y = np.random.default_rng(0).random(shape) < 0.3
    packed = counting.pack_labels(y)
    assert packed.dtype == np.uint8 and packed.shape[-1] == math.ceil(shape[-1] / 8)
    np.testing.assert_array_equal(counting.unpack_labels(packed, shape[-1]), y)


def test_box_counting_by_hand():
    # N = 2: levels keep indices {0, 4}, {0, 2, 4}, {0, 1, 2, 3, 4}
    assert count_boundaries([0, 0, 1, 1, 0]).tolist() == [0, 2, 2]
    assert count_boundaries([0, 1, 0, 1, 0]).tolist() == [0, 0, 4]
    assert count_boundaries([0, 0, 0, 1, 1]).tolist() == [1, 1, 1]
    assert count_boundaries([1, 1, 1, 1, 1]).tolist() == [0, 0, 0]
    # N = 3: a change between positions 5 and 6 only, seen at every level
    assert count_boundaries([0] * 6 + [1] * 3).tolist() == [1, 1, 1, 1]
    # cells on leading axes
    both = count_boundaries(np.array([[0, 0, 1, 1, 0], [0, 1, 0, 1, 0]]))
    assert both.tolist() == [[0, 2, 2], [0, 0, 4]]


def test_streaming_counter_matches_whole_vector():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.random(2**12 + 1) < 0.01) % 2 == 1  # long runs, some boundaries
    counter = counting.BoundaryCounter(12)
    start = 0
    while start < len(y):
        stop = start + int(rng.integers(1, 700))
        counter.update(y[start:stop])
        start = stop
    np.testing.assert_array_equal(counter.counts, count_boundaries(y))


# --------------------------------------------------------------------------------------
# Fit rules


def test_f1_uses_levels_with_two_or_more_boundaries():
    counts = [1, 1, 1, 4, 8, 16, 32, 64]
    fit = fit_alpha(counts, "F1")
    assert fit.alpha == pytest.approx(1.0) and fit.stderr == pytest.approx(0.0, abs=1e-12) and fit.levels == 5
    assert fit_alpha([1, 1, 1, 1, 1], "F1")[::2] == (0.0, 0)  # a single boundary: alpha 0
    assert fit_alpha([1, 1, 1, 3, 6], "F1").alpha == 0.0  # 2 levels: below F1's minimum (> 2)
    assert fit_alpha([1, 1, 1, 3, 6], "F1", min_levels=None).alpha == pytest.approx(1.0)  # E1/E2: no minimum
    assert fit_alpha([1, 1, 2, 3, 6], "F1").levels == 3 and fit_alpha([1, 1, 2, 3, 6], "F1").alpha > 0


def test_f2_needs_more_than_three_levels():
    assert fit_alpha([1, 2, 4, 8], "F2").alpha == 0.0
    assert fit_alpha([1, 2, 4, 8, 16], "F2").alpha == pytest.approx(1.0)


def test_f3_sets_zero_to_one_and_needs_two_levels():
    fit = fit_alpha([0, 1, 0, 2, 8], "F3")
    assert fit.alpha == pytest.approx(2.0) and fit.levels == 2 and math.isnan(fit.stderr)
    assert fit_alpha([0, 0, 1, 0, 2], "F3").alpha == 0.0


def test_range_rules_include_single_boundary_levels():
    counts = [1] * 10 + [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]  # N = 20
    n = np.arange(len(counts))
    for rule, first in [("F4", 8), ("F6", 6)]:
        fit = fit_alpha(counts, rule)
        coef, cov = np.polyfit(n[first:], np.log2(counts[first:]), 1, cov=True)
        assert fit.levels == 21 - first
        assert fit.alpha == pytest.approx(coef[0]) and fit.stderr == pytest.approx(math.sqrt(cov[0, 0]))
    assert fit_alpha(counts, "F5", first_level=11).alpha == pytest.approx(1.0)
    assert fit_alpha(counts, "F5", first_level=10).levels == 11
    with pytest.raises(ValueError):
        fit_alpha(counts, "F5")
    assert math.isnan(fit_alpha([0] * 21, "F6").alpha)  # no boundary: no logarithm


def test_e1_e2_fits_on_published_counts():
    e1 = fit_alpha(E1_COUNTS, "F1", min_levels=None)
    e2 = fit_alpha(E2_COUNTS, "F1", min_levels=None)
    assert e1.alpha == pytest.approx(0.9956, abs=5e-5) and e1.stderr == pytest.approx(0.0050, abs=5e-5)
    assert e2.alpha == pytest.approx(0.8375, abs=5e-5) and e2.stderr == pytest.approx(0.0042, abs=5e-5)
    assert (e1.levels, e2.levels) == (18, 28)  # n = 14 .. 31 and n = 4 .. 31
    # the spec's truncated fits
    for last, a1, a2 in [(22, 0.969, 0.830), (20, 0.954, 0.828), (16, 0.892, 0.812)]:
        assert fit_alpha(E1_COUNTS, "F1", last_level=last).alpha == pytest.approx(a1, abs=5e-4)
        assert fit_alpha(E2_COUNTS, "F1", last_level=last).alpha == pytest.approx(a2, abs=5e-4)


# --------------------------------------------------------------------------------------
# Renormalisation (claim 3b) and the d-vector reductions


@pytest.mark.parametrize("name", ["additive", "multiplicative"])
def test_renormalisation(name):
    lr = clean_grid(14)
    renorm = convexity.renormalise_additive if name == "additive" else convexity.renormalise_multiplicative
    mapped = renorm(0.2, 0.1, 1.0, 1e8, b=2)
    if name == "additive":
        assert (mapped["eps"], mapped["wl"], mapped["x0"], mapped["threshold"]) == (0.05, 0.05, 0.5, 2.5e7)
    y = sweep_labels(name, lr, CELL, 1.0, "A", 1e8)[0]
    y_mapped = sweep_labels(
        name, lr, {"eps": mapped["eps"], "wl": mapped["wl"]}, mapped["x0"], "A", mapped["threshold"]
    )
    assert np.mean(y == y_mapped[0]) >= 0.999
    assert 0.1 < y.mean() < 0.9  # a real boundary, not all one label


@pytest.mark.parametrize("d", [2, 7, 20])
def test_e7_literal_equals_reduction(d):
    lr = clean_grid(12)
    literal = sweep_labels("additive_nd", lr, CELL, experiments.diagonal_start(d), "A", 1e8 * d)[0]
    reduced = sweep_labels(**experiments.e7_reduction(d), lr=lr, criterion="A")[0]
    np.testing.assert_array_equal(literal, reduced)


@pytest.mark.parametrize("d", [2, 7, 20])
def test_e8_literal_agrees_with_reduction(d):
    lr = clean_grid(12)
    for criterion in ("A", "A_abs"):
        literal = sweep_labels("multiplicative_nd", lr, CELL, experiments.diagonal_start(d), criterion, 1e8 * d)[0]
        reduced = sweep_labels(**experiments.e8_reduction(d), lr=lr, criterion=criterion)[0]
        assert np.mean(literal == reduced) >= 0.98, (d, criterion)


def test_nd_loop_matches_sweep_on_a_few_trajectories():
    lr = clean_grid(5)
    x0 = experiments.diagonal_start(3)
    for name in ("additive_nd", "multiplicative_nd"):
        got = sweep_labels(name, lr, CELL, x0, "A", 3e8)[0]
        expected = loop.loop_labels(name, lr, CELL, x0, "A", threshold=3e8)
        assert np.mean(got == expected) >= 0.9  # sums round differently: chaotic runs may flip


# --------------------------------------------------------------------------------------
# Convexity


def test_one_cosine_curvature_ratio():
    assert convexity.CONVEXITY_THRESHOLD == pytest.approx(0.050660, abs=1e-6)
    eps, wl = np.array([0.01, 0.2, 0.0733]), np.array([0.45, 0.1, 1.0])
    theta = convexity.roughness_additive(eps, wl)
    np.testing.assert_allclose(convexity.curvature_ratio(eps, wl), 2 * math.pi**2 * theta)
    # R = 1 exactly at the convexity threshold; the two-cosine routine with one cosine agrees
    wl1 = 0.3
    eps_at = convexity.CONVEXITY_THRESHOLD * wl1**2
    assert convexity.curvature_ratio(eps_at, wl1) == pytest.approx(1.0)
    assert convexity.curvature_ratio_two_cosines(0.02, 0.3, 0.0, 0.5) == pytest.approx(
        convexity.curvature_ratio(0.02, 0.3), rel=1e-9
    )
    np.testing.assert_allclose(
        convexity.red_line(np.array([0.1, 1.0]), 1e4), np.array([0.01, 1.0]) / (2 * math.pi**2 * 1e4)
    )


def test_two_cosine_convexity_contour():
    assert convexity.common_period(0.3, 0.5) == pytest.approx(1.5)
    k1, k2 = 2 * math.pi / 0.3, 2 * math.pi / 0.5
    eps1 = np.linspace(0, 0.0045, 5)
    eps2 = (2 - eps1 * k1**2) / k2**2  # min f'' = 0 (at x = 0 for non-negative amplitudes)
    assert np.all(eps2 > 0)
    np.testing.assert_allclose(convexity.curvature_ratio_two_cosines(eps1, 0.3, eps2, 0.5), 1.0, rtol=1e-9)
    assert np.all(convexity.is_convex_two_cosines(eps1, 0.3, 0.99 * eps2, 0.5))
    assert not np.any(convexity.is_convex_two_cosines(eps1, 0.3, 1.01 * eps2, 0.5))
    # against f'' on an independent grid, with one negative amplitude (maximum away from x = 0)
    x = np.linspace(0, 1.5, 200_001)
    for e1, e2 in [(0.004, 0.01), (-0.006, 0.015), (0.008, -0.02)]:
        f2 = 2 - e1 * k1**2 * np.cos(k1 * x) - e2 * k2**2 * np.cos(k2 * x)
        r = convexity.curvature_ratio_two_cosines(e1, 0.3, e2, 0.5)
        assert r == pytest.approx(1 - f2.min() / 2, abs=1e-6)


# --------------------------------------------------------------------------------------
# E9's initial points


def test_e9_initial_points_seeded_and_shardable():
    j = np.arange(3000)
    coded = experiments.e9_initial_points("as_coded", 20, j, seed=7)
    assert coded.shape == (20, 3000) and coded.min() >= -5 and coded.max() <= 5
    np.testing.assert_array_equal(coded, experiments.e9_initial_points("as_coded", 20, j, seed=7))
    np.testing.assert_array_equal(coded[:, 1500:2100], experiments.e9_initial_points("as_coded", 20, j[1500:2100], 7))
    assert np.all(coded[:, 1:] != coded[:, :-1])  # redrawn for every learning rate
    assert not np.array_equal(coded, experiments.e9_initial_points("as_coded", 20, j, seed=8))
    fixed = experiments.e9_initial_points("intended", 20, j, seed=7)
    assert np.all(fixed == fixed[:, :1]) and len(np.unique(fixed[:, 0])) == 20
    np.testing.assert_array_equal(fixed, experiments.e9_initial_points("intended", 20, j, seed=7))
    with pytest.raises(ValueError):
        experiments.e9_initial_points("other", 2, j, 0)


def test_e9_as_coded_sweep_matches_loop():
    lr = clean_grid(6)
    x0 = experiments.e9_initial_points("as_coded", 2, np.arange(len(lr)), seed=0)
    got = sweep_labels("multiplicative", lr, {"eps": np.array([0.2, 0.2]), "wl": np.array([0.1, 0.1])}, x0)
    for c in range(2):
        expected = [loop.run_trajectory("multiplicative", x0[c, j], lr[j], CELL)[0] for j in range(len(lr))]
        np.testing.assert_array_equal(got[c], expected)


# --------------------------------------------------------------------------------------
# Against the authors' published #B (low levels, where few labels are chaotic)


def test_e1_e2_low_levels_match_the_authors():
    """E1: a single boundary up to n = 12 (the authors': up to n = 13). E2: #B(0..6) equal the
    authors'; from n = 7 ours has 2 more, all from eta = 0.03515625 (G(7)), whose label flips
    under a 1-ulp change of x0 or eta (spec 4.3: compare alpha with tolerances, not #B)."""
    e1 = count_boundaries(sweep_labels("additive", clean_grid(12), CELL, 1.0, "A")[0])
    assert e1.tolist() == E1_COUNTS[:13]
    e2 = count_boundaries(sweep_labels("multiplicative", clean_grid(10), CELL, 1.0, "A")[0])
    assert e2[:7].tolist() == E2_COUNTS[:7]
    assert np.all(np.abs(e2[7:] - np.array(E2_COUNTS[7:11])) <= 4)
    eta = clean_grid(7)[3]
    assert (
        loop.run_trajectory("multiplicative", 1.0, eta, CELL)[0]
        != loop.run_trajectory("multiplicative", np.nextafter(1.0, 2.0), eta, CELL)[0]
    )


def test_e10_loss_sums():
    lr = clean_grid(8)
    cell = {"eps": 1e-3, "wl": 0.1}
    label, total, inverse = sweep.loss_sums("multiplicative", torch.as_tensor(lr), 1.0, cell)
    np.testing.assert_array_equal(label.numpy(), sweep_labels("multiplicative", lr, cell, 1.0, "final")[0])
    for j in (40, 100, 200):  # against the losses of the loop, recorded one by one
        x, losses_t = 1.0, []
        with np.errstate(all="ignore"):  # divergent runs overflow
            for _ in range(1000):
                _, grad = loop.loss_and_grad("multiplicative", x, cell)
                x = x - lr[j] * grad
                losses_t.append(loop.loss_and_grad("multiplicative", x, cell)[0])
            inv = 1 / np.array(losses_t)
        finite = np.isfinite(losses_t)
        assert total[j].item() == pytest.approx(np.sum(np.array(losses_t)[finite]), rel=1e-12)
        assert inverse[j].item() == pytest.approx(np.sum(inv[np.isfinite(inv)]), rel=1e-12)


def test_a_cells_alpha_is_judged_on_its_t_interval_at_fit_levels_minus_two():
    """alpha 0.60 +- 0.04 (OLS s.e.) fitted on 6 levels: 4 d.f., t 2.776, so [0.489, 0.711];
    "alpha >= 0.5" straddles, though alpha - 2 s.e. (0.52) would have passed it. A cell fitted
    on 2 levels has no s.e. and is its point value."""
    import pandas as pd

    from physlearn.fractal.boundary import analysis

    row = {"alpha": 0.60, "stderr": 0.04, "fit_levels": 6}
    assert analysis.alpha_interval(row) == pytest.approx((0.60 - 2.776 * 0.04, 0.60 + 2.776 * 0.04), abs=1e-3)
    table = pd.DataFrame([row, {"alpha": 0.9, "stderr": math.nan, "fit_levels": 2}])
    low, high = analysis.alpha_bounds(table)
    assert low[1] == high[1] == 0.9
    assert analysis.every_cell(table, above=0.5) is None
    assert analysis.every_cell(table.assign(stderr=[0.01, math.nan]), above=0.5) is True
    assert analysis.alpha_yerr(table)[:, 0] == pytest.approx([2.776 * 0.04, 2.776 * 0.04], abs=1e-3)
