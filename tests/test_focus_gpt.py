"""FOCUS Fig. 3: the GPT run configs the workflow builds, and the analysis of the curves."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from physlearn import figures
from physlearn.focus.gpt import analysis as A
from physlearn.focus.gpt import figure as gpt_figure
from physlearn.gpt.runs import check_runs, deep_merge, run_settings


def _config(**runs):
    return {
        "seed": 3,
        "device": "cpu",
        "gpt": {"threads": 2, "train": {"model": {"size": "tiny", "n_layer": 1}, "batch_size": 4, "lr": 1e-3}},
        "focus_gpt": {
            "train": {"max_iters": 100, "lr_decay_iters": 100, "model": {"n_embd": 32}},
            "runs": runs or {"a": {"optimizer": "adamw", "lr": 2e-3, "model": {"n_layer": 3}}},
        },
        "harmonic_gpt": {"train": {}, "runs": {}},
    }


def test_run_settings_merge_in_order_and_nested():
    s = run_settings(_config(), "focus", "a", "tok")
    assert s["model"] == {"size": "tiny", "n_layer": 3, "n_embd": 32}  # gpt.train < experiment < run, key by key
    assert s["lr"] == 2e-3 and s["max_iters"] == 100 and s["batch_size"] == 4
    assert (s["seed"], s["device"], s["threads"], s["data_dir"]) == (3, "cpu", 2, "tok")
    base = {"model": {"size": "tiny"}}
    deep_merge(base, {"model": {"size": "gpt2"}})
    assert base == {"model": {"size": "tiny"}}  # inputs unchanged
    with pytest.raises(KeyError, match="focus_gpt.runs has no run 'b'"):
        run_settings(_config(), "focus", "b")


def test_check_runs_names_the_bad_run():
    check_runs(_config())
    with pytest.raises(ValueError, match=r"focus_gpt.runs.bad: .*optimizer"):
        check_runs(_config(bad={"optimizer": "sgd"}))
    with pytest.raises(ValueError, match=r"focus_gpt.runs.typo: .*unknown training setting.*'lrr'"):
        check_runs(_config(typo={"lrr": 1.0}))


def test_panels_must_name_runs():
    from physlearn.gpt.runs import check_focus_panels

    config = _config()
    config["focus_gpt"]["panels"] = {"adam": ["a"], "signum": [], "focus": "a", "schedules": []}
    check_focus_panels(config)
    config["focus_gpt"]["panels"]["schedules"] = ["a-short"]
    with pytest.raises(ValueError, match=r"focus_gpt.panels.schedules: \['a-short'\] not in"):
        check_focus_panels(config)
    config["focus_gpt"]["panels"]["focus"] = ""
    with pytest.raises(ValueError, match="focus_gpt.panels: name"):
        check_focus_panels(config)


def _curve(steps, losses):
    return pd.DataFrame({"step": steps, "val_loss": losses})


def test_steps_to_reach_interpolates_between_evaluations():
    c = _curve([0, 10, 20, 30], [5.0, 4.0, 3.0, 2.5])
    assert A.steps_to_reach(c, 3.5) == pytest.approx(15.0)
    assert A.steps_to_reach(c, 4.0) == pytest.approx(10.0)
    assert A.steps_to_reach(c, 6.0) == 0.0
    assert A.steps_to_reach(c, 2.0) == math.inf
    assert A.loss_at(c, 25) == pytest.approx(2.75)


def _curves_table(spec):
    """spec: run -> (optimizer, lr, total_steps, steps, losses, diverged_step)."""
    rows = []
    for run, (opt, lr, total, steps, losses, div) in spec.items():
        for s, v in zip(steps, losses):
            rows.append(
                dict(
                    run=run,
                    optimizer=opt,
                    lr=lr,
                    total_steps=total,
                    step=s,
                    tokens=s * 10,
                    val_loss=v,
                    diverged=div is not None,
                    diverged_step=div,
                )
            )
    return pd.DataFrame(rows)


def _summary(cfg_lr, final, div=None, optimizer="adamw", max_iters=100):
    return {
        "diverged": div is not None,
        "diverged_step": div,
        "final_val_loss": final,
        "config": {"lr": cfg_lr, "optimizer": optimizer, "max_iters": max_iters},
    }


def _paper_like_summaries():
    """The paper's Fig. 3a/3b on a 100-step schedule: FOCUS 2.90, Adam 1e-4 3.03, the unstable
    runs diverging at the paper's fractions of the schedule."""
    return {
        "adam-low": _summary(1e-4, 3.03),
        "adam-mid": _summary(3e-4, None, div=35),
        "adam-high": _summary(6e-4, None, div=15),
        "focus": _summary(6e-4, 2.90, optimizer="focus"),
        "signum-low": _summary(1e-4, None, div=14, optimizer="signum"),
        "signum-high": _summary(6e-4, None, div=17, optimizer="signum"),
    }


