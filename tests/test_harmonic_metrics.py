"""Metrics and claims of the algorithmic-task figures (harmonic spec section 2) on
hand-made inputs: EV, grokking epochs, data efficiency, and the config checks."""

import copy
import math

import numpy as np
import pandas as pd
import pytest

from physlearn.harmonic.algorithmic import analysis as A
from physlearn.harmonic.algorithmic import metrics
from physlearn.harmonic.algorithmic.settings import AlgorithmicConfig, check


def test_ev_of_flat_and_isotropic_embeddings():
    angles = np.linspace(0, 2 * np.pi, 31, endpoint=False)
    circle = np.zeros((31, 16))
    circle[:, 3], circle[:, 7] = np.cos(angles), np.sin(angles)
    assert metrics.ev_top2(circle) == pytest.approx(1.0)
    rotated = circle @ np.linalg.qr(np.random.default_rng(0).normal(size=(16, 16)))[0]
    assert metrics.ev_top2(rotated) == pytest.approx(1.0)
    # a line plus a small orthogonal wiggle: EV of the top 1 and 2 by hand
    pts = np.zeros((4, 3))
    pts[:, 0] = [-3, -1, 1, 3]  # variance 5
    pts[:, 1] = [1, -1, -1, 1]  # variance 1, uncorrelated with the first
    np.testing.assert_allclose(metrics.explained_variance(pts, 2), [5 / 6, 1 / 6])
    cube = np.eye(16)  # 16 orthogonal unit rows: every direction equal
    assert metrics.cumulative_ev(cube, 10)[-1] == pytest.approx(10 / 15, rel=1e-6)  # 15 nonzero PCs after centring
    assert metrics.ev_top2(cube) == pytest.approx(2 / 15, rel=1e-6)  # exactly two of the 15
    # three orthogonal centred directions with variances 20, 4 and 5 (over 4 rows): top 2 = (20 + 5) / 29
    pts3 = np.stack([[-3, -1, 1, 3], [1, -1, -1, 1], [-0.5, 1.5, -1.5, 0.5]], 1)
    assert metrics.ev_top2(pts3) == pytest.approx(25 / 29)
    assert math.isnan(metrics.ev_top2(np.full((5, 4), np.nan)))


