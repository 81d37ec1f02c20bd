"""The MNIST batch-size scan (FOCUS spec section 3): the vectorised BatchNorm MLPs against a
plain per-network torch.nn loop with torch's AdamW and physlearn's FOCUS, the batches, the
metric, the improvement and its error, the claims, and the figures of the tiny run."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn as nn
from snakemake.utils import validate

from physlearn.claims import read_claims
from physlearn.focus.mnist import analysis as A
from physlearn.focus.mnist import scan as scan_module
from physlearn.focus.mnist.model import BatchedMLP
from physlearn.focus.mnist.scan import (
    MnistScan,
    Optimizers,
    batch_indices,
    check_scan_config,
    lr_chunks,
    train_batch_size,
)
from physlearn.optim import FOCUS

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one thread is fastest, and immune to OpenMP waiting on a busy core."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def section(**kw) -> dict:
    config = {"focus_mnist": copy.deepcopy(kw)}
    validate(config, str(SCHEMA), set_default=True)
    return config["focus_mnist"]


def small_scan(**kw) -> MnistScan:
    defaults = dict(
        steps=6,
        replicates=2,
        batch_sizes=[4],
        lr={"start": 1e-3, "stop": 3e-2, "num": 3, "scale": "log"},
        hidden=[16, 16],
        dtype="float64",
    )
    return MnistScan.from_config(section(**(defaults | kw)), seed=5)


def reference_network(model: BatchedMLP, k: int) -> nn.Sequential:
    """Network ``k`` of the batch as a plain torch.nn module with the same weights."""
    layers = []
    n = len(model.weight)
    for i in range(n):
        fan_in, fan_out = model.weight[i].shape[2], model.weight[i].shape[1]
        linear = nn.Linear(fan_in, fan_out).double()
        with torch.no_grad():
            linear.weight.copy_(model.weight[i][k])
            linear.bias.copy_(model.bias[i][k])
        layers += [nn.BatchNorm1d(fan_in).double(), linear] + ([nn.ReLU()] if i < n - 1 else [])
    return nn.Sequential(*layers)


def test_vectorised_networks_match_a_per_network_torch_loop():
    """Every (optimizer, replicate, lr) network, trained a few steps by the batched code,
    equals the same network trained alone with torch.nn, torch.optim.AdamW and FOCUS.

    The batch is large enough that no hidden unit is active on every example: for such a
    unit the bias gradient is exactly zero in exact arithmetic (the BatchNorm after the ReLU
    removes the mean), so its sign -- and Signum's step -- would be rounding noise that
    differs between any two implementations."""
    scan = small_scan()
    torch.manual_seed(0)
    x, y = torch.rand(64, 12, dtype=torch.float64), torch.randint(0, 5, (64,))
    G, R, L = len(scan.gammas), scan.replicates, len(scan.lr)
    model = BatchedMLP([12, 16, 16, 5], G, R, L, seed=5, dtype=torch.float64)
    opt = Optimizers(model, scan, scan.lr)
    refs = []
    for g, gamma in enumerate(scan.gammas):
        for r in range(R):
            for i, lr in enumerate(scan.lr):
                net = reference_network(model, (g * R + r) * L + i)
                decayed = [p for p in net.parameters() if p.ndim == 2]
                plain = [p for p in net.parameters() if p.ndim == 1]
                groups = [{"params": decayed, "weight_decay": 0.01}, {"params": plain, "weight_decay": 0.0}]
                o = (
                    torch.optim.AdamW(groups, lr=lr)
                    if gamma is None
                    else FOCUS(groups, lr=lr, betas=(0.9, 0.99), gamma=gamma)
                )
                refs.append((net, o, r))
    idx = [batch_indices(64, 32, scan.steps, 0, r) for r in range(R)]
    n_w = len(model.weight)
    for t in range(scan.steps):
        xb = torch.stack([x[idx[r][t]] for r in range(R)])
        yb = torch.stack([y[idx[r][t]] for r in range(R)])
        losses = model.losses(xb, yb)
        grads = torch.autograd.grad(losses.sum(), model.parameters())
        opt.step({"decayed": list(grads[:n_w]), "plain": list(grads[n_w:])})
        for k, (net, o, r) in enumerate(refs):
            o.zero_grad()
            loss = nn.functional.cross_entropy(net(x[idx[r][t]]), y[idx[r][t]])
            loss.backward()
            o.step()
            assert abs(loss.item() - losses[k].item()) < 1e-10, (t, k, scan.gammas[k // (R * L)])
    test_loss, test_acc = model.evaluate(x, y, chunk=23)
    for k, (net, _, r) in enumerate(refs):
        net.eval()
        with torch.no_grad():
            logits = net(x)
            assert abs(nn.functional.cross_entropy(logits, y).item() - test_loss[k].item()) < 1e-10
            assert abs((logits.argmax(1) == y).double().mean().item() - test_acc[k].item()) < 1e-12
        torch.testing.assert_close(net[1].weight, model.weight[0][k], rtol=0, atol=1e-10)
        torch.testing.assert_close(net[0].weight.expand(1, -1)[0], model.bn_weight[0][k], rtol=0, atol=1e-10)
        torch.testing.assert_close(net[3].running_var, model.running_var[1][k], rtol=0, atol=1e-10)
        torch.testing.assert_close(net[0].running_mean, model.running_mean[0][r], rtol=0, atol=1e-12)
    # the optimizers did move the networks apart
    assert len({round(v, 6) for v in test_loss.tolist()}) > len(refs) // 2


def test_replicates_share_nothing_but_settings_share_the_start():
    model = BatchedMLP([8, 4, 3], 2, 3, 2, seed=1)
    w = model.weight[0].view(2, 3, 2, 4, 8)
    assert torch.equal(w[0, 1, 0], w[1, 1, 1])  # same replicate, other optimizer and lr
    assert not torch.equal(w[0, 0, 0], w[0, 1, 0])  # other replicate
    bound = 1 / np.sqrt(8)
    assert w.abs().max() <= bound and w.abs().max() > 0.8 * bound  # torch.nn.Linear's init


def test_batches_walk_through_epochs():
    idx = batch_indices(10, 4, 5, seed=0, replicate=1)
    flat = idx.reshape(-1)
    assert idx.shape == (5, 4)
    assert sorted(flat[:10]) == list(range(10)) and sorted(flat[10:20]) == list(range(10))
    assert not np.array_equal(idx, batch_indices(10, 4, 5, seed=0, replicate=2))
    with pytest.raises(ValueError, match="focus_mnist.batch_sizes: batch size 11 exceeds the 10"):
        batch_indices(10, 11, 5, 0, 0)


def test_training_learns_and_records_divergence():
    rng = np.random.default_rng(0)
    centres = rng.integers(0, 17, (3, 16))
    labels = rng.integers(0, 3, 300)
    x = np.clip(centres[labels] + rng.integers(-2, 3, (300, 16)), 0, 16).astype(np.uint8)
    data = {
        "x_train": x[:240],
        "y_train": labels[:240].astype(np.uint8),
        "x_test": x[240:],
        "y_test": labels[240:].astype(np.uint8),
        "pixel_max": np.uint8(16),
    }
    scan = small_scan(steps=60, lr={"start": 1e-2, "stop": 1e7, "num": 2, "scale": "log"}, dtype="float32")
    out = train_batch_size(scan, data, 16, "cpu")
    assert out["test_loss"].shape == (4, 2, 2)
    assert (out["test_loss"][:, :, 0] < 0.3).all() and (out["test_accuracy"][:, :, 0] > 0.9).all()
    assert (out["test_loss"][:, :, 1] > 1.0).all() or not np.isfinite(out["test_loss"][:, :, 1]).all()


def test_lr_chunks_keep_a_chunk_activations_under_the_limit():
    limit = scan_module.CHUNK_ACTIVATION_BYTES
    # the paper scan: 12 networks per learning rate, width 128, float32
    assert lr_chunks(20, 12, 2, 128) == [slice(0, 20)]  # 12 KB per learning rate: one program
    assert len(lr_chunks(20, 12, 64, 128)) == 4  # 393 KB per learning rate: 5 a chunk
    assert lr_chunks(20, 12, 1024, 128) == [slice(i, i + 1) for i in range(20)]  # 6 MB: one a chunk
    for batch in (2, 16, 64, 128, 256, 1024):
        chunks = lr_chunks(20, 12, batch, 128)
        assert [i for c in chunks for i in range(c.start, c.stop)] == list(range(20))
        sizes = {c.stop - c.start for c in chunks}
        assert max(sizes) == 1 or max(sizes) * 12 * batch * 128 * 4 <= limit
    assert lr_chunks(7, 3, 8, 16, itemsize=8) == [slice(0, 7)]


def test_training_in_learning_rate_chunks_changes_no_network(monkeypatch):
    """Every network's path is the same whether its learning rate is trained with the others
    or in a chunk of its own (same initial weights and batches per replicate), to rounding:
    the batched products may sum in another order for another number of networks."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 17, (120, 16)).astype(np.uint8)
    labels = (x[:, 0] > 8).astype(np.uint8)
    data = {"x_train": x[:100], "y_train": labels[:100], "x_test": x[100:], "y_test": labels[100:]}
    data["pixel_max"] = np.uint8(16)
    scan = small_scan(steps=8, lr={"start": 1e-3, "stop": 1e-1, "num": 5, "scale": "log"})
    whole = train_batch_size(scan, data, 8, "cpu")
    monkeypatch.setattr(scan_module, "CHUNK_ACTIVATION_BYTES", 1)  # one learning rate a chunk
    assert len(lr_chunks(5, 8, 8, 16, itemsize=8)) == 5
    chunked = train_batch_size(scan, data, 8, "cpu")
    for name in whole:
        assert chunked[name].shape == (4, 2, 5)
        np.testing.assert_allclose(chunked[name], whole[name], rtol=1e-12, atol=0)
    # the learning rates do differ: a mix-up of chunks would show
    assert len(np.unique(whole["test_loss"][0, 0])) == 5