ADAM_RUNS, SIGNUM_RUNS = ["adam-low", "adam-mid", "adam-high"], ["signum-low", "signum-high"]


def test_final_losses_claim():
    summaries = _paper_like_summaries()
    claim = {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["final-losses"]
    assert claim.verdict == "PASS" and claim.uncertainty == "one run; no interval"
    # FOCUS and Adam 1e-4 swapped (3.03 vs 2.90): both 0.13 off
    summaries["focus"]["final_val_loss"], summaries["adam-low"]["final_val_loss"] = 3.03, 2.90
    assert {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["final-losses"].verdict == "FAIL"
    # a tiny model's losses (laptop scale) fail, and so does a diverged FOCUS
    summaries = _paper_like_summaries()
    summaries["focus"]["final_val_loss"] = 5.34
    assert {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["final-losses"].verdict == "FAIL"
    summaries["focus"] = _summary(6e-4, None, div=50, optimizer="focus")
    assert {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["final-losses"].verdict == "FAIL"


def test_divergence_step_claims():
    summaries = _paper_like_summaries()
    adam = {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["adam-divergence-steps"]
    signum = {c.id: c for c in A.signum_claims(None, summaries, SIGNUM_RUNS, "focus")}["signum-divergence-steps"]
    assert adam.verdict == "PASS" and signum.verdict == "PASS"
    assert adam.measured["diverged_fraction"] == {"adam-mid": 0.35, "adam-high": 0.15}
    # no divergence, or a divergence far from the paper's point (right at the start), fails
    summaries["adam-mid"] = _summary(3e-4, 3.0)
    summaries["signum-low"] = _summary(1e-4, None, div=2, optimizer="signum")
    adam = {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["adam-divergence-steps"]
    signum = {c.id: c for c in A.signum_claims(None, summaries, SIGNUM_RUNS, "focus")}["signum-divergence-steps"]
    assert adam.verdict == "FAIL" and signum.verdict == "FAIL"
    # the fraction is of each run's own schedule: step 140 of 1000 is the paper's 14%
    summaries["signum-low"] = _summary(1e-4, None, div=140, optimizer="signum", max_iters=1000)
    signum = {c.id: c for c in A.signum_claims(None, summaries, SIGNUM_RUNS, "focus")}["signum-divergence-steps"]
    assert signum.verdict == "PASS"


def test_speedup_against_adam_baseline():
    adam_steps = np.arange(0, 101, 10)
    curves = _curves_table(
        {
            "adam": ("adamw", 1e-3, 100, adam_steps, 5.0 - 0.02 * adam_steps, None),  # 5.0 -> 3.0
            "f20": ("focus", 1e-3, 20, [0, 10, 20], [5.0, 4.5, 4.0], None),  # Adam reaches 4.0 at step 50
            "f50": ("focus", 1e-3, 50, [0, 25, 50], [5.0, 4.0, 3.2], None),  # Adam: 3.2 at step 90
            "f100": ("focus", 1e-3, 100, [0, 50, 100], [5.0, 3.5, 2.9], None),  # Adam never: lower bound
        }
    )
    table = A.speedups(curves, ["f20", "f50"], "f100", "adam").set_index("run")
    assert table.loc["f20", "speedup"] == pytest.approx(2.5)
    assert table.loc["f50", "speedup"] == pytest.approx(1.8)
    assert table.loc["f100", "speedup_is_lower_bound"] and table.loc["f100", "speedup"] == 1.0
    claims = {c.id: c for c in A.schedule_claims(table.reset_index(), "f100")}
    assert claims["focus-20pct-schedule-speedup"].passed
    assert not claims["focus-50pct-schedule-speedup"].passed  # 1.8x < 2x
    reach = {c.id: c for c in A.reach_claims(table.reset_index(), curves, "f100")}
    assert reach["focus-20pct-reaches-adam-50pct"].passed  # 4.0 <= Adam's 4.0 at step 50
    assert reach["focus-20pct-reaches-adam-50pct"].measured["adam_loss"] == pytest.approx(4.0)
    assert not reach["focus-50pct-reaches-adam-100pct"].passed  # 3.2 > Adam's 3.0 at step 100


def test_adam_and_signum_claims():
    summaries = {
        "adam-low": _summary(1e-4, 3.1),
        "adam-mid": _summary(3e-4, 3.0, div=40),
        "adam-high": _summary(6e-4, None, div=20),
        "focus": _summary(6e-4, 2.95, optimizer="focus"),
        "signum-low": _summary(1e-4, 3.2, optimizer="signum"),
        "signum-high": _summary(6e-4, None, div=30, optimizer="signum"),
    }
    assert A.adam_baseline(["adam-low", "adam-mid", "adam-high"], summaries) == "adam-low"
    claims = {c.id: c for c in A.adam_claims(None, summaries, ["adam-low", "adam-mid", "adam-high"], "focus")}
    assert claims["focus-beats-adam"].passed and claims["adam-high-lr-diverges"].passed
    summaries["focus"]["final_val_loss"] = 3.2
    assert not A.adam_claims(None, summaries, ["adam-low", "adam-mid", "adam-high"], "focus")[0].passed
    s = {c.id: c for c in A.signum_claims(None, summaries, ["signum-low", "signum-high"], "focus")}
    assert s["signum-less-stable"].passed and s["focus-beats-signum-same-lr"].passed
    summaries["signum-high"] = _summary(6e-4, 3.0, optimizer="signum")
    s = {c.id: c for c in A.signum_claims(None, summaries, ["signum-low", "signum-high"], "focus")}
    assert not s["signum-less-stable"].passed and not s["focus-beats-signum-same-lr"].passed


def test_adam_high_lr_diverges_fails():
    # the paper's picture (as in test_adam_and_signum_claims) passes ...
    runs = ["adam-low", "adam-mid", "adam-high"]
    summaries = {
        "adam-low": _summary(1e-4, 3.1),
        "adam-mid": _summary(3e-4, 3.0, div=40),
        "adam-high": _summary(6e-4, None, div=20),
        "focus": _summary(6e-4, 2.95, optimizer="focus"),
    }
    assert {c.id: c for c in A.adam_claims(None, summaries, runs, "focus")}["adam-high-lr-diverges"].passed
    # ... but not when a higher-lr Adam run trained to the end,
    summaries["adam-mid"] = _summary(3e-4, 3.0)
    assert not {c.id: c for c in A.adam_claims(None, summaries, runs, "focus")}["adam-high-lr-diverges"].passed
    # nor when the lowest-lr run diverged too,
    summaries["adam-mid"], summaries["adam-low"] = _summary(3e-4, None, div=40), _summary(1e-4, None, div=60)
    assert not {c.id: c for c in A.adam_claims(None, summaries, runs, "focus")}["adam-high-lr-diverges"].passed
    # nor with a single Adam run: no higher learning rate that could have diverged
    summaries["adam-low"] = _summary(1e-4, 3.1)
    assert not {c.id: c for c in A.adam_claims(None, summaries, ["adam-low"], "focus")}["adam-high-lr-diverges"].passed


def _write_run(folder, optimizer, lr, total, losses, diverged_step=None):
    folder.mkdir(parents=True)
    steps = np.linspace(0, total if diverged_step is None else diverged_step, len(losses)).astype(int)
    pd.DataFrame(
        {
            "step": steps,
            "tokens": steps * 64,
            "train_loss": losses,
            "val_loss": losses,
            "lr": lr,
            "grad_norm": 1.0,
            "time": steps * 0.1,
            "diverged": 0,
        }
    ).to_csv(folder / "log.csv", index=False)
    summary = {
        "diverged": diverged_step is not None,
        "diverged_step": diverged_step,
        "final_val_loss": None if diverged_step else losses[-1],
        "tokens": int(steps[-1]) * 64,
        "model": {"n_layer": 1, "n_embd": 8},
        "config": {"optimizer": optimizer, "lr": lr, "max_iters": total},
    }
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.mark.parametrize("panel", list(gpt_figure.PANELS))
def test_figure_step_writes_every_output(tmp_path, panel):
    runs = tmp_path / "runs"
    _write_run(runs / "adam-low", "adamw", 1e-3, 100, [5.0, 4.0, 3.5, 3.2, 3.0])
    _write_run(runs / "signum-low", "signum", 1e-3, 100, [5.0, 9.0], diverged_step=40)
    _write_run(runs / "focus", "focus", 1e-3, 100, [5.0, 3.8, 3.3, 3.0, 2.9])
    _write_run(runs / "focus-20pct", "focus", 1e-3, 20, [5.0, 4.0, 3.6])
    cfg = {
        "scale": "laptop",
        "focus_gpt": {
            "panels": {"adam": ["adam-low"], "signum": ["signum-low"], "focus": "focus", "schedules": ["focus-20pct"]}
        },
    }
    out = {k: tmp_path / f"fig.{k}" for k in ("pdf", "png", "table", "claims")}
    gpt_figure.main(
        [
            "--config",
            json.dumps(cfg),
            "--panel",
            panel,
            "--runs",
            *[str(p) for p in sorted(runs.iterdir())],
            *[a for k, v in out.items() for a in (f"--{k}", str(v))],
        ]
    )
    assert all(p.stat().st_size > 0 for p in out.values())
    doc = json.loads(out["claims"].read_text())
    row = figures.get(f"gpt_{panel}")
    assert doc["figure"] == row.label and doc["title"] == row.title and doc["claims"]


def _keys(node, prefix=""):
    """Every key path of a nested mapping."""
    out = set()
    for key, value in node.items():
        out.add(prefix + key)
        if isinstance(value, dict):
            out |= _keys(value, f"{prefix}{key}.")
    return out


def test_paper_config_sets_every_key_the_laptop_config_sets():
    """Config files merge key by key (--configfile config/paper.yaml over config.yaml): a
    training setting that only the laptop file names would leak into the paper's runs."""
    import yaml
    from conftest import REPO

    laptop = yaml.safe_load((REPO / "config.yaml").read_text())
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    # The BPE's vocabulary is unused with the GPT-2 tokenizer of the paper scale.
    leaks = _keys(laptop) - _keys(paper) - {"data.tokenizer.vocab_size"}
    assert not leaks, f"config.yaml's keys {sorted(leaks)} would leak into config/paper.yaml"


# --------------------------------------------------------------------------------------
# One seed per run: the final losses carry their standard error over the eval batches.


def _with_se(summary: dict, se: float, batches: int = 8) -> dict:
    return {**summary, "final_val_loss_se": se, "config": {**summary["config"], "eval_batches": batches}}


def _claims_with_se(se: float, finals: dict[str, float] | None = None) -> dict:
    summaries = {name: _with_se(s, se) for name, s in _paper_like_summaries().items()}
    summaries["signum-high"] = _with_se(_summary(6e-4, 2.95, optimizer="signum"), se)
    for name, value in (finals or {}).items():
        summaries[name]["final_val_loss"] = value
    claims = A.adam_claims(None, summaries, ADAM_RUNS, "focus") + A.signum_claims(None, summaries, SIGNUM_RUNS, "focus")
    return {c.id: c for c in claims}


def test_final_loss_claims_decide_on_eval_batch_intervals():
    ids = ("focus-beats-adam", "final-losses", "focus-beats-signum-same-lr")
    claims = _claims_with_se(0.005)  # FOCUS 2.90, Adam 1e-4 3.03, Signum 6e-4 2.95: gaps >= 0.05
    for cid in ids:
        assert claims[cid].verdict == "PASS", cid
        assert "one seed" in claims[cid].uncertainty and "eval-batch noise only" in claims[cid].uncertainty
    # the losses swapped (FOCUS 3.03, Adam 2.90, Signum 2.85): each comparison flipped
    flipped = _claims_with_se(0.005, {"focus": 3.03, "adam-low": 2.90, "signum-high": 2.85})
    for cid in ids:
        assert flipped[cid].verdict == "FAIL", cid
    # a tie with no spread is no win
    tie = _claims_with_se(0.0, {"focus": 3.0, "adam-low": 3.0, "signum-high": 3.0})
    assert tie["focus-beats-adam"].verdict == "FAIL" and tie["focus-beats-signum-same-lr"].verdict == "FAIL"
    # eval-batch noise wider than the gaps (and than the final-loss tolerance): inconclusive
    noisy = _claims_with_se(0.06)
    for cid in ids:
        assert noisy[cid].verdict == "INCONCLUSIVE", cid
    # a summary without the s.e. (an older run): PASS or FAIL on the point, and says so
    old = {c.id: c for c in A.adam_claims(None, _paper_like_summaries(), ADAM_RUNS, "focus")}
    assert old["focus-beats-adam"].verdict == "PASS" and old["focus-beats-adam"].uncertainty == A.ONE_RUN


def test_divergence_claims_say_one_run():
    claims = _claims_with_se(0.005)
    for cid in ("adam-high-lr-diverges", "adam-divergence-steps", "signum-less-stable", "signum-divergence-steps"):
        assert claims[cid].uncertainty == A.ONE_RUN, cid


@pytest.mark.parametrize("paper_like", [True, False])
def test_schedule_claims_pass_and_fail(paper_like):
    """Every generated id of Figs. 3c-d: FOCUS's short schedules reach Adam's 50% / 100%
    losses in 2.5x / 2x fewer steps (paper), or they end where Adam is at their own step (an
    optimizer no faster than Adam: speedup 1x, behind Adam at the paper's steps)."""
    adam_steps = np.arange(0, 101, 10)
    adam = 5.0 - 0.02 * adam_steps  # 5.0 -> 3.0
    f20, f50 = (3.9, 2.9) if paper_like else (4.6, 4.0)  # below Adam at steps 50 and 100, or at its 20 and 50
    curves = _curves_table(
        {
            "adam": ("adamw", 1e-3, 100, adam_steps, adam, None),
            "f20": ("focus", 1e-3, 20, [0, 10, 20], [5.0, 4.5, f20], None),
            "f50": ("focus", 1e-3, 50, [0, 25, 50], [5.0, 4.0, f50], None),
            "f100": ("focus", 1e-3, 100, [0, 50, 100], [5.0, 3.5, 2.9], None),
        }
    ).assign(val_loss_se=0.01, eval_batches=8)
    table = A.speedups(curves, ["f20", "f50"], "f100", "adam").reset_index(drop=True)
    claims = {c.id: c for c in A.schedule_claims(table, "f100") + A.reach_claims(table, curves, "f100")}
    ids = [
        "focus-20pct-schedule-speedup",
        "focus-50pct-schedule-speedup",
        "focus-20pct-reaches-adam-50pct",
        "focus-50pct-reaches-adam-100pct",
    ]
    assert sorted(claims) == sorted(ids)
    for cid in ids:
        assert claims[cid].verdict == ("PASS" if paper_like else "FAIL"), (cid, claims[cid].ours)
    assert "eval-batch noise only" in claims["focus-20pct-reaches-adam-50pct"].uncertainty


def test_reach_claim_is_inconclusive_within_eval_noise():
    adam_steps = np.arange(0, 101, 10)
    curves = _curves_table(
        {
            "adam": ("adamw", 1e-3, 100, adam_steps, 5.0 - 0.02 * adam_steps, None),
            "f20": ("focus", 1e-3, 20, [0, 10, 20], [5.0, 4.5, 4.01], None),  # 0.01 above Adam's 4.0
            "f100": ("focus", 1e-3, 100, [0, 50, 100], [5.0, 3.5, 2.9], None),
        }
    ).assign(val_loss_se=0.05, eval_batches=8)
    table = A.speedups(curves, ["f20"], "f100", "adam").reset_index(drop=True)
    claim = {c.id: c for c in A.reach_claims(table, curves, "f100")}["focus-20pct-reaches-adam-50pct"]
    assert claim.verdict == "INCONCLUSIVE"


def test_final_loss_gaps_are_paired_over_the_same_eval_batches():
    # each run's loss varies by 0.05 from batch to batch, the same way for both runs (the same
    # validation windows): FOCUS 0.03 below Adam on every batch
    windows = [0.0, 0.05, -0.05, 0.1, -0.1, 0.02, -0.02, 0.0]
    summaries = {name: _with_se(s, 0.02) for name, s in _paper_like_summaries().items()}
    summaries["adam-low"]["final_val_loss"] = 2.93
    summaries["focus"]["final_val_batch_losses"] = [2.90 + w for w in windows]
    summaries["adam-low"]["final_val_batch_losses"] = [2.93 + w + 0.001 * (-1) ** k for k, w in enumerate(windows)]
    claim = {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["focus-beats-adam"]
    assert claim.verdict == "PASS" and "paired eval batches" in claim.uncertainty
    # the same s.e. unpaired (hypot(0.02, 0.02) = 0.028 against a gap of 0.03): inconclusive
    for name in ("focus", "adam-low"):
        del summaries[name]["final_val_batch_losses"]
    assert {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["focus-beats-adam"].verdict == (
        "INCONCLUSIVE"
    )
    # paired, but FOCUS above Adam on every batch: FAIL
    summaries["focus"]["final_val_batch_losses"] = [2.96 + w for w in windows]
    summaries["adam-low"]["final_val_batch_losses"] = [2.93 + w for w in windows]
    summaries["focus"]["final_val_loss"] = 2.96
    assert {c.id: c for c in A.adam_claims(None, summaries, ADAM_RUNS, "focus")}["focus-beats-adam"].verdict == "FAIL"
