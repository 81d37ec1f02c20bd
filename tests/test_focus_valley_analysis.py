"""The valley maps' analysis on small hand-made tables (best learning rate, winners, Adam's
boundary, Spearman) and the claims of Figs. 2a, 2b and the appendix pairs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from physlearn.focus.valley import figure as VF
from physlearn.focus.valley import pairs_figure as VP
from physlearn.focus.valley.analysis import DIVERGED, adam_boundary, best_over_lr, spearman, winners

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
nan = math.nan

# --------------------------------------------------------------------------------------
# best_over_lr and winners

LRS = (0.01, 0.1, 1.0)
# mean final loss per (optimizer, sharpness, sigma), one value per learning rate in LRS;
# NaN = a learning rate where a replicate diverged.
LOSSES = {
    "adam": {
        (1.0, 0.0): [-0.5, -0.7, nan],  # best 0.1: -0.7, one lr diverged
        (1.0, 0.5): [-0.2, -0.2, -0.1],  # tie: the smaller lr, 0.01
        (10.0, 0.0): [-0.9, -0.3, -0.1],  # 0.01: -0.9
        (10.0, 0.5): [nan, nan, nan],  # everything diverged
        (100.0, 0.0): [nan, nan, nan],
        (100.0, 0.5): [-0.3, -0.2, -0.1],  # 0.01: -0.3
    },
    "signum": {
        (1.0, 0.0): [-0.4, -0.6, -0.65],  # 1.0: -0.65
        (1.0, 0.5): [-0.3, -0.25, nan],  # 0.01: -0.3
        (10.0, 0.0): [-0.5, -0.8, -0.85],  # 1.0: -0.85
        (10.0, 0.5): [nan, nan, nan],
        (100.0, 0.0): [-0.1, nan, nan],  # 0.01: -0.1
        (100.0, 0.5): [-0.2, -0.4, -0.1],  # 0.1: -0.4
    },
    "focus": {
        (1.0, 0.0): [-0.6, -0.69, -0.1],  # 0.1: -0.69
        (1.0, 0.5): [-0.1, -0.35, -0.2],  # 0.1: -0.35
        (10.0, 0.0): [nan, nan, -0.2],  # 1.0: -0.2, two diverged
        (10.0, 0.5): [nan, nan, nan],
        (100.0, 0.0): [nan, nan, nan],
        (100.0, 0.5): [-0.45, -0.1, -0.1],  # 0.01: -0.45
    },
}


def summary_table(scanned: str = "sharpness") -> pd.DataFrame:
    """Rows shaped like valley_merge.summarise's output, in shuffled order."""
    rows = []
    for opt, cells in LOSSES.items():
        for (value, sigma), losses in cells.items():
            for lr, loss in zip(LRS, losses):
                rows.append(
                    {
                        "optimizer": opt,
                        "sharpness": value if scanned == "sharpness" else 10.0,
                        "weight_decay": value if scanned == "weight_decay" else 0.1,
                        "sigma": sigma,
                        "lr": lr,
                        "mean_final_loss": loss,
                        "sem_final_loss": nan if math.isnan(loss) else 0.01,
                        "replicates": 5,
                        "diverged": 2 if math.isnan(loss) else 0,
                    }
                )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0).reset_index(drop=True)


def _row(best: pd.DataFrame, opt: str, value: float, sigma: float, scanned: str = "sharpness") -> pd.Series:
    hit = best[(best["optimizer"] == opt) & (best[scanned] == value) & (best["sigma"] == sigma)]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.mark.parametrize("scanned", ["sharpness", "weight_decay"])
