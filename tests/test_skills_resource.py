"""The Resource model (skills spec section 3) and the steps of Figs. 6, 7, 8, 16, 17."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from physlearn.claims import read_claims, se_multiple, welch_dof
from physlearn.skills.resource import collapse_figure as resource_collapse
from physlearn.skills.resource import fit as resource_fit
from physlearn.skills.resource import graphs_figure as resource_graphs
from physlearn.skills.resource import model as R
from physlearn.skills.resource import parity_figure as resource_parity

CHAIN = R.SkillGraph(((), (0,), (1,)), ("and", "and", "and"))
TREE_OR = R.SkillGraph(((), (), (0, 1), (), (2, 3)), ("and", "and", "and", "and", "or"))


def reference(p, eta, n0, steps, *, overlap=None, loss="mse", graph=None, a=1e-3, clamp=True):
    """A plain per-setting loop of the spec's update, in python floats: [steps + 1, K] strengths."""
    K = len(p)
    C = overlap if overlap is not None else [[float(i == j) for j in range(K)] for i in range(K)]
    state = [0.0] * K if loss == "ce" else [1.0] * K
    strengths = []
    for t in range(steps + 1):
        u = [1 - 1 / (1 + math.exp(-x)) for x in state] if loss == "ce" else list(state)
        strengths.append([1 - x for x in u])
        if t == steps:
            break
        gate = [1.0] * K
        if graph is not None:
            for i, (parents, kind) in enumerate(zip(graph.parents, graph.gates)):
                opened = [1 - min(max(u[j], 0.0), 1.0) ** a for j in parents]
                if parents:
                    gate[i] = max(opened) if kind == "or" else math.prod(opened)
        c = [p[i] * u[i] * gate[i] for i in range(K)]
        total = sum(c) + n0
        for i in range(K):
            share = sum(C[i][j] * c[j] for j in range(K)) / total if total > 0 else 0.0
            if loss == "ce":
                state[i] += eta * share
            else:
                state[i] -= eta * share
                if clamp:
                    state[i] = max(0.0, state[i])
    return np.array(strengths)


# ---- the update, by hand ----


def test_two_mse_steps_by_hand():
    # p = (0.75, 0.25), eta_eff 0.1, N0 0.5. Step 1: sum p u = 1, so u1 = 1 - 0.1 * 0.75 / 1.5 = 0.95,
    # u2 = 1 - 0.1 * 0.25 / 1.5 = 59/60. Step 2: sum p u = 0.7125 + 59/240 = 0.958333...
    out = R.simulate([0.75, 0.25], 0.1, 0.5, 2)
    u = 1 - out["s"]
    assert u[0] == pytest.approx([1.0, 1.0])
    assert u[1] == pytest.approx([0.95, 59 / 60], abs=1e-12)
    total = 0.75 * 0.95 + 0.25 * 59 / 60 + 0.5
    assert u[2] == pytest.approx(
        [0.95 - 0.1 * 0.75 * 0.95 / total, 59 / 60 - 0.1 * 0.25 * (59 / 60) / total], abs=1e-12
    )
    assert out["loss"][1] == pytest.approx(0.75 * 0.95**2 + 0.25 * (59 / 60) ** 2)
    assert out["skill_loss"][1] == pytest.approx([0.95**2, (59 / 60) ** 2])


def test_clamp_stops_at_zero():
    # One skill, N0 0: each step removes eta_eff whatever u is; 0.4 -> 0.6, 0.2, then 0 (not -0.2).
    out = R.simulate([1.0], 0.4, 0.0, 4)
    assert 1 - out["s"][:, 0] == pytest.approx([1.0, 0.6, 0.2, 0.0, 0.0])
    assert np.isfinite(out["s"]).all()  # all learned with N0 = 0: 0/0 is no update, not NaN


def test_overlap_step_by_hand():
    # C = [[1, .5], [.5, 1]], p = (.5, .5), eta 0.2, N0 0: c = (.5, .5), share_i = (c_i + .5 c_j) / 1 = .75.
    out = R.simulate([0.5, 0.5], 0.2, 0.0, 1, overlap=[[1.0, 0.5], [0.5, 1.0]])
    assert 1 - out["s"][1] == pytest.approx([1 - 0.2 * 0.75] * 2)
    # p = (.8, .2): c = (.8, .2), pull_i = sum_j C_ij c_j = (.9, .6), total 1 (p_j inside the sum, not p_i).
    out = R.simulate([0.8, 0.2], 0.2, 0.0, 1, overlap=[[1.0, 0.5], [0.5, 1.0]])
    assert 1 - out["s"][1] == pytest.approx([1 - 0.2 * 0.9, 1 - 0.2 * 0.6], abs=1e-12)


def test_ce_step_by_hand():
    # Logits 0: c_i = p_i / 2 = (.3, .2); l_i += eta * c_i / (0.5 + 0.1).
    out = R.simulate([0.6, 0.4], 0.3, 0.1, 1, loss="ce")
    logits = np.array([0.3 * 0.3 / 0.6, 0.3 * 0.2 / 0.6])
    assert out["s"][1] == pytest.approx(1 / (1 + np.exp(-logits)))
    assert out["skill_loss"][0] == pytest.approx([math.log(2)] * 2)
    assert out["loss"][1] == pytest.approx(float(np.sum([0.6, 0.4] * np.log1p(np.exp(-logits)))))


def test_eta_eff():
    assert R.eta_eff(3e-4, 1000) == pytest.approx(2 * 3e-4 * math.sqrt(1000))
    assert R.eta_eff(0.01, 10, factor=4) == pytest.approx(0.04 * math.sqrt(10))


# ---- the analytic collapse ----


def test_collapse_onto_one_curve_at_small_eta():
    """N0 = 0, C = I: u_i = exp(-p_i tau) in the continuous limit, so u_i^(1/p_i) is the same
    for every skill, up to a discretisation error that vanishes with eta."""
    p = R.pad_frequencies([np.arange(1, 6) ** -2.0])[0]
    p /= p.sum()

    def worst_spread(eta, steps):
        out = R.simulate(p, eta, 0.0, steps)
        c = R.collapse(1 - out["s"], p)  # [R, K]
        alive = (1 - out["s"]).min(axis=1) > 1e-3  # before any skill reaches the clamp
        return np.max(c[alive].max(axis=1) - c[alive].min(axis=1)), c[alive]

    fine, curves = worst_spread(1e-3, 4000)
    coarse, _ = worst_spread(1e-2, 400)
    assert fine < 2e-3
    assert coarse > 3 * fine  # the error is the discretisation's
    # the common curve really falls (not a trivial agreement at 1)
    assert curves[-1].mean() < 0.2


def test_collapse_holds_with_waste_too():
    # N0 > 0 only slows tau(t): still one curve.
    p = np.array([0.6, 0.3, 0.1])
    out = R.simulate(p, 1e-3, 0.05, 3000)
    c = R.collapse(1 - out["s"], p)
    assert np.max(c.max(axis=1) - c.min(axis=1)) < 2e-3


# ---- gates ----


def test_gate_values_by_hand():
    a = 0.5
    u = torch.tensor([[0.25, 0.04, 0.5, 1.0, 0.3]], dtype=torch.float64)
    gate = R.gate_values(u, TREE_OR, a)[0]
    # roots are open; skill 2 = AND(0, 1) = (1 - .25^.5)(1 - .04^.5) = .5 * .8; skill 4 = OR(2, 3) = max(1 - .5^.5, 0)
    assert gate.tolist() == pytest.approx([1, 1, 0.5 * 0.8, 1, 1 - 0.5**0.5])


