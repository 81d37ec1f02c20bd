"""The fractal workflow's steps and claims (physlearn.fractal.boundary.{design, labels, counts,
resources, analysis}): the experiments' cells, sharded labels joined into the same #B as one
run, the runtime estimates, and for every claim id a plausible wrong result that FAILs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from physlearn.fractal.boundary import analysis, counts, design, labels, resources
from physlearn.fractal.boundary.counting import count_boundaries, unpack_labels
from physlearn.fractal.boundary.sweep import sweep_labels
from physlearn.resources import STARTUP_SECONDS, slurm_minutes

SECTION = {
    "threads": 1,
    "workers": 1,
    "piece": 1000,
    "chunk_size": 4096,
    "width": 1024,
    "rate": 1e8,
    "gpu": 0,
    "experiments": {
        "E0": {"level": 8},
        "E1": {"level": 10, "lr_shards": 4},
        "E2": {"level": 10},
        "segments": {"level": 8},
        "E3": {"level": 8, "cell_shards": 3},
        "E4": {"level": 8},
        "E5": {"level": 8, "bounds": [1e3, 1e4]},
        "E6": {"level": 8},
        "E7": {"level": 8, "dims": [1, 2, 5, 10]},
        "E8": {"level": 8, "dims": [1, 2, 60, 100]},
        "E9": {"level": 10, "columns": 3},
        "E10": {"level": 8},
    },
}


# ---- design ---------------------------------------------------------------------------


def test_every_experiment_has_the_spec_cells():
    sizes = {name: len(design.cells(name, SECTION)) for name in design.EXPERIMENTS}
    assert sizes == {"E0": 1, "E1": 1, "E2": 1, "segments": 1, "E3": 100, "E4": 100, "E5": 200, "E6": 400,
                     "E7": 4, "E8": 8, "E9": 12, "E10": 1}  # fmt: skip
    e3 = design.cells("E3", SECTION)
    assert (e3["criterion"] == "B").all() and (e3["x0"] == 5.0).all() and (e3["rule"] == "F1").all()
    assert int((e3["theta"] <= 1 / (2 * math.pi**2)).sum()) == 8  # the spec's 8 convex cells
    assert int((e3["theta"] < 0.066).sum()) == 11 and int((e3["theta"] >= 0.09).sum()) == 85
    e6 = design.cells("E6", SECTION)
    assert int((e6["R"] <= 1).sum()) == 77 and int((e6["R"] >= 1.5).sum()) == 236  # spec section 3, E6
    e8 = design.cells("E8", SECTION)
    assert set(e8["criterion"]) == {"A", "A_abs"} and np.allclose(e8["eps"] * 1, 0.2 * e8["d"])
    assert design.fit_kwargs(design.cells("E1", SECTION).iloc[0]) == {"rule": "F1", "min_levels": None}
    e9 = design.cells("E9", SECTION)
    assert design.fit_kwargs(e9[e9["loss"] == "additive"].iloc[0])["first_level"] == 8  # 11 capped at N - 2


def test_shards_cover_cells_and_learning_rates():
    table = design.cells("E3", SECTION)
    seen = np.concatenate([design.shard_slices(table, SECTION, "E3", s)[0] for s in range(3)])
    assert sorted(seen) == list(range(100))
    e1 = design.cells("E1", SECTION)
    ranges = [design.shard_slices(e1, SECTION, "E1", s)[1:] for s in range(4)]
    assert ranges == [(0, 256), (256, 512), (512, 768), (768, 1024)]
    with pytest.raises(ValueError, match="power of two"):
        design.shards({"experiments": {"E1": {"level": 10, "lr_shards": 3}}}, "E1")


# ---- labels and counts --------------------------------------------------------------


def _run(name: str, section: dict) -> tuple[pd.DataFrame, dict]:
    table = design.cells(name, section)
    grid = design.lr_grid(int(section["experiments"][name]["level"]))
    options = {k: section[k] for k in ("chunk_size", "width", "workers", "piece")} | {"device": "cpu",
                                                                                    "keep_labels": True}  # fmt: skip
    shards = []
    for s in range(design.n_shards(section, name)):
        cells, start, stop = design.shard_slices(table, section, name, s)
        out = labels.run_shard(table.iloc[cells], grid, start, stop, 0, options, _Log())
        out["meta"] = {"start": start, "stop": stop, "seconds": 0.0}
        shards.append(out)
    return counts.join(shards, table)


class _Log:
    def info(self, *_):
        pass


def test_learning_rate_shards_join_to_the_counts_of_one_run():
    table, joined = _run("E1", SECTION)  # 4 learning-rate shards of G(10), pieces of 1000
    grid = design.lr_grid(10)
    whole = sweep_labels("additive", grid, {"eps": 0.2, "wl": 0.1}, x0=1.0, criterion="A", threshold=1e8)[0]
    assert [int(table[f"B{n}"][0]) for n in range(11)] == count_boundaries(whole).tolist()
    assert np.array_equal(unpack_labels(joined["packed"], int(joined["n_labels"]))[0], whole)
    assert table["first_divergent_lr"][0] == grid[np.argmax(whole)]


def test_e0_counts_and_claim_from_the_steps():
    table, _ = _run("E0", {**SECTION, "experiments": {**SECTION["experiments"], "E0": {"level": 16}}})
    row = table.iloc[0]
    assert (analysis.counts_of(row) == 1).all() and row["alpha"] == 0
    assert analysis.quadratic_claims(row)[0].verdict == "PASS"


def test_e9_shards_draw_the_same_points_as_one_job():
    one, _ = _run("E9", SECTION)
    split = {**SECTION, "experiments": {**SECTION["experiments"], "E9": {"level": 10, "columns": 3, "lr_shards": 2,
                                                                         "cell_shards": 2}}}  # fmt: skip
    two, _ = _run("E9", split)
    pd.testing.assert_series_equal(one["alpha"], two["alpha"])


def test_counts_refuses_inconsistent_ranges():
    r = {"ends": np.array([[False, True]]), "counts": np.array([[0, 0]])}
    with pytest.raises(ValueError, match="disagree"):
        counts.join_counts([r], 1)


# ---- resources ----------------------------------------------------------------------


def test_runtime_grows_with_the_grid_and_shrinks_with_shards():
    small = resources.label_minutes(SECTION, "E3")
    big = {**SECTION, "experiments": {**SECTION["experiments"], "E3": {"level": 20}}}
    assert small == 1  # SLURM's smallest request
    # 100 cells x 2^20 x 1000 nominal steps at 1e8/s, times E3's relative cost (0.7: criterion
    # B stops the divergent ones, and a step costs more than 1e-8 s): ~12 minutes
    seconds = STARTUP_SECONDS + resources.RELATIVE_COST["E3"] * 100 * (2**20 + 1) * 1000 / 1e8
    assert resources.label_seconds(big, "E3") == pytest.approx(seconds)
    assert resources.label_minutes(big, "E3") == slurm_minutes(seconds)
    sharded = {**SECTION, "experiments": {**SECTION["experiments"], "E3": {"level": 20, "cell_shards": 10}}}
    assert resources.label_seconds(sharded, "E3") < resources.label_seconds(big, "E3") / 9
    assert resources.label_mem_mb(big, "E3") > resources.label_mem_mb(SECTION, "E3")


def test_each_label_job_is_estimated_from_its_own_cells():
    """E9's shards hold either additive or multiplicative cells, whose trajectories diverge at
    different rates (paper scale: 145-169 s against 54-76 s a shard): each job asks for its own."""
    section = {
        **SECTION,
        "experiments": {**SECTION["experiments"], "E9": {"level": 20, "cell_shards": 20, "columns": 100}},
    }
    table = design.cells("E9", section)
    losses = [set(table["loss"].iloc[design.shard_slices(table, section, "E9", s)[0]]) for s in (0, 19)]
    assert losses == [{"additive"}, {"multiplicative"}]
    additive, multiplicative = (resources.label_seconds(section, "E9", s) - STARTUP_SECONDS for s in (0, 19))
    cost = resources.RELATIVE_COST["E9"]
    assert multiplicative / additive == pytest.approx(cost["multiplicative"] / cost["additive"])
    # without a shard: the costliest job's
    assert resources.label_seconds(section, "E9") == pytest.approx(additive + STARTUP_SECONDS)


# ---- claims: each id PASSes on the spec's numbers and FAILs on a plausible wrong result --


def _table(name: str, alpha, stderr=0.02, level: int = 8, counts_value=None) -> pd.DataFrame:
    t = design.cells(name, {"experiments": {**SECTION["experiments"], name: {**SECTION["experiments"][name],
                                                                              "level": level}}})  # fmt: skip
    t["alpha"] = np.broadcast_to(np.asarray(alpha, dtype=float), len(t)).copy()
    t["stderr"] = stderr
    t["fit_levels"] = 6
    for n in range(level + 1):
        t[f"B{n}"] = 1 if counts_value is None else counts_value
    return t


def _verdicts(claims) -> dict:
    return {c.id: c.verdict for c in claims}


def test_quadratic_claim_fails_off_the_boundary_or_with_two_boundaries():
    row = pd.Series({"level": 2, "B0": 1, "B1": 1, "B2": 1, "alpha": 0.0, "last_bounded_lr": 1.00461,
                     "first_divergent_lr": 1.00463})  # fmt: skip
    assert _verdicts(analysis.quadratic_claims(row)) == {"quadratic-single-boundary": "PASS"}
    assert analysis.quadratic_claims(row.replace({1.00461: 0.99, 1.00463: 1.0}))[0].verdict == "FAIL"
    assert analysis.quadratic_claims({**row, "B2": 3})[0].verdict == "FAIL"


def test_segment_claim_compares_alpha_and_fails_on_other_growth():
    good = pd.Series({"level": 10, **{f"B{n}": c for n, c in enumerate(analysis.E2_COUNTS[:11])}})
    claim = analysis.segments_claims(good)[0]
    assert claim.verdict == "PASS" and claim.measured["gap"] == 0
    # one extra chaotic flip resolved from level 7 on (+2 boxes a level, +4 at 10): alpha moves ~0.02
    flips = good.add(pd.Series({"B7": 2, "B8": 2, "B9": 2, "B10": 4}), fill_value=0)
    assert analysis.segments_claims(flips)[0].verdict == "PASS"
    # a boundary that doubles at every level (alpha 1) or the additive cell's (#B = 1 to level 13)
    doubling = pd.Series({"level": 10, **{f"B{n}": 2**n for n in range(11)}})
    assert analysis.segments_claims(doubling)[0].verdict == "FAIL"
    additive = pd.Series({"level": 10, **{f"B{n}": 1 for n in range(11)}})
    assert analysis.segments_claims(additive)[0].verdict == "FAIL"


def test_single_cell_claims_fail_on_wrong_dimensions():
    row = lambda a, se=0.005: pd.Series({"alpha": a, "stderr": se, "fit_levels": 9, "level": 22})  # noqa: E731
    good = {"E1": row(0.97), "E2": row(0.83)}
    verdicts = _verdicts(analysis.counts_claims("additive", good) + analysis.counts_claims("multiplicative", good))
    assert set(verdicts.values()) == {"PASS"}
    bad = {"E1": row(0.85), "E2": row(0.95)}  # swapped-looking dimensions
    verdicts = _verdicts(analysis.counts_claims("additive", bad) + analysis.counts_claims("multiplicative", bad))
    assert verdicts == {
        "alpha-additive": "FAIL",
        "alpha-multiplicative": "FAIL",
        "multiplicative-below-additive": "FAIL",
    }
    assert analysis.counts_claims("additive", {"E1": row(1.0, 0.03)})[0].verdict == "INCONCLUSIVE"
    assert analysis.strip_claims(row(0.95))[0].verdict == "PASS"
    assert analysis.strip_claims(row(0.5))[0].verdict == "FAIL"


def _e3(alpha_rough: float, alpha_smooth: float = 0.0, spread: float = 0.05, wl_slope: float = 0.0):
    t = _table("E3", 0.0)
    rough = t["theta"] >= 0.09
    rng = np.random.default_rng(0)
    t.loc[rough, "alpha"] = (
        alpha_rough + spread * rng.standard_normal(int(rough.sum())) + wl_slope * np.log(t.loc[rough, "wl"])
    )
    t.loc[~rough, "alpha"] = alpha_smooth
    smooth = t["theta"] < 0.066
    for n in range(9):
        t.loc[~smooth, f"B{n}"] = 2**n
        if alpha_smooth:
            t.loc[smooth, f"B{n}"] = 2**n
    return t


def test_additive_map_claims():
    assert set(_verdicts(analysis.additive_map_claims(_e3(0.93))).values()) == {"PASS"}
    assert _verdicts(analysis.additive_map_claims(_e3(0.93, alpha_smooth=0.6))) == {
        "nonfractal-below-0.066": "FAIL", "fractal-above-0.09": "PASS", "median-above-0.09": "PASS"}  # fmt: skip
    low = _verdicts(analysis.additive_map_claims(_e3(0.3)))
    assert low["fractal-above-0.09"] == "FAIL" and low["median-above-0.09"] == "FAIL"


def test_additive_roughness_claims():
    assert set(_verdicts(analysis.roughness_additive_claims(_e3(0.93))).values()) == {"PASS"}
    bad = _verdicts(analysis.roughness_additive_claims(_e3(0.93, alpha_smooth=0.6, spread=0.4, wl_slope=0.0)))
    assert bad["convex-nonfractal"] == "FAIL" and bad["spread-small"] == "FAIL"
    trend = _verdicts(analysis.roughness_additive_claims(_e3(0.93, spread=0.02, wl_slope=0.3)))
    assert trend["no-wavelength-dependence"] == "FAIL"
    assert analysis.renormalisation_claim(1.0, 100).verdict == "PASS"
    assert analysis.renormalisation_claim(0.99, 100).verdict == "FAIL"


def test_multiplicative_map_and_roughness_claims():
    rng = np.random.default_rng(1)
    good = _table("E4", 0.86 + 0.03 * rng.standard_normal(100), stderr=0.01)
    assert set(_verdicts(analysis.multiplicative_map_claims(good) + analysis.roughness_multiplicative_claims(good)).values()) == {"PASS"}  # fmt: skip
    bad = good.copy()
    bad.loc[0, "alpha"] = 0.0  # one non-fractal cell
    bad["alpha"] += 0.2 * (bad["wl"] > 0.5)  # and a wavelength dependence
    verdicts = _verdicts(analysis.multiplicative_map_claims(bad) + analysis.roughness_multiplicative_claims(bad))
    assert verdicts["every-cell-fractal"] == "FAIL" and verdicts["no-wavelength-dependence"] == "FAIL"
    assert analysis.multiplicative_map_claims(_table("E4", 0.7, stderr=0.01))[1].verdict == "FAIL"  # mean-alpha


def test_bound_claims():
    t = _table("E5", 0.0, stderr=0.0)
    top = t["eps"] >= 1.29e-3
    t.loc[top, "alpha"] = 0.8
    assert set(_verdicts(analysis.bound_claims(t)).values()) == {"PASS"}
    bad = t.copy()
    bad.loc[~top, "alpha"] = 0.5  # fractal below the red line and in the tiny rows
    bad.loc[top, "alpha"] = 0.2
    assert set(_verdicts(analysis.bound_claims(bad)).values()) == {"FAIL"}


def test_two_cosines_claims():
    t = _table("E6", 0.0, stderr=0.0)
    t.loc[t["R"] >= 1.2, "alpha"] = 0.8
    assert set(_verdicts(analysis.two_cosines_claims(t)).values()) == {"PASS"}
    bad = t.copy()
    bad.loc[bad["R"] <= 1, "alpha"] = 0.3
    bad.loc[bad["R"] >= 1.5, "alpha"] = np.where(np.arange(int((bad["R"] >= 1.5).sum())) % 3 == 0, 0.0, 0.8)
    assert set(_verdicts(analysis.two_cosines_claims(bad)).values()) == {"FAIL"}


def test_a_count_claim_names_the_cells_that_break_it():
    # The paper-scale E6 run (session 24): one convex cell, eps1 0.00379, eps2 0, has 4 levels
    # with several boundaries and alpha 0.295 under F2; the claim names it.
    t = _table("E6", 0.0, stderr=0.0)
    t.loc[t["R"] >= 1.2, "alpha"] = 0.8
    odd = t.index[(t["R"] <= 1) & (t["eps2"] == 0)][-1]
    t.loc[odd, ["alpha", "fit_levels", "B5", "B6", "B7", "B8"]] = [0.295, 4, 3, 3, 5, 5]
    claim = analysis.two_cosines_claims(t)[0]
    assert claim.verdict == "FAIL"
    (cell,) = claim.measured["not_holding"]
    assert (
        cell["eps2"] == 0 and cell["fit_levels"] == 4 and cell["several_boundaries"] == [[5, 3], [6, 3], [7, 5], [8, 5]]
    )
    assert f"eps1 {t.loc[odd, 'eps1']:.4g}, eps2 0, R" in claim.ours and "5 at n = 8" in claim.ours
    assert "not:" not in analysis.two_cosines_claims(t.assign(alpha=np.where(t["R"] <= 1, 0.0, 0.8)))[0].ours


def _dims(name, alpha_of_d, dims):
    section = {"experiments": {**SECTION["experiments"], name: {"level": 8, "dims": dims}}}
    t = design.cells(name, section)
    t["alpha"] = [alpha_of_d(d, c) for d, c in zip(t["d"], t.get("convention", ["literal"] * len(t)))]
    t["stderr"] = 0.02
    t["fit_levels"] = 6
    return t


def test_dimension_claims():
    dims = list(range(1, 101))  # |rho| < 0.3 on a Fisher interval needs about 100 dimensions to PASS
    flat = _dims("E7", lambda d, c: 0.95 + 0.03 * math.sin(d), dims)
    assert set(_verdicts(analysis.dimension_additive_claims(flat)).values()) == {"PASS"}
    rising = _dims("E7", lambda d, c: 0.5 + 0.006 * d, dims)
    assert set(_verdicts(analysis.dimension_additive_claims(rising)).values()) == {"FAIL"}
    up = _dims("E8", lambda d, c: 0.75 + 0.002 * d if c == "literal" else 0.8 - 0.008 * d, dims)
    claim = analysis.dimension_multiplicative_claims(up)[0]
    assert claim.verdict == "PASS" and "|loss| convention" in claim.ours
    down = _dims("E8", lambda d, c: 0.9 - 0.003 * d, dims)  # the |loss|-like trend under the authors' labels
    assert analysis.dimension_multiplicative_claims(down)[0].verdict == "FAIL"


def test_initial_point_claims():
    t = design.cells("E9", {"experiments": {"E9": {"level": 16, "columns": 20}}})
    rng = np.random.default_rng(2)
    coded = t["protocol"] == "as_coded"
    t["alpha"] = np.where(coded, 1.0 + 0.01 * rng.standard_normal(len(t)), 0.85 + 0.2 * rng.standard_normal(len(t)))
    t["stderr"] = 0.02
    assert analysis.initial_claims(t, "multiplicative")[0].verdict == "PASS"
    assert analysis.initial_claims(t, "additive")[0].verdict == "PASS"
    assert "intended protocol" in analysis.initial_claims(t, "additive")[0].ours
    t["alpha"] = np.where(coded, 0.8 + 0.01 * rng.standard_normal(len(t)), 1.0)  # the intended protocol's numbers
    assert analysis.initial_claims(t, "multiplicative")[0].verdict == "FAIL"
    assert analysis.initial_claims(t, "additive")[0].verdict == "FAIL"


def test_statistics_helpers():
    med, lo, hi = analysis.median_interval(np.arange(101.0))
    assert med == 50 and lo < 50 < hi and hi - lo < 25
    s, slo, shi = analysis.sd_interval(np.random.default_rng(3).standard_normal(200))
    assert slo < s < shi and slo < 1 < shi
    lo, hi = analysis.correlation_interval(0.0, 103)
    assert lo == pytest.approx(-hi) and hi == pytest.approx(math.tanh(1.96 / 10))


# ---- the steps' command lines, end to end on a small grid --------------------------------


def test_label_counts_and_figure_steps_write_their_outputs(tmp_path):
    import json

    from physlearn.claims import read_claims
    from physlearn.fractal.boundary import counts_figure, strip_figure

    section = {**SECTION, "experiments": {"E0": {"level": 16}, "segments": {"level": 8, "lr_shards": 2}}}
    cfg = {"seed": 0, "device": "cpu", "scale": "laptop", "fractal_boundary": section}
    config = json.dumps({**cfg, "paper": {"fractal_boundary": section}})
    for name in ("E0", "segments"):
        shards = []
        for s in range(design.n_shards(section, name)):
            shards.append(str(tmp_path / f"{name}-{s}.npz"))
            labels.main(["--config", config, "--experiment", name, "--shard", str(s), "--output", shards[-1]])
        counts.main(["--config", config, "--experiment", name, "--output", str(tmp_path / f"{name}.csv"),
                     "--labels", str(tmp_path / f"{name}.npz"), *shards])  # fmt: skip

    def outputs(fig):
        return [f"--{k}" if i % 2 == 0 else str(tmp_path / f"{fig}.{k}") for k in ("pdf", "png", "table", "claims")
                for i in range(2)]  # fmt: skip

    counts_figure.main(["--config", config, "--figure", "fractal_quadratic", str(tmp_path / "E0.csv"),
                        *outputs("fractal_quadratic")])  # fmt: skip
    doc = read_claims(tmp_path / "fractal_quadratic.claims")
    assert doc["paper"] == "fractal" and doc["figure"] == "Fig. S2" and doc["settings"]["summary"] == "paper settings"
    assert [c["verdict"] for c in doc["claims"]] == ["PASS"]
    strip_figure.main(["--config", config, "--figure", "fractal_segments", str(tmp_path / "segments.csv"),
                       "--labels", str(tmp_path / "segments.npz"), *outputs("fractal_segments")])  # fmt: skip
    table = pd.read_csv(tmp_path / "fractal_segments.table")
    assert len(table) == int(pd.read_csv(tmp_path / "segments.csv")[[f"B{n}" for n in range(9)]].sum(axis=1)[0])
    assert (tmp_path / "fractal_segments.png").stat().st_size > 1000