def test_best_over_lr(scanned):
    best = best_over_lr(summary_table(scanned), scanned)
    assert len(best) == 3 * 6  # one row per (optimizer, pixel)
    expected = {  # (opt, value, sigma): (best lr, loss, learning rates diverged)
        ("adam", 1.0, 0.0): (0.1, -0.7, 1),
        ("adam", 1.0, 0.5): (0.01, -0.2, 0),
        ("adam", 10.0, 0.0): (0.01, -0.9, 0),
        ("adam", 10.0, 0.5): (nan, nan, 3),
        ("adam", 100.0, 0.0): (nan, nan, 3),
        ("adam", 100.0, 0.5): (0.01, -0.3, 0),
        ("signum", 1.0, 0.0): (1.0, -0.65, 0),
        ("signum", 1.0, 0.5): (0.01, -0.3, 1),
        ("signum", 10.0, 0.0): (1.0, -0.85, 0),
        ("signum", 100.0, 0.0): (0.01, -0.1, 2),
        ("signum", 100.0, 0.5): (0.1, -0.4, 0),
        ("focus", 1.0, 0.0): (0.1, -0.69, 0),
        ("focus", 1.0, 0.5): (0.1, -0.35, 0),
        ("focus", 10.0, 0.0): (1.0, -0.2, 2),
        ("focus", 10.0, 0.5): (nan, nan, 3),
        ("focus", 100.0, 0.5): (0.01, -0.45, 0),
    }
    for (opt, value, sigma), (lr, loss, n_div) in expected.items():
        row = _row(best, opt, value, sigma, scanned)
        where = (opt, value, sigma)
        assert row["best_lr"] == pytest.approx(lr, nan_ok=True), where
        assert row["mean_final_loss"] == pytest.approx(loss, nan_ok=True), where
        assert row["lrs_diverged"] == n_div, where
    # The other columns of the best row come along.
    assert _row(best, "signum", 100.0, 0.0, scanned)["sem_final_loss"] == 0.01


def test_winners():
    win = winners(best_over_lr(summary_table(), "sharpness"), "sharpness")
    assert len(win) == 6
    win = win.set_index(["sharpness", "sigma"])
    expected = {  # pixel: (winner, margin to the runner-up)
        (1.0, 0.0): ("adam", 0.01),  # adam -0.7, focus -0.69, signum -0.65
        (1.0, 0.5): ("focus", 0.05),  # focus -0.35, signum -0.3, adam -0.2
        (10.0, 0.0): ("adam", 0.05),  # adam -0.9, signum -0.85, focus -0.2
        (10.0, 0.5): (DIVERGED, nan),  # everything diverged
        (100.0, 0.0): ("signum", nan),  # the only one that did not diverge: no runner-up
        (100.0, 0.5): ("focus", 0.05),  # focus -0.45, signum -0.4, adam -0.3
    }
    for pixel, (name, margin) in expected.items():
        assert win.loc[pixel, "winner"] == name, pixel
        assert win.loc[pixel, "margin"] == pytest.approx(margin, nan_ok=True), pixel
    assert win.loc[(1.0, 0.5), "adam"] == pytest.approx(-0.2)  # the per-optimizer best losses
    assert DIVERGED == "diverged"


def test_winners_of_a_pair():
    win = winners(best_over_lr(summary_table(), "sharpness"), "sharpness", optimizers=("adam", "signum"))
    assert "focus" not in win.columns
    win = win.set_index(["sharpness", "sigma"])
    expected = {
        (1.0, 0.0): ("adam", 0.05),
        (1.0, 0.5): ("signum", 0.1),
        (10.0, 0.0): ("adam", 0.05),
        (10.0, 0.5): (DIVERGED, nan),
        (100.0, 0.0): ("signum", nan),
        (100.0, 0.5): ("signum", 0.1),
    }
    for pixel, (name, margin) in expected.items():
        assert win.loc[pixel, "winner"] == name, pixel
        assert win.loc[pixel, "margin"] == pytest.approx(margin, nan_ok=True), pixel