def test_gated_step_by_hand():
    # Chain 0 -> 1 -> 2, p = 1 each, a = 0.5, eta 0.1, N0 0.
    # Step 1: u = 1 everywhere, so gates 1, 0, 0: only skill 0 moves, by 0.1 (share 1).
    # Step 2: u0 = 0.9; gate1 = 1 - 0.9^.5, c = (0.9, gate1, 0); u0 -= 0.1 * 0.9 / (0.9 + gate1).
    out = R.simulate([1.0, 1.0, 1.0], 0.1, 0.0, 2, graph=CHAIN, gate_exponent=0.5)
    u = 1 - out["s"]
    assert u[1] == pytest.approx([0.9, 1.0, 1.0])
    g1 = 1 - 0.9**0.5
    assert u[2] == pytest.approx([0.9 - 0.1 * 0.9 / (0.9 + g1), 1 - 0.1 * g1 / (0.9 + g1), 1.0])


def test_gate_exponents_batch_like_separate_runs():
    """One program over several gate exponents (Fig. 17 runs a graph at three) gives each
    exponent's separate run; a wrong broadcast (one exponent for every row) would not."""
    graph = R.SkillGraph(((), (), (0, 1), (2,), (2, 3)), ("and", "and", "and", "and", "or"))
    p = [1.0, 0.2, 0.5, 0.5, 0.5]
    exponents = [1e-2, 1e-3, 1e-4]
    batched = R.simulate(p, 0.05, 1e-3, 400, graph=graph, gate_exponent=exponents)["s"]
    assert batched.shape[0] == 3
    for row, a in zip(batched, exponents):
        np.testing.assert_array_equal(row, R.simulate(p, 0.05, 1e-3, 400, graph=graph, gate_exponent=a)["s"])
    assert not np.array_equal(batched[0], batched[2])


def test_and_waits_for_all_parents_or_for_the_first():
    # Skill 2 = AND(0, 1), skill 3 needs skill 2, skill 4 = OR(2, 3): skill 2 is the OR's
    # first parent to be learned, skill 3 (which waits for skill 2) its last.
    graph = R.SkillGraph(((), (), (0, 1), (2,), (2, 3)), ("and", "and", "and", "and", "or"))
    out = R.simulate([1.0, 0.2, 0.5, 0.5, 0.5], 0.05, 1e-3, 600, graph=graph, gate_exponent=1e-3)
    start = R.first_step(out["s"], out["step"], 0.1)
    learned = R.first_step(out["s"], out["step"], 0.9)
    assert start[2] > max(learned[0], learned[1])
    assert learned[2] <= start[4] < learned[3]
    # the same tree with an AND at the bottom waits for skill 3 too
    both = R.SkillGraph(graph.parents, ("and",) * 5)
    out = R.simulate([1.0, 0.2, 0.5, 0.5, 0.5], 0.05, 1e-3, 600, graph=both, gate_exponent=1e-3)
    assert R.first_step(out["s"], out["step"], 0.1)[4] >= R.first_step(out["s"], out["step"], 0.9)[3]


def test_skill_graph_rejects_bad_graphs():
    with pytest.raises(ValueError):
        R.SkillGraph(((), (0,)), ("and", "xor"))
    with pytest.raises(ValueError):
        R.SkillGraph(((1,), (1,)), ("and", "and"))
    assert R.SkillGraph.from_dict({"parents": [[], [0]], "gates": ["and", "or"]}).parents == ((), (0,))


# ---- batched = per-setting loop ----


def test_batched_matches_a_per_setting_loop():
    rng = np.random.default_rng(0)
    K, steps = 4, 60
    p = rng.dirichlet(np.ones(K), size=3)  # [3, K]
    eta = np.array([0.02, 0.05, 0.1])
    n0 = np.array([0.0, 1e-3, 0.1])
    T = rng.normal(size=(3, K, 3))
    T /= np.linalg.norm(T, axis=-1, keepdims=True)
    overlap = T @ T.transpose(0, 2, 1)
    graph = R.SkillGraph(((), (), (0, 1), (2,)), ("and", "and", "or", "and"))
    for loss in ("mse", "ce"):
        for C in (None, overlap):
            for g in (None, graph):
                out = R.simulate(p, eta, n0, steps, overlap=C, loss=loss, graph=g, gate_exponent=0.01)
                for b in range(3):
                    want = reference(
                        p[b].tolist(),
                        eta[b],
                        n0[b],
                        steps,
                        loss=loss,
                        graph=g,
                        a=0.01,
                        overlap=None if C is None else C[b].tolist(),
                    )
                    np.testing.assert_allclose(out["s"][b], want, atol=1e-10)


def test_broadcast_over_a_grid_of_n0():
    p = np.array([0.5, 0.3, 0.2])
    grid = np.array([1e-4, 1e-2, 1.0])
    out = R.simulate(p, 0.05, grid, 50, record_every=10)
    assert out["s"].shape == (3, 6, 3) and out["loss"].shape == (3, 6)
    assert list(out["step"]) == [0, 10, 20, 30, 40, 50]
    for k, n0 in enumerate(grid):
        np.testing.assert_allclose(out["s"][k], reference(p.tolist(), 0.05, n0, 50)[::10], atol=1e-12)
    # more waste, slower learning
    assert out["loss"][0, -1] < out["loss"][1, -1] < out["loss"][2, -1]


def test_zero_frequency_padding_changes_nothing():
    p = R.pad_frequencies([np.array([0.7, 0.3]), np.array([0.5, 0.3, 0.2])])
    assert p.tolist() == [[0.7, 0.3, 0.0], [0.5, 0.3, 0.2]]
    padded = R.simulate(p[0], 0.05, 0.01, 40)
    alone = R.simulate([0.7, 0.3], 0.05, 0.01, 40)
    np.testing.assert_allclose(padded["s"][:, :2], alone["s"])
    np.testing.assert_allclose(padded["loss"], alone["loss"])
    assert (padded["s"][:, 2] == 0).all()


# ---- fitting N0 ----


def test_fit_recovers_a_known_n0():
    p = np.arange(1, 8) ** -2.0
    p /= p.sum()
    grid = np.geomspace(1e-4, 1, 13)
    truth = R.simulate(p, 0.02, grid[5], 800, record_every=10)["s"]
    scan = R.simulate(p, 0.02, grid, 800, record_every=10)["s"]
    distance = R.curve_distance(truth, scan)
    n0, best = R.best_n0(distance, grid)
    assert best == 5 and n0 == grid[5] and distance[5] == 0
    assert np.all(np.diff(distance[5:]) > 0) and np.all(np.diff(distance[:6]) < 0)
    # a NaN distance (a diverged reference) never wins
    distance[0] = np.nan
    assert R.best_n0(distance, grid)[1] == 5


def test_curve_distance_is_rms():
    a = np.zeros((2, 3))
    b = np.full((4, 2, 3), 0.5)
    b[1] = 0.1
    assert R.curve_distance(a, b).tolist() == pytest.approx([0.5, 0.1, 0.5, 0.5])
    # unequal differences, where RMS and mean absolute differ: sqrt((0 + 1) / 2)
    assert R.curve_distance(np.zeros((1, 2)), np.array([[0.0, 1.0]])) == pytest.approx(math.sqrt(0.5))


def test_first_step():
    s = np.array([[0.0, 0.0], [0.5, 0.0], [0.95, 0.2]])
    assert R.first_step(s, np.array([0, 10, 20]), 0.9).tolist() == [20, np.inf]
    # reaching the threshold exactly counts (clamped MSE skills sit at s = 1 exactly)
    assert R.first_step(np.array([[0.0], [0.9], [1.0]]), np.array([0, 10, 20]), 0.9).tolist() == [10]


# ---- the steps' analyses ----