# ----------------------------------------------------------------------------------------
# The metric, the improvement and the claims


def runs_table(losses: dict[str, dict[int, list[list[float]]]]) -> pd.DataFrame:
    """losses[optimizer][batch] = per-lr lists of per-replicate test losses (lrs 1e-3, 1e-2)."""
    rows = []
    for opt, by_batch in losses.items():
        for batch, per_lr in by_batch.items():
            for lr, reps in zip((1e-3, 1e-2), per_lr):
                for r, v in enumerate(reps):
                    rows.append(
                        {
                            "optimizer": opt,
                            "batch_size": batch,
                            "replicate": r,
                            "lr": lr,
                            "test_loss": v,
                            "test_accuracy": 0.5,
                            "train_loss": v,
                            "diverged": not np.isfinite(v),
                        }
                    )
    return pd.DataFrame(rows)


def test_best_over_lr_counts_nan_as_100_and_takes_the_std_there():
    runs = runs_table({"adamw": {2: [[1.0, 2.0, 3.0], [np.nan, 0.1, 0.1]]}})
    best = A.best_over_lr(runs).iloc[0]
    # lr 1e-2 averages (100 + 0.1 + 0.1) / 3 = 33.4 > 2.0: lr 1e-3 wins
    assert best["best_lr"] == 1e-3 and best["mean_test_loss"] == pytest.approx(2.0)
    assert best["std_test_loss"] == pytest.approx(np.std([1.0, 2.0, 3.0]))
    assert best["sem_test_loss"] == pytest.approx(np.std([1.0, 2.0, 3.0], ddof=1) / np.sqrt(3))
    assert best["diverged_settings"] == 1 and best["diverged_at_best_lr"] == 0