def test_adam_boundary():
    sigmas = [0.0, 0.5, 1.0, 1.5]
    rows = {
        1.0: ["adam", "adam", "signum", "focus"],  # clean boundary: first sign win at 1.0
        10.0: ["adam", "signum", "adam", "adam"],  # speckle: 3 adam pixels -> 1.5
        100.0: ["signum", "focus", "signum", DIVERGED],  # Adam never wins -> the first sigma, 0
        1000.0: ["adam"] * 4,  # Adam wins everywhere -> one step past the grid, 2.0
    }
    win = pd.DataFrame(
        [{"sharpness": a, "sigma": s, "winner": w} for a, ws in rows.items() for s, w in zip(sigmas, ws)]
    )
    win = win.sample(frac=1.0, random_state=1)
    boundary = adam_boundary(win, "sharpness")
    assert boundary.name == "adam_boundary_sigma"
    assert boundary.to_dict() == pytest.approx({1.0: 1.0, 10.0: 1.5, 100.0: 0.0, 1000.0: 2.0})


def test_adam_boundary_with_offset_sigma_grid():
    win = pd.DataFrame({"weight_decay": [0.1] * 3, "sigma": [1.0, 2.0, 3.0], "winner": ["adam", "focus", "focus"]})
    assert adam_boundary(win, "weight_decay").to_dict() == {0.1: 2.0}


def test_spearman():
    assert spearman(np.array([1, 2, 3, 4]), np.array([10, 20, 30, 40])) == pytest.approx(1.0)
    assert spearman(np.array([1, 2, 3, 4]), np.array([4, 3, 2, 1])) == pytest.approx(-1.0)
    # monotone but non-linear: ranks only
    assert spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 10.0, 1000.0, 1e6])) == pytest.approx(1.0)
    # ties get average ranks: rx = [1, 2.5, 2.5, 4], ry = [1, 2, 3, 4]; deviations
    # dx = [-1.5, 0, 0, 1.5], dy = [-1.5, -0.5, 0.5, 1.5]: r = 4.5 / sqrt(4.5 * 5) = 0.9486833
    assert spearman(np.array([1, 2, 2, 3]), np.array([1, 2, 3, 4])) == pytest.approx(0.9486832980505138)
    assert math.isnan(spearman(np.array([1, 1, 1]), np.array([1, 2, 3])))


# --------------------------------------------------------------------------------------
# The figures' claims: each verdict must come out PASS on the paper's picture and FAIL on
# its opposite, or a criterion that is always True would go unnoticed.


def _win_map(scanned: str, values, sigmas, winner) -> pd.DataFrame:
    """A winners table with winner(value, sigma) at every pixel."""
    return pd.DataFrame([{scanned: v, "sigma": s, "winner": winner(v, s)} for v in values for s in sigmas])


SHARPNESS_IDS = [
    "adam-wins-noiseless",
    "sign-wins-high-noise",
    "boundary-grows-with-sharpness",
    "checkpoint-a0.1",
    "checkpoint-a1000",
]


@pytest.mark.parametrize("paper_like", [True, False])
def test_sharpness_claims_pass_and_fail(paper_like):
    sigmas = np.arange(7) * 0.5  # 0 .. 3
    if paper_like:
        # Adam wins below the paper's boundary: 0.5 at a = 0.1, 1.5 at a = 10, 2.5 at a = 1000
        edge = {0.1: 0.5, 10.0: 1.5, 1000.0: 2.5}
        win = _win_map("sharpness", edge, sigmas, lambda a, s: "adam" if s < edge[a] - 1e-9 else "signum")
    else:
        # the mirror image: Signum wins at low noise, Adam at high, and Adam's region shrinks
        # as a grows (boundary 3, 2, 1 from a = 0.1 to 1000)
        start = {0.1: 0.5, 10.0: 1.5, 1000.0: 2.5}
        win = _win_map("sharpness", start, sigmas, lambda a, s: "adam" if s >= start[a] - 1e-9 else "signum")
    claims = {c.id: c for c in VF.sharpness_claims(win)}
    assert sorted(claims) == sorted(SHARPNESS_IDS)
    for cid in SHARPNESS_IDS:
        assert claims[cid].passed == paper_like, cid