def test_study_settings_and_batch_groups():
    section = {
        "geometry": {"n_params": 100, "n_skills": 4, "alpha": 2.0, "lr": 3e-4, "batch_size": 32, "steps": 10},
        "sweeps": {
            "geometry": {
                "n_params": 50,
                "n_skills": 4,
                "alpha": 2.0,
                "task_vectors": "gaussian",
                "lr": 1e-3,
                "batch_size": 8,
                "steps": 5,
            },
            "lr": [1e-4, 1e-3],
            "noise": [1e-3],
            "batch_size": [16, 64],
        },
    }
    ablations = resource_fit.study_settings(section, "ablations")
    assert [s["panel"] for s in ablations] == list(resource_fit.PANELS)
    # the exponential panel as the authors' notebook runs it (mode 'exp'): 5 skills, lr 1e-4,
    # whatever the default's skill count and rate
    exponential = next(s for s in ablations if s["panel"] == "p ~ 3^-i")["config"]
    assert (exponential.n_skills, exponential.lr) == (5, 1e-4)
    freq = exponential.skill_frequencies
    assert freq == pytest.approx(3.0 ** -np.arange(1, 6) / np.sum(3.0 ** -np.arange(1, 6)))
    groups = resource_fit.batch_groups([s["config"] for s in ablations])
    # default, alpha, lr, noise and Adam share one program (N 100 is the default's N here);
    # 100 skills, B 16 and the 5-skill exponential panel run alone
    assert sorted(len(g) for g in groups) == [1, 1, 1, 6]
    sweeps = resource_fit.study_settings(section, "sweeps")
    assert [(s["variable"], s["value"]) for s in sweeps] == [
        ("lr", 1e-4),
        ("lr", 1e-3),
        ("noise", 1e-3),
        ("batch_size", 16),
        ("batch_size", 64),
    ]
    # Fig. 7's sweeps run at the authors' Fig. 7 setup, not Fig. 6's default
    assert {(c.n_params, c.task_vectors, c.steps) for c in (s["config"] for s in sweeps)} == {(50, "gaussian", 5)}
    assert [s["config"].batch_size for s in sweeps] == [8, 8, 8, 16, 64]
    assert [s["config"].lr for s in sweeps][:3] == [1e-4, 1e-3, 1e-3]


def test_resource_fit_uses_each_panels_learning_rate_and_n(monkeypatch):
    # Figs. 6-7: every panel's Resource model runs at eta_eff = 2 eta sqrt(N) of its own
    # Geometry config (N parameters, not skills)
    seen = []
    simulate = R.simulate

    def recording(frequencies, eta_eff, *args, **kwargs):
        seen.append(eta_eff)
        return simulate(frequencies, eta_eff, *args, **kwargs)

    monkeypatch.setattr(R, "simulate", recording)
    section = SMALL["skills_resource"]
    resource_fit.run_study(section, "ablations", [0], log=lambda *a: None)
    settings = resource_fit.study_settings(section, "ablations")
    expected = {s["panel"]: 2 * s["config"].lr * math.sqrt(s["config"].n_params) for s in settings}
    assert dict(zip(resource_fit.PANELS, seen)) == pytest.approx(expected)
    assert expected["default"] == pytest.approx(2 * 3e-4 * 10)  # N 100
    assert expected["p ~ 3^-i"] == pytest.approx(2 * 1e-4 * 10)  # the exponential panel's own rate


def test_underparam_resource_model_by_hand():
    # Fig. 8 with one skill (C = [[1]], p = 1), N 4, one step: MSE eta_eff = 2 * 1e-3 * 2,
    # u = 1 - eta_eff / (1 + N0 0.01); CE eta_eff = 4 * 0.01 * 2 = 0.08 and the logit moves by
    # eta_eff * c / (c + N0 0), so the loss is softplus(-0.08)
    from physlearn.skills.resource import underparam_figure as resource_underparam

    section = json.loads(json.dumps(SMALL["skills_resource"]))
    section["record_every"] = 1
    section["underparam"].update(n_skills=[1], steps=2)
    table = resource_underparam.run(section, [0], log=lambda *a: None)
    at_1 = table[(table["model"] == "resource") & (table["step"] == 1)].set_index("loss")["total_loss"]
    assert at_1["mse"] == pytest.approx((1 - 0.004 / 1.01) ** 2, rel=1e-9)
    assert at_1["ce"] == pytest.approx(math.log1p(math.exp(-0.08)), rel=1e-9)


def test_underparam_runs_as_the_authors_notebooks(monkeypatch):
    """Fig. 8 as scripts/Fig8_{top_mse,bottom_ce}_underparam.ipynb run it: each loss's own batch
    size reaches its Geometry runs, and the MSE Resource model is not clamped at u = 0 (one
    skill, eta_eff = 2 * 0.5 * 2 = 2: u = 1 - 2 / 1.01 < 0 after one step, loss u^2 = 0.96,
    where a clamp would give 0)."""
    from physlearn.skills.resource import underparam_figure as resource_underparam

    seen = []
    simulate = resource_underparam.simulate

    def recording(config, *args, **kwargs):
        seen.append((config.loss, config.batch_size))
        return simulate(config, *args, **kwargs)

    monkeypatch.setattr(resource_underparam, "simulate", recording)
    section = json.loads(json.dumps(SMALL["skills_resource"]))
    section["record_every"] = 1
    section["underparam"].update(n_skills=[1], steps=2)
    section["underparam"]["mse"]["lr"] = 0.5
    table = resource_underparam.run(section, [0], log=lambda *a: None)
    assert seen == [("mse", 16), ("ce", 32)]
    mse = table[(table["model"] == "resource") & (table["loss"] == "mse") & (table["step"] == 1)]["total_loss"]
    assert mse.item() == pytest.approx((1 - 2 / 1.01) ** 2, rel=1e-9)


# ---- the claims' verdicts: each criterion must be able to FAIL, not only PASS ----


def passed_by_id(claims) -> dict[str, bool]:
    return {c.id: c.passed for c in claims}


def _fig8_gaps(mean_gap, se=0.005, losses=("mse", "ce"), seeds=5) -> pd.DataFrame:
    """Gap rows as :func:`gaps` writes them: the 95% t interval over ``seeds`` seeds. Five
    seeds (t 2.78), not two (t 12.7): with two, 2% ± 12.7 x 0.5% would straddle 5%."""
    k = se_multiple(seeds - 1)
    return pd.DataFrame(
        [
            {
                "loss": loss,
                "n_skills": n,
                "mean_gap": mean_gap,
                "mean_gap_low": mean_gap - k * se,
                "mean_gap_high": mean_gap + k * se,
                "mean_gap_se": se,
                "seeds": seeds,
                "max_gap": 3 * mean_gap,
                "final_geometry": 0.1,
                "final_resource": 0.1,
            }
            for loss in losses
            for n in (5, 100)
        ]
    )


def test_figure_8_claims_pass_fail_and_straddle_on_the_mean_gap():
    """Fig. 8 is judged on the mean gap over the run (95% t interval over seeds), not the worst
    step: mean gaps of 2% pass even with a worst step of 6%; 15% (what a Resource model
    without the overlaps, C = I, gives) fails; so does a loss with no rows (no vacuous pass);
    4% ± 2.1% (s.e. 0.75% over 5 seeds, t 2.78) straddles 5%: INCONCLUSIVE."""
    from physlearn.skills.resource import underparam_figure as resource_underparam

    section = SMALL["skills_resource"]
    assert passed_by_id(resource_underparam.claims_for(_fig8_gaps(0.02), section)) == {
        "reproduces-mse": True,
        "reproduces-ce": True,
    }
    assert passed_by_id(resource_underparam.claims_for(_fig8_gaps(0.15), section)) == {
        "reproduces-mse": False,
        "reproduces-ce": False,
    }
    assert passed_by_id(resource_underparam.claims_for(_fig8_gaps(0.02, losses=["mse"]), section)) == {
        "reproduces-mse": True,
        "reproduces-ce": False,
    }
    straddling = resource_underparam.claims_for(_fig8_gaps(0.04, se=0.0075), section)
    assert passed_by_id(straddling) == {"reproduces-mse": None, "reproduces-ce": None}
    assert "95% t interval over 5 seeds" in straddling[0].uncertainty