def test_pca_2d_keeps_distances_of_a_flat_embedding():
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    flat = np.stack([np.cos(angles), np.sin(angles), np.zeros(8)], 1)
    xy = metrics.pca_2d(flat)
    np.testing.assert_allclose(np.linalg.norm(xy, axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize(
    "curve, expected",
    [
        ([0.5] * 10 + [0.95] * 30, 11.0),  # after 10 epochs at 0.5: epoch 11 starts the run of 20
        ([0.95] * 19 + [0.5] + [0.95] * 20, 21.0),  # 19 above, a dip, then 20 above
        ([0.95] * 19, math.nan),  # never 20 in a row
        ([0.9] * 40, math.nan),  # "> 0.9", strictly
        ([0.5] * 20 + [0.91] * 19, math.nan),  # the run is cut by the end of training
    ],
)
def test_grokking_epoch(curve, expected):
    got = metrics.grokking_epoch(np.array(curve))
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_censored_median_and_fraction_to_reach():
    assert metrics.censored_median(np.array([10.0, np.nan, 30.0]), 100) == 30.0
    assert math.isinf(metrics.censored_median(np.array([10.0, np.nan, np.nan]), 100))
    assert metrics.fraction_to_reach([0.2, 0.4, 0.8], [0.5, 0.95, 0.9], 0.9) == 0.4
    assert metrics.fraction_to_reach([0.1, 0.2, 0.4], [0.5, 0.9, 0.95], 0.9) == 0.2  # reaching it exactly counts
    assert math.isinf(metrics.fraction_to_reach([0.2, 0.4], [0.5, 0.6], 0.9))


def grok_rows(task, model, epochs, run=100):
    return [
        {
            "task": task,
            "family": "mlp",
            "model": model,
            "seed": i,
            "split": "test",
            "epoch": e,
            "epochs_run": run,
            "diverged": False,
        }
        for i, e in enumerate(epochs)
    ]


def test_grokking_claims_count_not_reached_as_later():
    table = pd.DataFrame(
        grok_rows("modular_addition", "standard", [np.nan, np.nan, 50])
        + grok_rows("modular_addition", "harmonic", [30, 40, np.nan])
        + grok_rows("lattice", "standard", [np.nan] * 3)
        + grok_rows("lattice", "harmonic", [np.nan] * 3)
    )
    claims = {c.id: c for c in A.grokking_claims(table)}
    assert claims["faster-generalisation-modular_addition"].passed  # 40 < inf
    assert not claims["faster-generalisation-lattice"].passed  # neither got there
    assert "faster-generalisation-permutations" not in claims


def test_data_efficiency_and_ev_claims():
    rows = []
    for model, accs in (("standard", [0.3, 0.5, 0.95]), ("harmonic", [0.3, 0.92, 0.97])):
        for f, acc in zip((0.2, 0.4, 0.8), accs):
            rows += [
                {"task": "lattice", "model": model, "seed": s, "train_fraction": f, "test_acc": acc} for s in (0, 1)
            ]
    (claim,) = A.data_efficiency_claims(pd.DataFrame(rows))
    assert claim.passed and claim.measured == {"standard": 0.8, "harmonic": 0.4}
    ev = pd.DataFrame(
        [
            {"task": "lattice", "model": "standard", "seed": 0, "ev_top2": 0.9},
            {"task": "lattice", "model": "harmonic", "seed": 0, "ev_top2": 0.99},
        ]
    )
    claims = {c.id: c for c in A.ev_claims(ev, "mlp")}
    assert claims["harmonic-ev-higher-lattice"].passed and claims["ev-range-lattice"].passed
    ev.loc[1, "ev_top2"] = 0.85
    claims = {c.id: c for c in A.ev_claims(ev, "mlp")}
    assert not claims["harmonic-ev-higher-lattice"].passed and not claims["ev-range-lattice"].passed
    assert [c.id for c in A.ev_claims(ev, "transformer")] == ["harmonic-ev-higher-lattice"]


@pytest.mark.parametrize(
    "harmonic, passed",
    [
        ([0.3, 0.5, 0.6], False),  # harmonic never reaches 0.9
        ([0.3, 0.5, 0.95], False),  # harmonic reaches it at 0.8, standard already at 0.4
    ],
)
def test_data_efficiency_claim_fails_when_harmonic_needs_more_data(harmonic, passed):
    rows = []
    for model, accs in (("standard", [0.3, 0.95, 0.97]), ("harmonic", harmonic)):
        for f, acc in zip((0.2, 0.4, 0.8), accs):
            rows += [
                {"task": "lattice", "model": model, "seed": s, "train_fraction": f, "test_acc": acc} for s in (0, 1)
            ]
    (claim,) = A.data_efficiency_claims(pd.DataFrame(rows))
    assert claim.id == "data-efficiency-lattice" and claim.passed == passed


@pytest.mark.parametrize(
    "standard, harmonic, passed",
    [
        (0.1, 0.5, True),  # harmonic reaches 90% at 2 PCs, standard at 9
        (0.5, 0.5, True),  # the same number of PCs counts
        (0.5, 0.1, False),  # harmonic needs more PCs (9 vs 2)
        (0.05, 0.05, False),  # neither reaches 90% within 10 PCs
    ],
)
def test_cumulative_ev_claims(standard, harmonic, passed):
    # cumulative EV of the first k PCs: min(1, slope * k), one seed; the median over the other
    # seed (an exact copy) is the same curve
    table = pd.DataFrame(
        [
            {
                "task": "lattice",
                "family": "mlp",
                "model": model,
                "seed": seed,
                "components": k,
                "cumulative_ev": min(1.0, slope * k),
            }
            for model, slope in (("standard", standard), ("harmonic", harmonic))
            for seed in (0, 1)
            for k in range(1, A.PCS + 1)
        ]
    )
    (claim,) = A.cumulative_ev_claims(table)
    assert claim.id == "lower-dimension-mlp" and claim.passed == passed


SECTION = {
    "threads": 1,
    "tasks": ["lattice", "genealogy"],
    "seeds": [0, 52, 105],
    "samples": 1000,
    "train_fraction": 0.8,
    "batch_size": 32,
    "embedding_dim": 16,
    "exponent": 1.0,
    "eps": 1e-4,
    "embedding_reg": 0.01,
    "mlp": {"seeds": 3, "hidden": 100, "lr": 2e-3, "weight_decay": 0.01, "epochs": {"lattice": 5, "genealogy": 6}},
    "transformer": {
        "seeds": 2,
        "heads": 2,
        "layers": 2,
        "ff": 64,
        "dropout": 0.1,
        "lr": 2e-3,
        "weight_decay": 0.005,
        "epochs": {"lattice": 5, "genealogy": 6},
    },
    "data_efficiency": {"fractions": [0.2, 0.8], "seeds": 2},
    "modular_case": {
        "seed": 50,
        "lr": 1e-3,
        "epochs": 20,
        "standard_weight_decays": [0.0, 0.5],
        "harmonic_weight_decays": [0.0],
    },
}


def test_runs_of_a_job():
    exp = AlgorithmicConfig.from_config(SECTION, 0)
    mlp = exp.runs("mlp")
    assert len(mlp) == 2 * 3 + 2 * 2  # main runs + the 0.2 fraction's
    assert [r.track for r in mlp] == [True] * 6 + [False] * 4
    assert {r.train_fraction for r in mlp[6:]} == {0.2} and {r.seed for r in mlp[6:]} == {0, 52}
    assert len(exp.runs("transformer")) == 4 and exp.runs("transformer")[0].weight_decay == 0.005
    names, runs = exp.case_runs()
    assert names == ["standard, wd 0", "standard, wd 0.5", "harmonic, wd 0"]
    assert [r.harmonic for r in runs] == [False, False, True] and {r.seed for r in runs} == {50}
    assert exp.model("transformer", "genealogy").vocab == 130


@pytest.mark.parametrize(
    "edit, key",
    [
        (lambda s: s["mlp"].update(seeds=4), "harmonic_algorithmic.mlp.seeds"),
        (lambda s: s["data_efficiency"].update(seeds=4), "harmonic_algorithmic.data_efficiency.seeds"),
        (lambda s: s["transformer"]["epochs"].pop("genealogy"), "harmonic_algorithmic.transformer.epochs"),
        (lambda s: s["data_efficiency"].update(fractions=[0.0001]), "harmonic_algorithmic"),
        (lambda s: s.update(seeds=[0, 0, 1]), "harmonic_algorithmic.seeds"),
    ],
)
def test_config_check_names_the_key(edit, key):
    bad = copy.deepcopy(SECTION)
    edit(bad)
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        check(bad)


def _fake_result(embeddings, train_acc, test_acc, rows):
    """Two tracked runs (standard, harmonic) of one seed, as algorithmic_results.load gives them."""
    n = len(embeddings)
    return {
        "track": np.ones(n, bool),
        "diverged": np.zeros(n, bool),
        "harmonic": np.arange(n) % 2 == 1,
        "seed": np.zeros(n, int),
        "final_train_acc": np.ones(n),
        "final_test_acc": np.ones(n),
        "embeddings": np.asarray(embeddings),
        "train_acc": np.asarray(train_acc),
        "test_acc": np.asarray(test_acc),
        "meta": {"embedding_rows": list(rows), "family": "mlp", "settings": {"epochs": len(train_acc[0])}},
    }


def test_ev_uses_only_the_task_embedding_rows():
    """Genealogy's EV is over rows 1..126: there they lie on a circle (EV 1); rows 0 and 127-129
    (the relation tokens and the answer-only node) are far off that plane and must not count."""
    rng = np.random.default_rng(0)
    angle = np.linspace(0, 2 * np.pi, 126, endpoint=False)
    E = np.zeros((130, 16))
    E[1:127, 0], E[1:127, 1] = np.cos(angle), np.sin(angle)
    E[[0, 127, 128, 129], 2:] = 20 * rng.standard_normal((4, 14))
    flat = np.ones((2, 30))
    table = A.ev_table({"genealogy": _fake_result([E, E], flat, flat, (1, 127))})
    np.testing.assert_allclose(table["ev_top2"], 1.0, atol=1e-9)
    assert metrics.ev_top2(E) < 0.9  # the whole matrix is not 2-D (0.74 here)


def test_grokking_table_keeps_train_and_test_apart():
    epochs = np.arange(1, 61)
    train = np.where(epochs >= 5, 1.0, 0.0)  # memorised from epoch 5
    test = np.where(epochs >= 30, 1.0, 0.0)  # generalises from epoch 30
    E = np.zeros((31, 16))
    table = A.grokking_table({("modular_addition", "mlp"): _fake_result([E, E], [train, train], [test, test], (0, 31))})
    by_split = table.groupby("split")["epoch"].unique()
    assert by_split["train"].tolist() == [5.0] and by_split["test"].tolist() == [30.0]


def _case_rows(runs: dict) -> pd.DataFrame:
    """run -> (EV of the top 2 PCs, final test accuracy, test grokking epoch), as case_table's rows."""
    return pd.DataFrame(
        [
            {"run": run, "quantity": q, "x": math.nan, "value": v}
            for run, values in runs.items()
            for q, v in zip(("ev_top2", "final_test_acc", "test_grokking_epoch"), values)
        ]
    )


def test_modular_case_claims_pass_and_fail():
    from physlearn.harmonic.algorithmic.modular_case_figure import PAPER, case_claims

    ids = [
        "ev-standard-wd0",
        "standard-wd0-test-acc",
        "ev-standard-wd0.5",
        "groks-standard-wd0.5",
        "ev-harmonic-wd0",
        "groks-harmonic-wd0",
        "harmonic-generalises-first",
    ]
    # the paper's numbers pass every claim
    paper = _case_rows(
        {
            "standard, wd 0": (0.26, 0.5, math.nan),
            "standard, wd 0.5": (0.58, 1.0, 1000.0),
            "harmonic, wd 0": (1.0, 1.0, 450.0),
        }
    )
    claims = {c.id: c for c in case_claims(paper, 3000)}
    assert sorted(claims) == sorted(ids) and all(c.passed for c in claims.values())
    # no 2-D structure anywhere, every run at test accuracy 1 but none grokking by the rule: all fail
    flat = _case_rows({run: (0.0, 1.0, math.nan) for run in PAPER})
    claims = {c.id: c for c in case_claims(flat, 3000)}
    assert sorted(claims) == sorted(ids) and not any(c.passed for c in claims.values())
    # each run groks within a factor 2 of the paper, but the harmonic one after the standard one
    late = _case_rows(
        {
            "standard, wd 0": (0.26, 0.5, math.nan),
            "standard, wd 0.5": (0.58, 1.0, 500.0),
            "harmonic, wd 0": (1.0, 1.0, 900.0),
        }
    )
    claims = {c.id: c for c in case_claims(late, 3000)}
    assert claims["groks-harmonic-wd0"].passed and claims["groks-standard-wd0.5"].passed
    assert not claims["harmonic-generalises-first"].passed