def checkpoint_table(
    wds, sigmas, loss, progress=lambda s, o: 10.0, sem=0.002, replicates=20, lowest=None
) -> pd.DataFrame:
    """A best-over-lr table of Fig. 2b: loss(sigma, optimizer) as the final loss, lowest (by
    default the final loss less 0.01) as the lowest, progress(sigma, optimizer) as the furthest
    progress, each with standard error ``sem``."""
    lowest = lowest or (lambda s, o: loss(s, o) - 0.01)
    return pd.DataFrame(
        [
            {
                "weight_decay": w,
                "sigma": s,
                "optimizer": o,
                "mean_final_loss": loss(s, o),
                "sem_final_loss": sem,
                "mean_lowest_loss": lowest(s, o),
                "sem_lowest_loss": sem,
                "mean_furthest_progress": progress(s, o),
                "sem_furthest_progress": sem,
                "replicates": replicates,
            }
            for w in wds
            for s in sigmas
            for o in ("adam", "signum", "focus")
        ]
    )


def checkpoint_claims(losses: dict[float, dict[str, float]], sem=0.002, replicates=20, progress=None) -> dict:
    """Fig. 2b's claims on a map where Adam wins below sigma 1.5, with these checkpoint losses."""
    wds, sigmas = (0.1,), np.arange(7) * 0.5
    win = _win_map("weight_decay", wds, sigmas, lambda w, s: "adam" if s < 1.5 - 1e-9 else "focus")
    loss = lambda s, o: losses.get(s, {}).get(o, 0.0)
    best = checkpoint_table(wds, sigmas, loss, progress or (lambda s, o: -loss(s, o)), sem, replicates)
    return {c.id: c for c in VF.weight_decay_claims(win, best)}


def test_checkpoint_sigma3_needs_adam_behind():
    assert checkpoint_claims(VF.CHECKPOINTS)["checkpoint-a10-sigma3"].verdict == "PASS"
    # the audit's wrong result: Adam and Signum swapped (-0.19 / -0.16 / -0.20), every value
    # still within 0.03 of the paper's, but Adam now beats Signum at high noise
    swapped = {**VF.CHECKPOINTS, 3.0: {"adam": -0.19, "signum": -0.16, "focus": -0.20}}
    assert checkpoint_claims(swapped)["checkpoint-a10-sigma3"].verdict == "FAIL"
    # a tie between Adam and the sign methods is not Adam behind
    tied = {**VF.CHECKPOINTS, 3.0: {"adam": -0.18, "signum": -0.18, "focus": -0.18}}
    assert checkpoint_claims(tied, sem=0.0)["checkpoint-a10-sigma3"].verdict == "FAIL"
    # the right values with error bars wider than the gap: inconclusive
    noisy = checkpoint_claims(VF.CHECKPOINTS, sem=0.02)["checkpoint-a10-sigma3"]
    assert noisy.verdict == "INCONCLUSIVE" and "s.e. over 20 replicates" in noisy.uncertainty
    # one replicate: PASS or FAIL, and says so
    one = checkpoint_claims(VF.CHECKPOINTS, sem=0.0, replicates=1)["checkpoint-a10-sigma3"]
    assert one.verdict == "PASS" and one.uncertainty.startswith("one replicate; no interval")
    assert checkpoint_claims(VF.CHECKPOINTS)["checkpoint-a10-sigma0"].verdict == "PASS"
    far = {**VF.CHECKPOINTS, 0.0: {"adam": -0.55, "signum": -0.48, "focus": -0.46}}
    assert checkpoint_claims(far)["checkpoint-a10-sigma0"].verdict == "FAIL"