def test_figure_8_gaps_per_seed():
    """Two seeds, the geometry loss 1 -> 0.5 in both; the Resource model off by 0.1 in seed 0
    and 0.3 in seed 1 at every step: mean gaps 0.1 and 0.3 of L(0), mean 0.2, s.e. 0.1; the
    95% t interval at 1 d.f. is 0.2 ± 12.71 x 0.1."""
    from physlearn.skills.resource import underparam_figure as resource_underparam

    rows = []
    for seed, offset in ((0, 0.1), (1, 0.3)):
        for model, shift in (("geometry", 0.0), ("resource", offset)):
            for step, level in ((0, 1.0), (10, 0.5)):
                rows.append(
                    {
                        "loss": "mse",
                        "n_skills": 5,
                        "model": model,
                        "seed": seed,
                        "step": step,
                        "total_loss": level + shift,
                    }
                )
    g = resource_underparam.gaps(pd.DataFrame(rows)).iloc[0]
    assert g["mean_gap"] == pytest.approx(0.2) and g["mean_gap_se"] == pytest.approx(0.1)
    t = se_multiple(1)  # 12.71: the 95% t quantile at 2 seeds - 1 d.f.
    assert t == pytest.approx(12.706, abs=1e-3)
    assert (g["mean_gap_low"], g["mean_gap_high"]) == pytest.approx((0.2 - t * 0.1, 0.2 + t * 0.1))
    # the mean curves: geometry 1, 0.5; resource 1.2, 0.7: largest gap 0.2 of L(0) = 1
    assert g["max_gap"] == pytest.approx(0.2)


def _fig6_best(rows, seed_n0=None) -> pd.DataFrame:
    """Best-N0 rows of Fig. 6; each panel's seeds pick ``seed_n0[panel]`` (default: one seed,
    the row's N0)."""
    seed_n0 = seed_n0 or {}
    return pd.DataFrame(
        [
            {"panel": panel, "n0": n0, "paper_n0": 0.01, "distance": distance, "seed_n0": seed_n0.get(panel, [n0])}
            for panel, n0, distance in rows
        ]
    )


FIG6_GRID = np.geomspace(1e-4, 1, 25)  # the laptop grid: a factor 10^(1/6) = 1.47 a step


def test_figure_6_judges_against_the_authors_metric_with_the_grid_resolution():
    """Fig. 6 is judged against the N0 the authors' fit metric picks (default 0.0047: band
    0.00157..0.0141), ± half a grid step: 0.0068 passes, 0.1 (a factor 21 off) fails, 0.0147
    (± a factor 1.21: 0.0121..0.0178) straddles 0.0141: INCONCLUSIVE."""
    from physlearn.skills.resource import n0_figure as resource_n0

    def verdict(n0):
        claims = resource_n0.claims_for(_fig6_best([("default", n0, 0.01)]), FIG6_GRID)
        return passed_by_id(claims)["best-n0-default"]

    grid = {f"{v:.3g}": v for v in FIG6_GRID}
    assert verdict(grid["0.00681"]) is True
    assert verdict(grid["0.1"]) is False
    assert verdict(grid["0.0147"]) is None
    assert verdict(FIG6_GRID[0]) is False  # open below the edge, but 0 .. 1.2e-4 lies wholly under 0.00157
    # a grid starting at 0.002: its edge stands for 0 .. 0.0024, which straddles 0.00157
    short_grid = np.geomspace(0.002, 1, 17)
    edge = resource_n0.claims_for(_fig6_best([("default", short_grid[0], 0.01)]), short_grid)
    assert passed_by_id(edge)["best-n0-default"] is None


def test_figure_6_hundred_skills_panel_and_fit_quality():
    """The 100-skill panel passes only with its best N0 at the grid's lower edge (the spec: no
    N0 fits it), and is left out of fit-quality; a fittable panel at RMS 0.2 fails fit-quality."""
    from physlearn.skills.resource import n0_figure as resource_n0

    edge = resource_n0.claims_for(_fig6_best([("default", 0.0046, 0.01), ("100 skills", FIG6_GRID[0], 0.2)]), FIG6_GRID)
    assert passed_by_id(edge) == {"best-n0-default": True, "best-n0-100-skills": True, "fit-quality": True}
    interior = resource_n0.claims_for(_fig6_best([("default", 0.0046, 0.2), ("100 skills", 0.01, 0.01)]), FIG6_GRID)
    assert passed_by_id(interior) == {"best-n0-default": True, "best-n0-100-skills": False, "fit-quality": False}


@pytest.mark.parametrize("panel", [p for p in resource_fit.PANELS if p != "100 skills"])
def test_figure_6_every_panels_claim_fails_far_from_its_metric_n0(panel):
    """Every fittable panel's best-n0 claim: two seeds at the authors' metric N0 pass; two
    seeds at 10x it (a Resource model wasting far more, e.g. a wrong eta_eff) FAIL, and so do
    two at a tenth of it."""
    from physlearn.skills.resource import n0_figure as resource_n0

    reference = resource_n0.METRIC_N0[panel]
    slug = "best-n0-" + panel.lower().replace(" ", "-").replace("^", "").replace("~", "").replace("--", "-")

    def verdict(n0):
        best = _fig6_best([(panel, n0, 0.01)], {panel: [n0, n0]})
        return passed_by_id(resource_n0.claims_for(best, np.geomspace(1e-5, 100, 43)))[slug]

    assert verdict(reference) is True
    assert verdict(reference * 10) is False
    assert verdict(reference / 10) is False


def test_figure_6_judges_each_seeds_own_fit():
    """The best N0 carries the seed spread: two seeds at 0.0047 x/ 1.02 pass (default band
    0.00157..0.0141; log N0 ± 12.7 x log 1.02 ± half a grid step: 0.0030..0.0073); two seeds
    at 0.0047 x/ 4 (log N0 s.e. log 4) straddle the band: INCONCLUSIVE; two seeds both near
    0.1 fail. The 100-skill panel: both seeds at the grid's lower edge pass, one of two is
    INCONCLUSIVE, none fails."""
    from physlearn.skills.resource import n0_figure as resource_n0

    def verdicts(default_seeds, hundred_seeds):
        rows = [("default", 0.0047, 0.01), ("100 skills", FIG6_GRID[0], 0.2)]
        best = _fig6_best(rows, {"default": default_seeds, "100 skills": hundred_seeds})
        return passed_by_id(resource_n0.claims_for(best, FIG6_GRID))

    edge = [FIG6_GRID[0]] * 2
    # x/ 1.02, not 1.1: at 2 seeds the 95% t interval is ± 12.7 s.e., and x/ 1.1 (± a factor 4.1
    # with the grid step) would straddle the band's factor 3
    assert verdicts([0.0047 * 1.02, 0.0047 / 1.02], edge)["best-n0-default"] is True
    assert verdicts([0.0047 * 4, 0.0047 / 4], edge)["best-n0-default"] is None
    assert verdicts([0.1, 0.12], edge)["best-n0-default"] is False
    assert verdicts([0.0047, 0.0047], edge)["best-n0-100-skills"] is True
    assert verdicts([0.0047, 0.0047], [FIG6_GRID[0], 0.01])["best-n0-100-skills"] is None
    assert verdicts([0.0047, 0.0047], [0.01, 0.01])["best-n0-100-skills"] is False
    claim = next(
        c
        for c in resource_n0.claims_for(_fig6_best([("default", 0.0047, 0.01)], {"default": [0.004, 0.006]}), FIG6_GRID)
        if c.id == "best-n0-default"
    )
    assert "95% t" in claim.uncertainty and "2 seeds" in claim.uncertainty


def test_fit_counts_each_seeds_own_best_n0():
    """fit.py's best_seeds: every panel's seeds each pick one N0 of their own curves."""
    section = SMALL["skills_resource"]
    fits, _ = resource_fit.run_study(section, "ablations", [0, 1], log=lambda *a: None)
    assert fits.groupby("panel")["best_seeds"].sum().eq(2).all()
    from physlearn.skills.resource import n0_figure as resource_n0

    best = resource_n0.best_rows(fits)
    assert best["seed_n0"].map(len).eq(2).all()