def test_improvement_and_its_propagated_error():
    runs = runs_table({"adamw": {4: [[1.0, 1.2, 1.4], [9, 9, 9]]}, "focus-0": {4: [[0.8, 0.8, 0.8], [0.9, 0.5, 0.7]]}})
    imp = A.improvement(A.best_over_lr(runs)).iloc[0]
    la, sa, ls, ss = 1.2, np.std([1.0, 1.2, 1.4]), 0.7, np.std([0.9, 0.5, 0.7])
    assert imp["improvement"] == pytest.approx((la - ls) / la * 100)
    assert imp["improvement_error"] == pytest.approx(100 * ls / la * np.sqrt((ss / ls) ** 2 + (sa / la) ** 2))
    ea, es = np.std([1.0, 1.2, 1.4], ddof=1) / np.sqrt(3), np.std([0.9, 0.5, 0.7], ddof=1) / np.sqrt(3)
    assert imp["improvement_se"] == pytest.approx(100 * ls / la * np.sqrt((es / ls) ** 2 + (ea / la) ** 2))
    assert imp["replicates"] == 3


def paper_like(i_by_batch: dict[int, float], sem: float = 0.003, replicates: int = 3) -> pd.DataFrame:
    """A best-loss table whose Signum improvement is ``i_by_batch`` (percent), each mean loss
    with standard error ``sem`` over ``replicates``."""
    rows = []
    for b, i in i_by_batch.items():
        for opt, loss in (("adamw", 1.0), ("focus-0", 1.0 - i / 100)):
            rows.append(
                {
                    "optimizer": opt,
                    "batch_size": b,
                    "mean_test_loss": loss,
                    "std_test_loss": 0.01,
                    "sem_test_loss": sem,
                    "replicates": replicates,
                }
            )
    return pd.DataFrame(rows)