def test_adam_falls_behind_on_the_trajectory_metrics():
    ids = ("adam-falls-behind-furthest-progress", "adam-falls-behind-lowest-loss")
    claims = checkpoint_claims(VF.CHECKPOINTS)
    assert all(claims[i].verdict == "PASS" for i in ids)
    # Adam ahead at high noise too (an Adam that does not shrink its steps): FAIL
    reversed_ = {0.0: VF.CHECKPOINTS[0.0], 3.0: {"adam": -0.25, "signum": -0.19, "focus": -0.20}}
    claims = checkpoint_claims(reversed_)
    assert all(claims[i].verdict == "FAIL" for i in ids)
    # gaps of 0.03 with standard errors of 0.02 each: inconclusive
    claims = checkpoint_claims(VF.CHECKPOINTS, sem=0.02)
    assert all(claims[i].verdict == "INCONCLUSIVE" for i in ids)


@pytest.mark.parametrize("paper_like", [True, False])
def test_weight_decay_claims_pass_and_fail(paper_like):
    wds, sigmas = (0.01, 0.1, 1.0), np.arange(7) * 0.5
    if paper_like:  # Adam wins below sigma 1.5 (boundary 1.5); the paper's losses at the checkpoints
        win = _win_map("weight_decay", wds, sigmas, lambda w, s: "adam" if s < 1.5 - 1e-9 else "focus")
        loss = lambda s, o: VF.CHECKPOINTS.get(s, {}).get(o, 0.0)
    else:  # Signum wins only at sigma 0, Adam everywhere else (boundary 3); every loss 0
        win = _win_map("weight_decay", wds, sigmas, lambda w, s: "signum" if s == 0 else "adam")
        loss = lambda s, o: 0.0
    # trajectory metrics: Adam ahead at sigma 0 and behind at 3 (paper), or the other way round
    adam_ahead = lambda s, o: (o == "adam") == ((s < 1.0) == paper_like)
    progress = lambda s, o: 11.0 if adam_ahead(s, o) else 10.0
    best = checkpoint_table(wds, sigmas, loss, progress=progress, lowest=lambda s, o: -progress(s, o) / 10)
    claims = {c.id: c for c in VF.weight_decay_claims(win, best)}
    ids = [
        "checkpoint-a10-sigma0",
        "checkpoint-a10-sigma3",
        "adam-falls-behind-furthest-progress",
        "adam-falls-behind-lowest-loss",
        "checkpoint-a10-boundary",
        "adam-wins-noiseless",
        "sign-wins-high-noise",
    ]
    assert sorted(claims) == sorted(ids)
    for cid in ids:
        assert claims[cid].passed == paper_like, cid


@pytest.mark.parametrize("paper_like", [True, False])
def test_pair_claims_pass_and_fail(paper_like):
    sigmas = np.arange(6) * 0.5
    clean = lambda a, s: "adam" if s < 1.5 else "signum"  # one boundary per row
    speckle = lambda a, s: ("signum", "focus")[int(round(2 * s)) % 2]  # the winner flips at every step
    if paper_like:  # Signum/FOCUS speckled with small margins, Adam/Signum clean with large ones
        pairs = {"signum/focus": (speckle, 0.01), "adam/signum": (clean, 0.1), "adam/focus": (clean, 0.1)}
    else:  # the other way round: FOCUS wins everywhere by a lot, Adam/Signum flips at every step
        alternating = lambda a, s: ("adam", "signum")[int(round(2 * s)) % 2]
        pairs = {
            "signum/focus": (lambda a, s: "focus", 1.0),
            "adam/signum": (alternating, 0.1),
            "adam/focus": (clean, 0.1),
        }
    table = pd.concat(
        [
            _win_map("sharpness", (0.1, 10.0), sigmas, winner).assign(margin=margin, pair=pair)
            for pair, (winner, margin) in pairs.items()
        ],
        ignore_index=True,
    )
    claims = {c.id: c for c in VP.pair_claims(table, "sharpness")}
    for cid in ("signum-focus-small-margins", "signum-focus-speckle"):
        assert claims[cid].passed == paper_like, cid