def test_sweep_fits():
    best = pd.DataFrame(
        {
            "variable": ["lr"] * 3 + ["noise"] * 3 + ["batch_size"] * 3,
            "value": [1e-4, 1e-3, 1e-2, 1e-3, 1e-2, 1e-1, 16, 64, 256],
            "n0": [0.01 + 2e-4, 0.01 + 2e-3, 0.01 + 2e-2, 2e-2, 2e-1, 2.0, 1 / 16, 1 / 64, 1 / 256],
        }
    )
    s = resource_collapse.sweep_summary(best)
    assert s["lr"]["coefficient"] == pytest.approx(2.0) and s["lr"]["intercept"] == pytest.approx(0.01)
    assert s["noise"]["coefficient"] == pytest.approx(20.0) and s["noise"]["loglog_slope"] == pytest.approx(1.0)
    assert s["batch_size"]["loglog_slope"] == pytest.approx(-1.0)


def test_collapse_window_and_spread():
    steps = np.arange(0, 101, 10)
    tau = steps / 20
    p = np.array([0.5, 0.3, 0.2])
    rows = [
        {"model": "resource", "step": t, "skill": i + 1, "p": p[i], "s": 1 - np.exp(-p[i] * x)}
        for t, x in zip(steps, tau)
        for i in range(3)
    ]
    table = resource_collapse.collapse_table(pd.DataFrame(rows).assign(panel="default"))
    assert resource_collapse.spread(table) == pytest.approx(0, abs=1e-12)
    window = resource_collapse.collapse_window(table)
    assert window[0] == 10 and window[-1] == 90  # exp(-5) = 0.0067 falls outside at step 100
    table.loc[table["skill"] == 3, "collapsed"] = 1.0  # a skill that never moves
    assert resource_collapse.spread(table) > 0.2


@pytest.mark.parametrize(
    "seeds, passed",
    [
        ([0.01, 0.012, 0.011], True),  # every seed collapses
        ([0.2, 0.25, 0.22], False),  # a skill off the common curve in every seed
        ([0.01, 0.1, 0.02], None),  # the seeds disagree: the interval straddles 0.05
    ],
)
def test_figure_7_collapse_is_judged_on_the_seeds_interval(seeds, passed):
    summary = resource_collapse.sweep_summary(sweep_best(1.0, 1.0, -1.0), 10 ** (1 / 6))
    claims = resource_collapse.claims_for(0.02, summary, [1, 2, 3], 10, seeds)
    collapse = next(c for c in claims if c.id == "collapse")
    assert collapse.passed is passed and f"over {len(seeds)} seeds" in collapse.uncertainty
    # one skill judged: nothing to collapse, whatever the seeds say
    assert next(c for c in resource_collapse.claims_for(0.0, summary, [1], 10, [0.0, 0.0])).passed is False


def test_seed_spreads_read_each_seeds_own_curves():
    steps, p = np.arange(0, 101, 10), np.array([0.5, 0.3, 0.2])
    rows = []
    for seed, stuck in ((0, False), (1, True)):
        for t in steps:
            for i in range(3):
                s = 0.0 if (stuck and i == 2) else 1 - np.exp(-p[i] * t / 20)
                rows.append({"model": "geometry_seed", "seed": seed, "step": t, "skill": i + 1, "p": p[i], "s": s})
    table = resource_collapse.collapse_table(pd.DataFrame(rows).assign(panel="default"))
    collapsed, stuck = resource_collapse.seed_spreads(table, [1, 2, 3])
    assert collapsed == pytest.approx(0, abs=1e-12) and stuck > 0.2
    assert resource_collapse.seed_spreads(table.drop(columns="seed"), [1, 2, 3]) == []


def test_figure_6_fit_quality_is_judged_on_each_seeds_distance():
    """Each seed's own curves against the drawn Resource curves: all within 0.05 passes, one
    panel's seeds straddling 0.05 leave it open, a panel beyond it fails."""
    from physlearn.skills.resource import n0_figure as resource_n0

    best = _fig6_best([("default", 0.0047, 0.01), ("Adam", 0.14, 0.01)])

    def verdict(default, adam):
        claims = resource_n0.claims_for(best, FIG6_GRID, {"default": default, "Adam": adam})
        return next(c for c in claims if c.id == "fit-quality")

    # seeds 0.002 apart, not 0.01: at 2 seeds the 95% t interval is ± 12.7 s.e., and 0.01, 0.02
    # (0.015 ± 0.064) would straddle 0.05; 0.01, 0.012 give 0.011 ± 0.013, 0.02, 0.022 0.021 ± 0.013
    assert verdict([0.01, 0.012], [0.02, 0.022]).passed is True
    assert verdict([0.01, 0.012], [0.02, 0.09]).passed is None
    fails = verdict([0.01, 0.012], [0.2, 0.21])
    assert fails.passed is False and "worst: 'Adam'" in fails.ours
    # per-seed distances from a curves table: a seed on the Resource curve is at 0
    curves = pd.DataFrame(
        [
            {"panel": "default", "model": model, "seed": seed, "step": t, "skill": 1, "s": s}
            for t in range(3)
            for model, seed, s in (("resource", -1, 0.1 * t), ("geometry_seed", 0, 0.1 * t), ("geometry_seed", 1, 0.0))
        ]
    )
    assert resource_n0.seed_distances(curves)["default"] == pytest.approx([0.0, np.sqrt(0.05 / 3)])


def sweep_best(lr_exponent, noise_exponent, batch_exponent, seed_factor=None) -> pd.DataFrame:
    """Best-N0 rows for the three sweeps, power laws N0 = c x^k; the lr sweep has a point
    below 1e-3 on the U's left arm (N0 0.069 at eta 1e-4, the spec's), and the batch sweep one above B 32
    where N0 levels (0.01 at B 128), that the slopes must not read. ``seed_factor``: two
    seeds, whose best N0 are the law's times and over this factor (a seed spread)."""
    lr, noise, batch = np.array([1e-4, 1e-3, 3e-3, 1e-2]), np.array([1e-3, 1e-2, 1e-1]), np.array([8, 16, 32, 128])
    n0 = np.array(
        [
            0.069,
            *(16 * lr[1:] ** lr_exponent * 1e-3 ** (1 - lr_exponent)),
            *(30 * noise**noise_exponent),
            *(1.3 * batch[:3].astype(float) ** batch_exponent),
            0.01,
        ]
    )
    best = pd.DataFrame(
        {"variable": ["lr"] * 4 + ["noise"] * 3 + ["batch_size"] * 4, "value": [*lr, *noise, *batch], "n0": n0}
    )
    if seed_factor is not None:
        best["seed_n0"] = [[v * seed_factor, v / seed_factor] for v in n0]
    return best


N0_IDS = ["n0-vs-lr", "n0-vs-noise", "n0-vs-batch-size"]
VALUE_IDS = ["n0-values-lr", "n0-values-noise", "n0-values-batch-size"]


def test_slope_interval_is_the_grid_resolution():
    x = np.array([1.0, 10.0])
    slope, low, high = resource_collapse.slope_interval(x, np.array([1.0, 10.0]), grid_ratio=10 ** (1 / 6))
    # two points a decade apart: each log N0 moves by half a step, log(10)/12, the slope by 2/12
    assert slope == pytest.approx(1.0) and (low, high) == pytest.approx((1 - 1 / 6, 1 + 1 / 6))
    assert np.isnan(resource_collapse.slope_interval(x[:1], x[:1], 1.5)[0])
    sweeps_grid = {"sweeps": {"n0": {"start": 1e-4, "stop": 100.0, "num": 37, "scale": "log"}}}
    assert resource_collapse.grid_ratio(sweeps_grid) == pytest.approx(10 ** (1 / 6))
    # with a seed s.e. of 0.3 in each log N0 over 2 seeds: t * sqrt(2 * (1/log(10))^2 * 0.09) more
    # either side, t at Welch's d.f. of two equal parts of 1 d.f. each: 2, t 4.30
    parts = np.array([0.3, 0.3]) / math.log(10)
    assert welch_dof(parts, [1, 1]) == pytest.approx(2.0)
    _, low_se, high_se = resource_collapse.slope_interval(
        x, np.array([1.0, 10.0]), 10 ** (1 / 6), np.array([0.3, 0.3]), seeds=2
    )
    extra = se_multiple(2) * math.sqrt(2 * 0.09) / math.log(10)
    assert (low_se, high_se) == pytest.approx((1 - 1 / 6 - extra, 1 + 1 / 6 + extra))