PAPER = {2: 19, 4: 18, 8: 10, 16: 1, 32: 0, 64: -1, 128: -6, 256: -8, 4096: -10}


def test_the_paper_numbers_pass_every_claim():
    best = paper_like(PAPER)
    claims = A.improvement_claims(A.improvement(best)) + A.loss_claims(best)
    assert len(claims) == 8 and all(c.passed for c in claims), [c for c in claims if not c.passed]


def test_the_opposite_fails_every_claim():
    best = paper_like({b: -i if i else 9 for b, i in PAPER.items()})
    claims = A.improvement_claims(A.improvement(best)) + A.loss_claims(best)
    # FAIL, not merely short of PASS: an INCONCLUSIVE here would mean the wrong result is not refuted
    assert len(claims) == 8 and all(c.passed is False for c in claims), [(c.id, c.verdict) for c in claims]


def test_falling_improvement_needs_a_deficit_at_large_batches():
    # Signum ahead at both ends (+10%, +3%): its advantage does not turn into a deficit
    claims = {c.id: c for c in A.improvement_claims(A.improvement(paper_like({2: 10, 128: 3})))}
    assert not claims["improvement-falls-with-batch-size"].passed
    claims = {c.id: c for c in A.improvement_claims(A.improvement(paper_like({2: 10, 128: -3})))}
    assert claims["improvement-falls-with-batch-size"].passed


def test_claims_cover_only_the_scanned_batch_sizes():
    claims = A.improvement_claims(A.improvement(paper_like({2: 19, 32: 0})))
    assert [c.id for c in claims] == ["improvement-batch-2", "improvement-near-zero-16-64"]


def claims_of(i_by_batch: dict[int, float], sem: float = 0.003, replicates: int = 3) -> dict:
    best = paper_like(i_by_batch, sem, replicates)
    return {c.id: c for c in A.improvement_claims(A.improvement(best)) + A.loss_claims(best)}