def speckle_verdict(signum_focus, adam_signum=lambda a, s: "adam" if s < 1.5 else "signum") -> str:
    """The speckle claim's verdict for these two maps (winner(a, sigma)) on 8 sigma values."""
    sigmas = np.arange(8) * 0.5
    table = pd.concat(
        [
            _win_map("sharpness", (0.1, 10.0), sigmas, winner).assign(margin=0.01, pair=pair)
            for pair, winner in (
                ("signum/focus", signum_focus),
                ("adam/signum", adam_signum),
                ("adam/focus", adam_signum),
            )
        ],
        ignore_index=True,
    )
    return {c.id: c for c in VP.pair_claims(table, "sharpness")}["signum-focus-speckle"].verdict


def test_speckle_needs_a_mixed_map_with_many_changes():
    noisy = lambda a, s: ("signum", "focus")[int(round(2 * s)) % 2 if s < 2.5 else int(round(4 * s)) % 3 % 2]
    assert speckle_verdict(noisy) == "PASS"
    # a FOCUS identical to Signum: ties everywhere, Signum (first) wins every pixel; the old
    # comparison with the Adam/Signum map (one change per row) would need flips, this one
    # needs both colours
    assert speckle_verdict(lambda a, s: "signum") == "FAIL"
    # two clean regions (one change per row) are not speckle, even when Adam/Signum has none
    assert speckle_verdict(lambda a, s: "signum" if s < 2 else "focus", lambda a, s: "adam") == "FAIL"
    # Signum wins one isolated pixel per row: the winner changes twice per row, not more
    assert speckle_verdict(lambda a, s: "signum" if s == 1.5 else "focus") == "FAIL"


# --------------------------------------------------------------------------------------
# Pixel-wise claims on intervals: the merge step's paired standard errors reach the figure,
# and a pixel counts for an optimizer only where the 95% t interval of the loss difference
# excludes 0.

from physlearn.focus.valley.merge import best_lr_index, paired_sem, summarise  # noqa: E402
from physlearn.focus.valley.sweep import ValleyScan  # noqa: E402

MAP_A, MAP_SIGMA, MAP_LR, MAP_REPLICATES = (0.1, 10.0, 1000.0), np.arange(7) * 0.5, np.array([0.01, 0.1]), 10
EDGE = {0.1: 0.5, 10.0: 1.5, 1000.0: 2.5}  # the paper's boundary per sharpness


def map_scan() -> ValleyScan:
    return ValleyScan(
        name="sharpness",
        scanned="sharpness",
        sharpness=np.array(MAP_A),
        weight_decay=np.array([0.1]),
        sigma=MAP_SIGMA,
        lr=MAP_LR,
        replicates=MAP_REPLICATES,
        steps=1,
        c=1.0,
        angle=0.0,
        init_scale=1.0,
        hparams={},
        seed=0,
        pixels_per_chunk=64,
    )


def map_claims(gap, shared=1.0, own=0.001, paired=True, seed=0) -> dict:
    """Fig. 2a's claims from made-up per-replicate final losses: every optimizer's loss at a
    pixel is a shared term (the replicate's common random numbers, scale ``shared``) plus its
    own noise (scale ``own``) plus ``gap(a, sigma)`` for Adam (negative: Adam lower). The
    second learning rate is worse by 1 for everyone."""
    rng = np.random.default_rng(seed)
    scan = map_scan()
    n_pix = scan.n_pixels
    a, _, sigma = scan.pixel_values(np.arange(n_pix))
    common = shared * rng.standard_normal((n_pix, MAP_REPLICATES))
    loss = np.empty((3, len(MAP_LR), n_pix, MAP_REPLICATES))
    for o, name in enumerate(("adam", "signum", "focus")):
        offset = np.array([gap(x, s) for x, s in zip(a, sigma)]) if name == "adam" else 0.0
        for k in range(len(MAP_LR)):
            loss[o, k] = common + own * rng.standard_normal(common.shape) + np.reshape(offset, (-1, 1)) + k
    merged = {"pixel": np.arange(n_pix), "final_loss": loss, "diverged": np.zeros(loss.shape, dtype=bool)}
    for metric in ("lowest_loss", "furthest_progress"):
        merged[metric] = loss
    table = summarise(scan, merged, ["adam", "signum", "focus"])
    if not paired:
        table = table.drop(columns=[c for c in table if c.startswith("sem_diff_")])
    win = winners(best_over_lr(table, "sharpness"), "sharpness")
    return {c.id: c for c in VF.sharpness_claims(win)}