def test_figure_7_slope_claims_pass_on_the_paper_slopes_and_fail_on_wrong_ones():
    ratio = 10 ** (1 / 6)  # the laptop grid: 25 values over 1e-4..1
    good = resource_collapse.sweep_summary(sweep_best(1.0, 1.0, -1.0), ratio)
    assert good["lr"]["slope"] == pytest.approx(1.0)  # eta 1e-4 (the U's left arm) is not fitted
    verdicts = passed_by_id(resource_collapse.claims_for(0.01, good, [1, 2, 3], 10))
    assert verdicts == {"collapse": True, **dict.fromkeys(N0_IDS + VALUE_IDS, True)}
    # wrong results: N0 flat in eta (slope 0), falling with sigma (-1), rising with B (+1)
    bad = resource_collapse.sweep_summary(sweep_best(0.0, -1.0, 1.0), ratio)
    assert passed_by_id(resource_collapse.claims_for(0.01, bad, [1, 2, 3], 10)) == {
        "collapse": True,
        **dict.fromkeys(N0_IDS + VALUE_IDS, False),
    }
    # a slope of 0.45 in eta whose grid interval straddles 0.5: INCONCLUSIVE
    near = resource_collapse.sweep_summary(sweep_best(0.45, 1.0, -1.0), ratio)
    assert passed_by_id(resource_collapse.claims_for(0.01, near, [1, 2, 3], 10))["n0-vs-lr"] is None
    # B's slope is read over B <= 32 only: -1 there passes although N0 levels at B 128
    assert good["batch_size"]["fitted_x"].tolist() == [8, 16, 32]


def test_figure_7_n0_values_against_the_spec():
    """The spec's N0 per sweep value, within a factor 3: the paper's laws pass; N0 ten times
    the spec's at every value (slopes right, prefactor wrong) fails each sweep; a value a
    factor 3 off (on the band's edge, ± half a grid step) straddles: INCONCLUSIVE; a sweep
    sharing no value with the spec's table FAILS."""
    ratio = 10 ** (1 / 6)
    good = sweep_best(1.0, 1.0, -1.0)
    assert all(
        passed_by_id(resource_collapse.claims_for(0.01, resource_collapse.sweep_summary(good, ratio), [1, 2], 10))[k]
        for k in VALUE_IDS
    )
    tenfold = good.assign(n0=good["n0"] * 10)
    verdicts = passed_by_id(
        resource_collapse.claims_for(0.01, resource_collapse.sweep_summary(tenfold, ratio), [1, 2], 10)
    )
    assert {k: verdicts[k] for k in VALUE_IDS} == dict.fromkeys(VALUE_IDS, False)
    edge = good.copy()
    edge.loc[(edge["variable"] == "noise") & (edge["value"] == 1e-2), "n0"] = 0.34 * 3
    verdicts = passed_by_id(
        resource_collapse.claims_for(0.01, resource_collapse.sweep_summary(edge, ratio), [1, 2], 10)
    )
    assert verdicts["n0-values-noise"] is None
    off_table = good.copy()
    off_table.loc[off_table["variable"] == "batch_size", "value"] = [9, 17, 33, 129]
    verdicts = passed_by_id(
        resource_collapse.claims_for(0.01, resource_collapse.sweep_summary(off_table, ratio), [1, 2], 10)
    )
    assert verdicts["n0-values-batch-size"] is False


def test_figure_7_slopes_carry_the_seed_spread():
    """Two seeds whose best N0 differ by a factor 4 around the law (log s.e. log(2) per value)
    widen the slope's interval: the paper's slopes become INCONCLUSIVE, not PASS; a flat N0
    (slope 0 in eta, sigma and B) still FAILS. Seeds that agree keep the grid interval."""
    ratio = 10 ** (1 / 6)
    spread = resource_collapse.sweep_summary(sweep_best(1.0, 1.0, -1.0, seed_factor=2.0), ratio)
    assert spread["lr"]["seeds"] == 2 and spread["lr"]["slope"] == pytest.approx(1.0)
    claims = resource_collapse.claims_for(0.01, spread, [1, 2, 3], 10)
    assert {k: passed_by_id(claims)[k] for k in N0_IDS} == dict.fromkeys(N0_IDS, None)
    assert "95% t" in next(c for c in claims if c.id == "n0-vs-lr").uncertainty
    # seeds x/ 1.02, not 1.05: with the slope's 95% t interval (t 4.30 at Welch's 2 d.f. for B) x/ 1.05
    # gives B's flat slope [-0.491, 0.491], a FAIL by 0.009 of B's band -1 +- 0.5; x/ 1.02 gives [-0.36, 0.36]
    flat = resource_collapse.sweep_summary(sweep_best(0.0, 0.0, 0.0, seed_factor=1.02), ratio)
    assert {k: passed_by_id(resource_collapse.claims_for(0.01, flat, [1, 2, 3], 10))[k] for k in N0_IDS} == (
        dict.fromkeys(N0_IDS, False)
    )
    agree = resource_collapse.sweep_summary(sweep_best(1.0, 1.0, -1.0, seed_factor=1.0), ratio)
    assert {k: passed_by_id(resource_collapse.claims_for(0.01, agree, [1, 2, 3], 10))[k] for k in N0_IDS} == (
        dict.fromkeys(N0_IDS, True)
    )


def test_figure_7_collapse_claim():
    summary = resource_collapse.sweep_summary(sweep_best(1.0, 1.0, -1.0), 10 ** (1 / 6))
    # a spread of 0.2 (> 0.05) fails; so does a collapse read on fewer than two learned skills
    assert passed_by_id(resource_collapse.claims_for(0.2, summary, [1, 2, 3], 10))["collapse"] is False
    assert passed_by_id(resource_collapse.claims_for(0.0, summary, [1], 10))["collapse"] is False
    assert "collapse-resource" not in passed_by_id(resource_collapse.claims_for(0.0, summary, [1, 2], 10))


def test_collapse_is_judged_on_the_learned_skills_only():
    """A rare skill that never moves (clipped to a flat 1.0) is left out of the judged skills,
    a learned skill off the common curve is not."""
    steps = np.arange(0, 101, 10)
    p = np.array([0.5, 0.3, 0.2])
    rows = []
    for t in steps:
        for i in range(3):
            s = 1 - np.exp(-p[i] * t / 10) if i < 2 else -0.01  # skill 3 never moves
            rows.append({"model": "geometry", "step": t, "skill": i + 1, "p": p[i], "s": s})
    table = resource_collapse.collapse_table(pd.DataFrame(rows).assign(panel="default"))
    judged = resource_collapse.learned_skills(table)
    assert judged == [1, 2]
    assert resource_collapse.spread(table, judged) == pytest.approx(0, abs=1e-12)
    assert resource_collapse.spread(table) > 0.2
    off = table.copy()
    off.loc[off["skill"] == 2, "collapsed"] = off.loc[off["skill"] == 2, "collapsed"] ** 3  # off the curve
    assert resource_collapse.spread(off, judged) > 0.05


def test_graph_checks_catch_an_early_child():
    run = {"graph": TREE_OR, "start": np.array([0, 0, 50, 0, 75.0]), "learned": np.array([30, 40, 70, 90, 80.0])}
    assert [c["ok"] for c in resource_graphs.graph_checks(run)] == [True, True]
    run["start"][2] = 35  # before parent 1 is learned
    run["start"][4] = 95  # after both OR parents
    assert [c["ok"] for c in resource_graphs.graph_checks(run)] == [False, False]