def test_point_claims_decide_on_the_interval():
    # I = +10 with s.e. ~0.4 (95% t interval at 3 replicates +- 1.8) at batch 8: inside 5..15; I = +3 (a
    # small real effect) is not "about 10%"
    assert claims_of({8: 10})["improvement-batch-8"].verdict == "PASS"
    assert claims_of({8: 3})["improvement-batch-8"].verdict == "FAIL"
    # no improvement at all, measured precisely, fails; measured noisily, it is not a pass
    assert claims_of({8: 0})["improvement-batch-8"].verdict == "FAIL"
    assert claims_of({8: 5}, sem=0.05)["improvement-batch-8"].verdict == "INCONCLUSIVE"
    # batch 4: +9.2 with an error bar of several points straddles the band's edge at 10
    assert claims_of({4: 9.2}, sem=0.03)["improvement-batch-4"].verdict == "INCONCLUSIVE"
    assert claims_of({4: 0}, sem=0.01)["improvement-batch-4"].verdict == "FAIL"
    claim = claims_of({4: 18})["improvement-batch-4"]
    assert claim.passed and "s.e. over 3 replicates" in claim.uncertainty


def test_one_replicate_gives_pass_or_fail_and_says_so():
    claim = claims_of({8: 9}, sem=np.nan, replicates=1)["improvement-batch-8"]
    assert claim.verdict == "PASS" and claim.uncertainty == "one replicate; no interval"
    assert claims_of({8: 1}, sem=np.nan, replicates=1)["improvement-batch-8"].verdict == "FAIL"


def test_near_zero_and_large_batch_claims_use_the_intervals():
    assert claims_of({16: 1, 32: -2, 64: 0})["improvement-near-zero-16-64"].verdict == "PASS"
    # Signum 15% ahead at 32 is not "about the same"
    assert claims_of({16: 1, 32: 15, 64: 0})["improvement-near-zero-16-64"].verdict == "FAIL"
    # error bars of 20 points can neither confirm nor refute |I| <= 5
    assert claims_of({16: 12, 32: -3, 64: -11}, sem=0.1)["improvement-near-zero-16-64"].verdict == "INCONCLUSIVE"
    assert claims_of({128: -7, 256: -8})["improvement-negative-large-batches"].verdict == "PASS"
    # Signum ahead at large batches (the reversed order) fails; a tie is not AdamW ahead
    assert claims_of({128: 7, 256: 8})["improvement-negative-large-batches"].verdict == "FAIL"
    assert claims_of({128: 0, 256: -8}, sem=0.0)["improvement-negative-large-batches"].verdict == "FAIL"
    assert claims_of({128: -12, 256: -15}, sem=0.1)["improvement-negative-large-batches"].verdict == "INCONCLUSIVE"


def test_falling_improvement_needs_significant_ends():
    assert claims_of({2: 19, 4: 18, 8: 10, 128: -6})["improvement-falls-with-batch-size"].verdict == "PASS"
    # means of the right signs but each within its noise (the audit's +0.8% vs -12%): not a pass
    noisy = claims_of({2: -12, 4: 9, 8: 5, 128: -12}, sem=0.08)["improvement-falls-with-batch-size"]
    assert noisy.verdict == "INCONCLUSIVE"
    # rising with batch size fails
    assert claims_of({2: -5, 128: 5})["improvement-falls-with-batch-size"].verdict == "FAIL"
    # the audit's shape: the largest I at batch 16, not at the small batches
    peak_mid = claims_of({2: 1, 4: 1, 8: 1, 16: 12, 32: 12, 64: 12, 128: -8})["improvement-falls-with-batch-size"]
    assert peak_mid.verdict == "FAIL"


def test_loss_claims_decide_on_the_difference_interval():
    assert claims_of({2: 19, 4: 18, 128: -6})["signum-wins-small-batches"].verdict == "PASS"
    assert claims_of({2: -19, 4: 18})["signum-wins-small-batches"].verdict == "FAIL"
    assert claims_of({2: 1, 4: 18}, sem=0.02)["signum-wins-small-batches"].verdict == "INCONCLUSIVE"
    assert claims_of({128: -6, 256: -8})["adam-wins-large-batches"].verdict == "PASS"
    assert claims_of({128: 6, 256: -8})["adam-wins-large-batches"].verdict == "FAIL"
    # margins of about 1 s.e. (the audit's 0.015 and 0.018 with 3 replicates): inconclusive
    assert claims_of({128: -1.5, 256: -1.8}, sem=0.012)["adam-wins-large-batches"].verdict == "INCONCLUSIVE"
    claim = claims_of({128: -6})["adam-wins-large-batches"]
    assert "s.e. over 3 replicates" in claim.uncertainty