def paper_gap(a, s, size=0.05):
    """Adam lower by ``size`` below the paper's boundary, higher by ``size`` above it."""
    return -size if s < EDGE[a] - 1e-9 else size


def test_paired_sem_is_the_spread_of_the_paired_difference():
    rng = np.random.default_rng(1)
    loss = rng.standard_normal((3, 2, 4, 6))
    loss[:, 1] += 5.0  # the second learning rate is worse for everyone
    diverged = np.zeros(loss.shape, dtype=bool)
    diverged[2, 0, 3, 0] = True  # FOCUS's best lr diverged at pixel 3 in one replicate
    sem = paired_sem(loss, diverged, np.array([0.01, 0.1]), ["adam", "signum", "focus"])
    expected = (loss[0, 0, 1] - loss[1, 0, 1]).std(ddof=1) / np.sqrt(6)
    assert sem["signum"][0, 0, 1] == pytest.approx(expected)
    # FOCUS's best at pixel 3 is now lr 0.1 (the only clean one): the difference is to that one
    expected = (loss[0, 0, 3] - loss[2, 1, 3]).std(ddof=1) / np.sqrt(6)
    assert sem["focus"][0, 0, 3] == pytest.approx(expected)
    assert np.isnan(sem["adam"][2, 0, 3])  # a diverged cell has no s.e.
    # ties go to the smaller learning rate, as in best_over_lr, whatever the lr order
    assert best_lr_index(np.zeros((1, 2, 1)), np.array([0.1, 0.01]))[0, 0] == 1
    # means that tie at the summary's 6 significant digits tie here too: the smaller lr
    assert best_lr_index(np.array([[[-0.5000001], [-0.5000002]]]), np.array([0.01, 0.1]))[0, 0] == 0
    assert best_lr_index(np.array([[[-0.5], [-0.6]]]), np.array([0.01, 0.1]))[0, 0] == 1


def test_map_claims_pass_on_paired_intervals_and_are_inconclusive_unpaired():
    ids = ("adam-wins-noiseless", "sign-wins-high-noise", "checkpoint-a0.1", "checkpoint-a1000")
    claims = map_claims(paper_gap)
    for cid in (*ids, "boundary-grows-with-sharpness"):
        assert claims[cid].verdict == "PASS", (cid, claims[cid].ours, claims[cid].uncertainty)
    assert "paired loss difference over 10 replicates" in claims["adam-wins-noiseless"].uncertainty
    # the same losses judged without the pairing: the shared noise (1.0) swamps the gap (0.05)
    # and no pixel is decided; every pixel could go either way
    unpaired = map_claims(paper_gap, paired=False)
    for cid in ids:
        assert unpaired[cid].verdict == "INCONCLUSIVE", cid


def test_map_claims_fail_on_the_flipped_picture():
    # Adam higher below the boundary and lower above it: the comparison flipped
    flipped = map_claims(lambda a, s: -paper_gap(a, s))
    for cid in ("adam-wins-noiseless", "sign-wins-high-noise", "checkpoint-a0.1", "checkpoint-a1000"):
        assert flipped[cid].verdict == "FAIL", cid
    assert flipped["boundary-grows-with-sharpness"].verdict == "FAIL"