def test_figure_17_claim_fails_on_an_early_child():
    # Fig. 17: the AND child (skill 3) starting at step 5, before its parents are learned at
    # 30 and 40, fails its graph's claim; starting at 50 passes.
    learned = np.array([30, 40, 70, 90, 80.0])
    runs = {
        "good": {"graph": TREE_OR, "start": np.array([0, 0, 50, 0, 75.0]), "learned": learned},
        "early": {"graph": TREE_OR, "start": np.array([0, 0, 5, 0, 75.0]), "learned": learned},
    }
    runs = {k: v | {"exponent": 1e-3} for k, v in runs.items()}
    assert passed_by_id(resource_graphs.claims_for(runs)) == {
        "gated-order-good": True,
        "gated-order-early": False,
    }


@pytest.mark.parametrize("name", list(resource_graphs.GRAPHS))
def test_figure_17_claims_fail_without_the_gates(name):
    """Each graph's claim (gated-order-chain, -and-and, -and-or) on the real Resource model at
    the authors' settings (config/paper.yaml's): with its gates it passes; with the gates left
    out (a plausible wrong model: every skill competes from step 0) the children start with
    their parents and the claim FAILS."""
    g = PAPER_GRAPHS
    p, graph, part = resource_graphs.GRAPHS[name]
    slug = f"gated-order-{name.lower().replace('/', '-')}"

    def verdict(gated: bool) -> bool | None:
        res = R.simulate(
            p,
            g["step_size"],
            g["n0"],
            g[part]["steps"],
            **({"graph": graph, "gate_exponent": g[part]["exponent"]} if gated else {}),
        )
        run_ = {
            "graph": graph,
            "exponent": g[part]["exponent"],
            "start": R.first_step(res["s"], res["step"], resource_graphs.START),
            "learned": R.first_step(res["s"], res["step"], resource_graphs.LEARNED),
        }
        return passed_by_id(resource_graphs.claims_for({name: run_}))[slug]

    assert verdict(gated=True) is True
    assert verdict(gated=False) is False


def test_figure_17_exponent_range_claim():
    """The order at both ends of a = 1e-2..1e-4: an early AND child at either exponent fails;
    no exponent run at all fails too (nothing judged)."""
    learned = np.array([30, 40, 70, 90, 80.0])
    good = {"tree": {"graph": TREE_OR, "start": np.array([0, 0, 50, 0, 75.0]), "learned": learned}}
    early = {"tree": {"graph": TREE_OR, "start": np.array([0, 0, 5, 0, 75.0]), "learned": learned}}
    assert resource_graphs.exponent_range_claim({1e-2: good, 1e-4: good}).passed is True
    claim = resource_graphs.exponent_range_claim({1e-2: early, 1e-4: good})
    assert claim.passed is False and "a 0.01, tree" in claim.ours
    assert resource_graphs.exponent_range_claim({}).passed is False