def test_scan_config_checks():
    base = section()
    check_scan_config(base)
    for key, value, match in (("gammas", [0.2, 0.4], "must include 0"), ("gammas", [0, 0], "repeat")):
        bad = copy.deepcopy(base)
        bad["focus"][key] = value
        with pytest.raises(ValueError, match=f"focus_mnist.focus.gammas: .*{match}"):
            check_scan_config(bad)


def test_configs_scan_the_paper_grid_at_paper_scale():
    import yaml

    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    validate(paper, str(SCHEMA), set_default=True)
    scan = MnistScan.from_config(paper["focus_mnist"], 0)
    assert scan.batch_sizes == tuple(2**k for k in range(1, 13)) and scan.steps == 400 and scan.replicates == 3
    np.testing.assert_allclose(scan.lr, 10 ** np.linspace(-4, 0, 20))
    assert scan.hidden == (128,) * 5 and scan.optimizers == ["adamw", "focus-0", "focus-0.2", "focus-0.4"]
    assert scan.focus["beta2"] == 0.99 and scan.weight_decay == 0.01 and paper["data"]["vision"]["source"] == "mnist"


# ----------------------------------------------------------------------------------------
# The tiny end-to-end run (tests/conftest.py)


@pytest.mark.slow
def test_tiny_run_makes_fig_2c_and_2d_with_claims(tiny_run: Path):
    figures = tiny_run / "results/figures/focus"
    for panel, figure in (("loss", "Fig. 2c"), ("improvement", "Fig. 2d")):
        for ext in ("pdf", "png"):
            assert (figures / f"mnist_{panel}.{ext}").stat().st_size > 1000
        doc = read_claims(figures / f"mnist_{panel}.claims.json")
        assert doc["figure"] == figure and doc["config"]["dataset"] == "scikit-learn 8x8 digits"
        assert "8x8 digits" in doc["title"] and doc["claims"]
        assert len(pd.read_csv(figures / f"mnist_{panel}.csv")) > 0
    runs = pd.read_csv(tiny_run / "results/focus/mnist/digits/runs.csv")
    assert len(runs) == 4 * 3 * 3 * 2  # optimizers x batch sizes x lrs x replicates
    sidecar = json.loads((tiny_run / "results/data/vision/digits.npz.json").read_text())
    assert sidecar["dataset"] == "scikit-learn 8x8 digits" and len(sidecar["file"]["sha256"]) == 64


def test_job_resources_follow_the_network_sizes():
    """6 FLOPs per weight, example, network and step; 8 float32 activations per unit."""
    from physlearn.focus.mnist.resources import job_resources, job_size

    section = {
        "hidden": [4],
        "lr": {"start": 1e-3, "stop": 1e-1, "num": 2},
        "focus": {"gammas": [0.2]},
        "replicates": 3,
        "steps": 10,
        "threads": 1,
    }
    weights = 64 * 4 + 4 * 10
    networks = (1 + 1) * 3 * 2  # (AdamW + one FOCUS gamma) x replicates x learning rates
    flops, memory = job_size(section, "digits", batch=8)
    assert flops == 6 * networks * 8 * weights * 10
    assert memory == 8 * 4 * (networks * 8 * (4 + 10) + 3 * 8 * 64)
    assert job_size(section, "mnist", batch=8)[0] > flops  # 784 pixels
    assert job_resources(section, "digits", 8) == {"runtime": 1, "mem_mb": 2000}
    # runtime: start-up + network-steps x their per-weight cost + FLOPs x the cost of one, in minutes
    from physlearn.focus.mnist.resources import FLOP_SECONDS, WEIGHT_STEP_SECONDS, job_seconds
    from physlearn.resources import STARTUP_SECONDS

    assert job_seconds(section, "digits", 8) == pytest.approx(
        STARTUP_SECONDS + WEIGHT_STEP_SECONDS * weights * networks * 10 + FLOP_SECONDS * flops
    )
    paper = dict(section, hidden=[128] * 5, replicates=3, steps=400, lr={"num": 20})
    big = job_resources(paper, "mnist", 4096)
    assert big["runtime"] > job_resources(paper, "mnist", 64)["runtime"] > 1 and big["mem_mb"] > 2000