def test_map_claims_on_a_tie():
    # an exact tie (no own noise, no gap): no pixel is a win, so the majority claims FAIL
    tie = map_claims(lambda a, s: 0.0, own=0.0)
    for cid in ("adam-wins-noiseless", "sign-wins-high-noise", "checkpoint-a0.1"):
        assert tie[cid].verdict == "FAIL", cid
    # a tie within the noise: every pixel undecided, the claims could go either way
    noisy = map_claims(lambda a, s: 0.0, own=0.05)
    for cid in ("adam-wins-noiseless", "sign-wins-high-noise", "checkpoint-a0.1"):
        assert noisy[cid].verdict == "INCONCLUSIVE", (cid, noisy[cid].ours)


def test_boundary_claims_are_inconclusive_where_undecided_pixels_could_move_them():
    # Adam wins clearly below sigma 1.0 at a = 1000, and pixels 1.0 to 2.5 are ties within
    # the noise: the boundary lies somewhere between 1.0 and 3.0, straddling [2.0, 3.0]
    def gap(a, s):
        if a == 1000.0 and 1.0 - 1e-9 < s < 2.5 + 1e-9:
            return 0.0
        return paper_gap(a, s, size=0.5)

    claims = map_claims(gap, own=0.05)
    assert claims["checkpoint-a1000"].verdict == "INCONCLUSIVE", claims["checkpoint-a1000"].uncertainty
    assert claims["checkpoint-a1000"].measured["range"] == pytest.approx([1.0, 3.0])
    # at a wrong boundary (Adam wins everywhere at a = 1000: 3.5) it fails
    wrong = map_claims(lambda a, s: -0.5 if a == 1000.0 else paper_gap(a, s, size=0.5))
    assert wrong["checkpoint-a1000"].verdict == "FAIL"


def test_weight_decay_boundary_on_intervals():
    wds, sigmas = (0.01, 0.1, 1.0), np.arange(7) * 0.5
    loss = lambda s, o: (-0.1 if s < 1.5 - 1e-9 else 0.1) if o == "adam" else 0.0
    best = checkpoint_table(wds, sigmas, loss)
    claims = {c.id: c for c in VF.weight_decay_claims(winners(best, "weight_decay"), best)}
    assert claims["checkpoint-a10-boundary"].verdict == "PASS"
    # Adam ahead everywhere (boundary 3.5): FAIL
    best = checkpoint_table(wds, sigmas, lambda s, o: -0.1 if o == "adam" else 0.0)
    claims = {c.id: c for c in VF.weight_decay_claims(winners(best, "weight_decay"), best)}
    assert claims["checkpoint-a10-boundary"].verdict == "FAIL"
    assert claims["sign-wins-high-noise"].verdict == "FAIL"
    # gaps of 0.1 with s.e. 0.1 each: every pixel undecided, the boundary anywhere in [0, 3.5]
    best = checkpoint_table(wds, sigmas, loss, sem=0.1)
    claims = {c.id: c for c in VF.weight_decay_claims(winners(best, "weight_decay"), best)}
    for cid in ("checkpoint-a10-boundary", "adam-wins-noiseless", "sign-wins-high-noise"):
        assert claims[cid].verdict == "INCONCLUSIVE", cid


def test_pair_claims_report_the_decided_pixels():
    wds, sigmas = (0.01, 0.1, 1.0), np.arange(7) * 0.5
    # Adam clearly ahead below sigma 1.5 and behind above; Signum and FOCUS within the noise
    loss = lambda s, o: {"adam": -0.1 if s < 1.5 - 1e-9 else 0.1, "signum": 0.0, "focus": 0.001}[o]
    best = checkpoint_table(wds, sigmas, loss, sem=0.01)
    claims = {c.id: c for c in VP.pair_claims(VP.pair_table(best, "weight_decay"), "weight_decay")}
    speckle = claims["signum-focus-speckle"]
    assert speckle.measured["decided_pixels"] == {"adam/focus": 21, "adam/signum": 21, "signum/focus": 0}
    assert "signum/focus 0 of 21" in speckle.uncertainty and "20 replicates" in speckle.uncertainty
    assert "signum/focus 0 of 21" in claims["signum-focus-small-margins"].uncertainty