def synthetic_parity(parts=(200, 190), composite=480, control=2300, seeds=2) -> pd.DataFrame:
    steps = np.arange(0, 3001, 10)
    rows = []
    for seed in range(seeds):
        for experiment, tasks, t50 in (
            ("compositional", ["x3^x4", "x1^x2", "x1^x2^x3^x4"], [*parts, composite]),
            ("control", ["x3^x4", "x1^x2", "x5^x6^x7^x8"], [*parts, control]),
        ):
            for task, t in zip(tasks, t50):
                acc = 0.5 + 0.5 / (1 + np.exp(-(steps - t - 10 * seed) / 40))
                rows.append(
                    pd.DataFrame(
                        {
                            "experiment": experiment,
                            "seed": seed,
                            "step": steps,
                            "task": task,
                            "accuracy": acc,
                            "loss": (1 - acc) / 2,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def test_network_times_from_the_parity_table():
    assert resource_parity.task_roles(["x1^x2", "x1^x2^x3^x4", "x3^x4"]) == (["x1^x2", "x3^x4"], "x1^x2^x3^x4")
    net = resource_parity.network_times(synthetic_parity())
    # accuracy 0.99 at t50 + 40 ln 49 = t50 + 155.7: the first recorded step after it, median of the two seeds
    assert net["composite"] == "x1^x2^x3^x4" and net["control_task"] == "x5^x6^x7^x8"
    assert net["composite_time"] == pytest.approx(480 + 160 + 5, abs=6)
    assert net["control_time"] > 4 * max(net["part_times"])


@pytest.mark.parametrize("model_composite, passed", [(580.0, True), (1500.0, False), (300.0, False)])
def test_figure_16_scores_only_the_gated_model(model_composite, passed):
    """Fig. 16 scores only the gated model's composite time against the network's (580): a
    model that learns it with the control's delay (1500) or with its parts (300, a missing
    gate) fails. The network's own timings are Fig. 2's claims and are not scored again."""
    net = {
        "part_times": [300.0, 280.0],
        "composite_time": 580.0,
        "composite_times": [560.0, 600.0],
        "control_time": 2400.0,
        "control_task": "x5^x6^x7^x8",
    }
    claims = resource_parity.claims_for(net, {"learned": [300.0, 280.0, model_composite]}, 1.0)
    assert passed_by_id(claims) == {"gated-model-matches": passed}
    assert "median 580 over 2 seeds (range 560 to 600)" in claims[0].ours
    assert "bootstrap interval of the median [560, 600]" in claims[0].uncertainty


def test_figure_16_is_inconclusive_when_the_seeds_straddle_the_band():
    """Seeds spread across the band's edge (model 300: band 200-450) leave it open; a seed that
    never learned the composite (NaN) fails."""
    net = {"part_times": [100.0], "composite_time": 450.0, "composite_times": [300.0, 600.0], "control_time": 1}
    claims = resource_parity.claims_for(net, {"learned": [100.0, 100.0, 300.0]}, 1.0)
    assert passed_by_id(claims) == {"gated-model-matches": None}
    never = dict(net, composite_times=[300.0, float("nan")])
    assert passed_by_id(resource_parity.claims_for(never, {"learned": [100.0, 100.0, 300.0]}, 1.0)) == {
        "gated-model-matches": False
    }


# ---- the steps end to end (small) ----

SMALL = {
    "seed": 0,
    "scale": "laptop",
    "skills_resource": {
        "seeds": 1,
        "threads": 1,
        "record_every": 5,
        "n0": {"start": 1e-3, "stop": 1.0, "num": 4, "scale": "log"},
        "geometry": {"n_params": 100, "n_skills": 3, "alpha": 2.0, "lr": 3e-4, "batch_size": 16, "steps": 30},
        "sweeps": {
            "geometry": {
                "n_params": 100,
                "n_skills": 3,
                "alpha": 2.0,
                "task_vectors": "gaussian",
                "lr": 1e-3,
                "batch_size": 16,
                "steps": 30,
            },
            "n0": {"start": 1e-3, "stop": 10.0, "num": 5, "scale": "log"},
            "lr": [3e-4, 1e-3],
            "noise": [1e-3, 1e-2],
            "batch_size": [16, 32],
        },
        "underparam": {
            "n_params": 4,
            "n_skills": [3, 6],
            "alpha": 2.0,
            "steps": 30,
            "mse": {"lr": 1e-3, "batch_size": 16, "n0": 0.01, "factor": 2.0},
            "ce": {"lr": 0.01, "batch_size": 32, "n0": 0.0, "factor": 4.0},
        },
        "gating": {
            "step_size": 7.637626e-3,
            "n0": 0.01,
            "exponent": 0.01,
            "steps": 1000,
            "control": {
                "p_rare": 0.0045,
                "p_raised": 0.08,
                "raise_below": 0.5,
                "step_size": 9.354e-3,
                "n0": 0.1,
                "steps": 3000,
            },
        },
        # Fig. 17 at 10x the step size for a tenth of the steps
        "graphs": {
            "step_size": 1e-2,
            "n0": 1e-3,
            "chain": {"exponent": 1e-4, "steps": 500},
            "trees": {"exponent": 1e-3, "steps": 2000},
        },
    },
}
# Fig. 17's settings as config/paper.yaml gives them (the authors' notebook's)
PAPER = yaml.safe_load((Path(__file__).parents[1] / "config/paper.yaml").read_text())
PAPER_GRAPHS = PAPER["skills_resource"]["graphs"]


def figure_args(tmp_path, name):
    return [
        "--pdf",
        str(tmp_path / f"{name}.pdf"),
        "--png",
        str(tmp_path / f"{name}.png"),
        "--table",
        str(tmp_path / f"{name}.csv"),
        "--claims",
        str(tmp_path / f"{name}.claims.json"),
    ]


def check_figure(tmp_path, name, figure):
    doc = read_claims(tmp_path / f"{name}.claims.json")
    assert doc["figure"] == figure and doc["paper"] == "skills" and doc["claims"]
    assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert len(pd.read_csv(tmp_path / f"{name}.csv")) > 0
    return doc


def test_fit_and_figures_6_7(tmp_path):
    from physlearn.skills.resource import n0_figure as resource_n0

    cfg = json.dumps(SMALL)
    for study in ("ablations", "sweeps"):
        resource_fit.main(
            [
                "--config",
                cfg,
                "--study",
                study,
                "--fits",
                str(tmp_path / f"fits_{study}.csv"),
                "--curves",
                str(tmp_path / f"curves_{study}.csv"),
            ]
        )
    fits = pd.read_csv(tmp_path / "fits_ablations.csv")
    assert len(fits) == len(resource_fit.PANELS) * 4 and fits.groupby("panel")["best"].sum().eq(1).all()
    resource_n0.main(
        [
            "--config",
            cfg,
            "--fits",
            str(tmp_path / "fits_ablations.csv"),
            "--curves",
            str(tmp_path / "curves_ablations.csv"),
            *figure_args(tmp_path, "n0"),
        ]
    )
    doc = check_figure(tmp_path, "n0", "Fig. 6")
    assert len(doc["claims"]) == len(resource_fit.PANELS) + 1
    resource_collapse.main(
        [
            "--config",
            cfg,
            "--curves",
            str(tmp_path / "curves_ablations.csv"),
            "--sweeps",
            str(tmp_path / "fits_sweeps.csv"),
            *figure_args(tmp_path, "collapse"),
        ]
    )
    check_figure(tmp_path, "collapse", "Fig. 7")


def test_figures_8_17(tmp_path):
    from physlearn.skills.resource import underparam_figure as resource_underparam

    cfg = json.dumps(SMALL)
    resource_underparam.main(["--config", cfg, *figure_args(tmp_path, "under")])
    assert {c["id"] for c in check_figure(tmp_path, "under", "Fig. 8")["claims"]} == {"reproduces-mse", "reproduces-ce"}
    resource_graphs.main(["--config", cfg, *figure_args(tmp_path, "graphs")])
    doc = check_figure(tmp_path, "graphs", "Fig. 17")
    verdicts = {c["id"]: c["verdict"] for c in doc["claims"]}
    # the gates' logic at the figure's exponent; the range's ends are a result, not asserted here
    assert all(v == "PASS" for k, v in verdicts.items() if k != "gated-order-exponent-range")
    assert "gated-order-exponent-range" in verdicts


def test_figure_16_model_is_the_notebooks_gated_resource_model():
    """Fig. 16's model at the authors' notebook settings (p 1/3, step 1e-2 sqrt(7 * 50 / 600)
    applied directly, N0 0.01, AND gate a 0.01), against a plain loop of the spec's update:
    u <- max(0, u - step * c / (sum c + N0)), c_i = p_i u_i, the composite's times the gate
    (1 - u_1^a)(1 - u_2^a). The parts reach s 0.99 at step 278 and the composite at 614."""
    section = SMALL["skills_resource"]
    g = section["gating"]
    model = resource_parity.model_run(section)
    u, p, a = np.ones(3), np.full(3, 1 / 3), g["exponent"]
    history = [u]
    for _ in range(g["steps"]):
        c = p * u * np.array([1.0, 1.0, (1 - u[0] ** a) * (1 - u[1] ** a)])
        u = np.maximum(u - g["step_size"] * c / (c.sum() + g["n0"]), 0.0)
        history.append(u)
    assert model["s"] == pytest.approx(1 - np.array(history)[model["step"]], abs=1e-12)
    assert list(model["learned"]) == [278, 278, 614]


def test_figure_16_control_model_is_the_notebooks_at_the_paper_settings():
    """The control panel's model, at config/paper.yaml's settings after the schema's defaults,
    against the notebook's two plain loops: no gate, p 1/3, 1/3 and 0.0045 for the third
    skill, which competes at 0.08 at every step where u_3 <= 0.5 (or never), N0 0.1, step
    1e-2 sqrt(7 * 50 / 400), 3000 steps."""
    from snakemake.utils import validate

    paper = yaml.safe_load((Path(__file__).parents[1] / "config/paper.yaml").read_text())
    validate(paper, str(Path(__file__).parents[1] / "workflow/schemas/config.schema.yaml"), set_default=True)
    section = paper["skills_resource"]
    assert section["gating"]["control"] == {
        "p_rare": 0.0045,
        "p_raised": 0.08,
        "raise_below": 0.5,
        "step_size": pytest.approx(1e-2 * math.sqrt(7 * 50 / 400), rel=1e-6),
        "n0": 0.1,
        "steps": 3000,
    }
    c = section["gating"]["control"]
    for raised in (True, False):
        model = resource_parity.control_model_run(section, raised=raised)
        u, p = np.ones(3), np.array([1 / 3, 1 / 3, 0.0045])
        history = [u]
        for _ in range(3000):
            if raised:
                p[2] = 0.08 if u[2] <= 0.5 else 0.0045
            fg = p * u
            u = np.maximum(u - c["step_size"] * fg / (fg.sum() + 0.1), 0.0)
            history.append(u)
        assert model["s"] == pytest.approx(1 - np.array(history)[model["step"]], abs=1e-12)
    raised_run = resource_parity.control_model_run(section)
    fixed_run = resource_parity.control_model_run(section, raised=False)
    # the raise is what lets the rare skill finish within the 3000 steps
    assert raised_run["learned"][2] < 3000 and not np.isfinite(fixed_run["learned"][2])


def test_figure_16_on_a_synthetic_parity_table(tmp_path):
    synthetic_parity().to_csv(tmp_path / "parity.csv", index=False)
    resource_parity.main(
        ["--config", json.dumps(SMALL), "--parity", str(tmp_path / "parity.csv"), *figure_args(tmp_path, "parity")]
    )
    doc = check_figure(tmp_path, "parity", "Fig. 16")
    verdicts = {c["id"]: c["verdict"] for c in doc["claims"]}
    assert set(verdicts) == {"gated-model-matches"}
    # the control panel: the network's control and the notebook's model of it, both ways
    table = pd.read_csv(tmp_path / "parity.csv")
    control_model = table[(table["experiment"] == "control") & (table["source"] != "network")]
    assert set(control_model["source"]) == {"model", "model, frequency never raised"}
    assert set(control_model["task"]) == {"x1^x2", "x3^x4", "x5^x6^x7^x8"}
    assert control_model["model_step"].max() == 3000
    # its time scale fitted on the control's parts: the slower part learned when the network's is
    net = resource_parity.network_times(synthetic_parity())
    scale = doc["config"]["control_time_scale"]
    run = resource_parity.control_model_run(SMALL["skills_resource"])
    assert max(run["learned"][:2]) * scale == pytest.approx(max(net["control_part_times"]))
    # a table where the composite comes only with the control's delay fails the first claim
    late = synthetic_parity(composite=2300)
    late.to_csv(tmp_path / "late.csv", index=False)
    resource_parity.main(
        ["--config", json.dumps(SMALL), "--parity", str(tmp_path / "late.csv"), *figure_args(tmp_path, "late")]
    )
    verdicts = {c["id"]: c["verdict"] for c in read_claims(tmp_path / "late.claims.json")["claims"]}
    assert verdicts["gated-model-matches"] == "FAIL"