# --------------------------------------------------------------------------------------
# The bootstrap over replicates repeats the choice of the best learning rate.


def bootstrap_runs(signum_gap: float, lr_noise: float, replicates: int = 3, seed: int = 0) -> pd.DataFrame:
    """Made-up runs at batch 2 and 256: AdamW's loss 1.0 at every learning rate, Signum's
    ``1 - signum_gap`` at batch 2 and ``1 + signum_gap`` at 256, each replicate and learning
    rate with noise ``lr_noise``, replicates shared across optimizers and rates (plus 0.05)."""
    rng = np.random.default_rng(seed)
    rows = []
    for batch, sign in ((2, -1), (256, +1)):
        shared = 0.05 * rng.standard_normal(replicates)
        for opt in ("adamw", "focus-0"):
            for lr in (1e-3, 1e-2, 1e-1):
                for r in range(replicates):
                    base = 1.0 + (sign * signum_gap if opt == "focus-0" else 0.0)
                    loss = base + shared[r] + lr_noise * rng.standard_normal()
                    rows.append(
                        dict(optimizer=opt, batch_size=batch, replicate=r, lr=lr, test_loss=loss, test_accuracy=0.9)
                    )
    runs = pd.DataFrame(rows)
    runs["train_loss"], runs["diverged"] = runs["test_loss"], False
    return runs


def test_bootstrap_se_of_a_plain_mean_is_the_ddof1_se():
    values = np.array([1.0, 2.0, 4.0])
    rng = np.random.default_rng(0)
    draws = values[rng.integers(0, 3, size=(200_000, 3))].mean(-1)
    assert A.bootstrap_se(draws, 3) == pytest.approx(values.std(ddof=1) / np.sqrt(3), rel=0.01)
    assert np.isnan(A.bootstrap_se(draws, 1))


def test_bootstrap_claims_pass_fail_and_say_how():
    runs = bootstrap_runs(signum_gap=0.2, lr_noise=0.01)
    best = A.best_over_lr(runs)
    draws = A.bootstrap_best(runs)
    assert set(draws) == {(o, b) for o in ("adamw", "focus-0") for b in (2, 256)}
    claims = {c.id: c for c in A.loss_claims(best, draws)}
    assert claims["signum-wins-small-batches"].verdict == "PASS"
    assert claims["adam-wins-large-batches"].verdict == "PASS"
    assert "best lr chosen anew" in claims["signum-wins-small-batches"].uncertainty
    imp = A.improvement(best, draws=draws)
    assert (imp["se_method"] == "bootstrap").all()
    assert "best lr chosen anew" in {c.id: c for c in A.improvement_claims(imp)}["improvement-batch-2"].uncertainty
    # the comparison flipped (AdamW ahead at batch 2, behind at 256): FAIL
    flipped = {
        c.id: c
        for c in A.loss_claims(*(lambda r: (A.best_over_lr(r), A.bootstrap_best(r)))(bootstrap_runs(-0.2, 0.01)))
    }
    assert flipped["signum-wins-small-batches"].verdict == "FAIL"
    assert flipped["adam-wins-large-batches"].verdict == "FAIL"


def test_bootstrap_sees_the_learning_rate_choice():
    # no difference between the optimizers, only noise per learning rate: the minimum over
    # learning rates picks the luckiest rate, and a resample may pick another; the bootstrap
    # interval of the difference straddles 0 (a tie is no win)
    runs = bootstrap_runs(signum_gap=0.0, lr_noise=0.05)
    claims = {c.id: c for c in A.loss_claims(A.best_over_lr(runs), A.bootstrap_best(runs))}
    assert claims["signum-wins-small-batches"].verdict in ("INCONCLUSIVE", "FAIL")
    assert claims["signum-wins-small-batches"].verdict != "PASS"
