"""The GPT stack (physlearn.gpt): the model, the trainer's pieces, divergence, resource
estimates, and a run killed with SIGKILL and resumed, bit-identical to an uninterrupted one.

Everything runs on the CPU with a tiny model and token files the tests write.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

from physlearn import checkpoint
from physlearn.gpt import batches
from physlearn.gpt.model import GPT, MODEL_SIZES, Block, GPTConfig, flops_per_token, model_config, pad_vocab
from physlearn.gpt.resources import GPU_STARTUP_SECONDS, training_flops, training_resources
from physlearn.gpt.train import DivergenceMonitor, TrainConfig, Trainer, lr_at, main, param_groups
from physlearn.resources import SAFETY
from physlearn.runtime import peak_flops

SRC = Path(__file__).resolve().parents[1] / "src"
VOCAB = 50


@pytest.fixture(scope="module")
def token_dir(tmp_path_factory) -> Path:
    """train.bin / val.bin / meta.json: a learnable sequence (steps of 1-3 mod VOCAB)."""
    path = tmp_path_factory.mktemp("tokens")
    rng = np.random.default_rng(0)
    tokens = (np.cumsum(rng.integers(1, 4, size=30_000)) % VOCAB).astype(np.uint16)
    tokens[:25_000].tofile(path / "train.bin")
    tokens[25_000:].tofile(path / "val.bin")
    (path / "meta.json").write_text(json.dumps({"vocab_size": VOCAB, "dtype": "uint16", "source": "test"}))
    return path


def run_settings(token_dir: Path, **overrides) -> dict:
    settings = {
        "data_dir": str(token_dir),
        "model": {"size": "tiny", "block_size": 32},
        "max_iters": 40,
        "warmup_iters": 5,
        "lr_decay_iters": 40,
        "lr": 3e-3,
        "min_lr": 3e-4,
        "batch_size": 8,
        "eval_interval": 20,
        "eval_batches": 2,
        "log_interval": 5,
        "checkpoint_interval": 20,
        "threads": 1,
        "device": "cpu",
    }
    settings.update(overrides)
    return settings


def tiny_config(**overrides) -> GPTConfig:
    return GPTConfig(**{**dict(n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=64), **overrides})


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    """The trainer sets torch's thread count (a run's setting); undo it after each test."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def read_log(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------------------
# Model


def test_shapes_and_initial_loss_is_uniform_guessing():
    torch.manual_seed(0)
    model = GPT(tiny_config())
    idx, targets = torch.randint(64, (3, 16)), torch.randint(64, (3, 16))
    logits, loss = model(idx, targets)
    assert logits.shape == (3, 16, 64)
    # Init N(0, 0.02): logits near 0, so the loss on random targets is close to ln(vocab).
    assert abs(loss.item() - math.log(64)) < 0.05
    last, no_loss = model(idx)
    assert last.shape == (3, 1, 64) and no_loss is None
    torch.testing.assert_close(last[:, 0], logits[:, -1])
    with pytest.raises(ValueError, match="longer than the context"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_token_embedding_and_output_weight_are_one_tensor():
    model = GPT(tiny_config())
    assert model.lm_head.weight is model.transformer.wte.weight
    names = [n for n, _ in model.named_parameters()]
    assert "transformer.wte.weight" in names and "lm_head.weight" not in names  # counted once
    expected = 64 * 32 + 16 * 32 + 2 * (2 * 32 + 32 * 96 + 32 * 32 + 32 * 128 + 128 * 32) + 32  # no biases
    assert model.num_params(non_embedding=False) == expected
    assert model.num_params() == expected - 16 * 32
    idx = torch.randint(64, (2, 16))
    model(idx, idx)[1].backward()
    assert model.lm_head.weight.grad is model.transformer.wte.weight.grad


def test_blocks_normalise_before_the_residual_add():
    # Pre-LN (GPT-2): x + attn(ln_1(x)) + mlp(ln_2(.)). With both output projections zero
    # the block is exactly the identity, whatever x's scale; a post-LN block would normalise x.
    block = Block(tiny_config(), 0).eval()
    with torch.no_grad():
        for proj in (block.attn.c_proj, block.mlp.c_proj):
            proj.weight.zero_()
    x = torch.cat([torch.ones(1, 1, 16), torch.full((1, 1, 16), 3.0)], -1)
    assert torch.equal(block(x), x)


def test_the_head_reads_the_final_layer_norm():
    model = GPT(tiny_config()).eval()
    seen = []
    model.lm_head.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    model(torch.randint(0, 64, (2, 16)), torch.randint(0, 64, (2, 16)))
    h = seen[0]  # ln_f at init (weight 1, no bias): zero mean, unit variance per position
    torch.testing.assert_close(h.mean(-1), torch.zeros(2, 16), atol=1e-5, rtol=0)
    assert h.var(-1, unbiased=False).min() > 0.9


def test_gpt2_small_size_and_flops():
    config = model_config({"size": "gpt2"})
    assert (config.n_layer, config.n_head, config.n_embd, config.block_size, config.vocab_size) == (
        12,
        12,
        768,
        1024,
        50304,
    )
    with torch.device("meta"):
        model = GPT(config)
    # nanoGPT's count for this configuration: 123.59M without the position embedding.
    assert model.num_params() == 123_587_328
    assert model.num_params(non_embedding=False) == 123_587_328 + 1024 * 768
    assert flops_per_token(config, model.num_params()) == 6 * 123_587_328 + 12 * 12 * 768 * 1024


def test_init_scales():
    torch.manual_seed(0)
    model = GPT(tiny_config(n_layer=8, n_embd=256, n_head=4, block_size=64, vocab_size=512))
    c_proj = torch.cat([p.flatten() for n, p in model.named_parameters() if n.endswith("c_proj.weight")])
    others = torch.cat(
        [p.flatten() for n, p in model.named_parameters() if p.dim() == 2 and not n.endswith("c_proj.weight")]
    )
    assert c_proj.std().item() == pytest.approx(0.02 / math.sqrt(2 * 8), rel=0.02)
    assert others.std().item() == pytest.approx(0.02, rel=0.02)
    assert all(torch.all(p == 1) for n, p in model.named_parameters() if p.dim() == 1)  # LayerNorm gains


def test_model_sizes_and_vocab_from_data():
    assert model_config({"size": "tiny"}, data_vocab_size=50).vocab_size == 64
    assert pad_vocab(50257) == 50304
    assert model_config({"size": "tiny", "n_layer": 3}, data_vocab_size=64).n_layer == 3
    with pytest.raises(ValueError, match="not one of"):
        model_config({"size": "huge"}, 10)
    with pytest.raises(ValueError, match=r"unknown model setting.*n_layers"):
        model_config({"size": "tiny", "n_layers": 3}, 10)
    with pytest.raises(ValueError, match="vocab_size is open"):
        model_config({"size": "tiny"})
    with pytest.raises(ValueError, match="50304"):
        model_config({"size": "gpt2"}, data_vocab_size=60_000)
    assert set(MODEL_SIZES) >= {"tiny", "gpt2"}


@pytest.mark.parametrize("scale_by_layer", [False, True])
def test_flash_attention_matches_spelled_out_attention(scale_by_layer):
    torch.manual_seed(0)
    flash = GPT(tiny_config(n_layer=3, attn_scale_by_layer=scale_by_layer))
    manual = GPT(tiny_config(n_layer=3, attn_scale_by_layer=scale_by_layer, flash=False))
    manual.load_state_dict(flash.state_dict())
    idx = torch.randint(64, (2, 16))
    torch.testing.assert_close(flash(idx, idx)[0], manual(idx, idx)[0], rtol=1e-5, atol=1e-5)


def test_attention_scaling_by_layer():
    torch.manual_seed(0)
    plain = GPT(tiny_config(n_layer=3))
    scaled = GPT(tiny_config(n_layer=3, attn_scale_by_layer=True))
    scaled.load_state_dict(plain.state_dict())
    head_dim = 32 // 2
    assert [b.attn.scale for b in scaled.transformer.h] == [1 / (math.sqrt(head_dim) * k) for k in (1, 2, 3)]
    assert all(b.attn.scale == 1 / math.sqrt(head_dim) for b in plain.transformer.h)
    idx = torch.randint(64, (2, 16))
    assert not torch.allclose(plain(idx, idx)[0], scaled(idx, idx)[0])
    # One layer: layer 0 divides by 1, so nothing changes.
    one, one_scaled = GPT(tiny_config(n_layer=1)), GPT(tiny_config(n_layer=1, attn_scale_by_layer=True))
    one_scaled.load_state_dict(one.state_dict())
    assert torch.equal(one(idx, idx)[0], one_scaled(idx, idx)[0])


def test_output_head_hook():
    assert GPT(tiny_config(head="harmonic")).lm_head.weight is not None  # built (tests/test_harmonic_gpt.py)
    with pytest.raises(ValueError, match="output head 'nope'"):
        GPT(tiny_config(head="nope"))

    class UniformHead(nn.Module):
        """Normalised log-probabilities (all equal): the loss is exactly ln(vocab)."""

        def forward(self, h):
            return torch.full((*h.shape[:2], 64), -math.log(64))

    model = GPT(tiny_config(), head=UniformHead())
    idx = torch.randint(64, (2, 16))
    assert model(idx, idx)[1].item() == pytest.approx(math.log(64), abs=1e-6)


# --------------------------------------------------------------------------------------
# Trainer pieces


def test_weight_decay_only_on_matrices():
    model = GPT(tiny_config(bias=True))
    decay, no_decay = param_groups(model, 0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decay["params"])
    # LayerNorm gains, all biases, and the embedding tables:
    assert all(
        p.dim() == 1 or n.endswith(("wte.weight", "wpe.weight")) for n, p in zip(no_decay["names"], no_decay["params"])
    )
    assert any(n.endswith(".bias") for n in no_decay["names"])
    # The authors' nanoGPT: Linear weights only, not the (tied) embedding tables.
    assert {"transformer.wte.weight", "transformer.wpe.weight"} <= set(no_decay["names"])
    assert set(decay["names"]) == {n for n, p in model.named_parameters() if p.dim() == 2} - {
        "transformer.wte.weight",
        "transformer.wpe.weight",
    }
    decay_all, _ = param_groups(model, 0.1, decay_embeddings=True)
    assert {"transformer.wte.weight", "transformer.wpe.weight"} <= set(decay_all["names"])
    # Every parameter exactly once.
    ids = [id(p) for g in (decay, no_decay) for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in model.parameters()) and len(set(ids)) == len(ids)


def test_lr_schedule_at_key_steps():
    # lr 1, min 0.1, warmup 4, decay to step 12:
    #   warmup: (it+1)/5 -> 0.2 at it 0, 0.8 at it 3
    #   cosine: 0.1 + 0.9 * 0.5 * (1 + cos(pi * (it - 4) / 8)): 1.0 at it 4, 0.55 at it 8, 0.1 at it 12
    #   flat: 0.1 after
    cfg = TrainConfig(data_dir="-", lr=1.0, min_lr=0.1, warmup_iters=4, lr_decay_iters=12)
    expected = {
        0: 0.2,
        1: 0.4,
        3: 0.8,
        4: 1.0,
        6: 0.1 + 0.45 * (1 + math.cos(math.pi / 4)),
        8: 0.55,
        12: 0.1,
        13: 0.1,
        1000: 0.1,
    }
    for it, lr in expected.items():
        assert lr_at(it, cfg) == pytest.approx(lr, rel=1e-12), it
    no_warmup = TrainConfig(data_dir="-", lr=1.0, min_lr=0.0, warmup_iters=0, lr_decay_iters=10)
    assert lr_at(0, no_warmup) == 1.0 and lr_at(5, no_warmup) == pytest.approx(0.5) and lr_at(10, no_warmup) == 0.0


def test_config_errors_name_the_setting():
    with pytest.raises(ValueError, match=r"unknown training setting.*max_iter\b"):
        TrainConfig.from_dict({"data_dir": "-", "max_iter": 5})
    with pytest.raises(ValueError, match="optimizer='sgd'"):
        TrainConfig.from_dict({"data_dir": "-", "optimizer": "sgd"})
    with pytest.raises(ValueError, match="lr_decay_iters"):
        TrainConfig.from_dict({"data_dir": "-", "warmup_iters": 10, "lr_decay_iters": 5})


def test_windows_and_fixed_eval_batches(token_dir):
    windows = batches.RandomWindows(token_dir / "train.bin", 32, seed=1)
    assert windows.n_windows == 25_000 - 32
    state = windows.state_dict()
    x, y = windows.next_batch(4, torch.device("cpu"))
    assert x.shape == y.shape == (4, 32) and x.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])  # targets are the next tokens
    # the first and the last window, token for token
    tokens = torch.from_numpy(np.fromfile(token_dir / "train.bin", dtype=np.uint16).astype(np.int64))
    n = batches.window_count(token_dir / "train.bin", 32)
    ends_x, ends_y = batches.read_windows(token_dir / "train.bin", torch.tensor([0, n - 1]), 32, torch.device("cpu"))
    assert torch.equal(ends_x[0], tokens[:32]) and torch.equal(ends_y[0], tokens[1:33])
    assert torch.equal(ends_x[1], tokens[-33:-1]) and torch.equal(ends_y[1], tokens[-32:])
    windows.load_state_dict(state)
    x2, _ = windows.next_batch(4, torch.device("cpu"))
    assert torch.equal(x, x2)  # the data position is the generator state
    a = batches.fixed_offsets(token_dir / "val.bin", 32, 3, 4, seed=0)
    assert a.shape == (3, 4) and torch.equal(a, batches.fixed_offsets(token_dir / "val.bin", 32, 3, 4, seed=0))
    assert int(a.max()) < 5_000 - 32


def test_missing_sidecar_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="meta.json"):
        batches.load_meta(tmp_path)


def test_atomic_save_keeps_the_old_checkpoint_on_failure(tmp_path):
    path = tmp_path / "ckpt.pt"
    checkpoint.save_atomic({"step": 1}, path)
    with pytest.raises(Exception):
        checkpoint.save_atomic({"step": 2, "bad": lambda: None}, path)  # cannot be pickled
    assert checkpoint.load(path) == {"step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary left behind


def test_divergence_monitor():
    monitor = DivergenceMonitor(max_loss=10.0, max_rise=1.0)
    assert monitor.update(5.0) is None and monitor.update(4.0) is None
    assert "nan" in monitor.update(float("nan"))
    assert "exceeds 10" in DivergenceMonitor(10.0, None).update(11.0)
    rising = DivergenceMonitor(100.0, 1.0)
    reasons = [rising.update(3.0 + 0.2 * k) for k in range(60)]  # a steady climb
    first = next(k for k, r in enumerate(reasons) if r)
    assert "rose" in reasons[first] and 5 < first < 20
    # one low batch lowers the running mean only by a tenth of its dip: 5, 1, 5 is no rise
    noisy = DivergenceMonitor(100.0, 1.0)
    assert [noisy.update(v) for v in (5.0, 1.0, 5.0)] == [None, None, None]
    assert noisy.state_dict() == pytest.approx({"running": 4.64, "lowest": 4.6})


def test_trainer_step_clips_accumulates_and_evaluates_on_val(token_dir, tmp_path, monkeypatch):
    settings = run_settings(token_dir, grad_clip=0.01, model={"size": "tiny", "block_size": 32, "dropout": 0.5})
    trainer = Trainer(TrainConfig.from_dict(settings), tmp_path)
    assert trainer.monitor.max_loss == pytest.approx(1.5 * math.log(VOCAB))  # the default ceiling
    # clipping: the optimizer sees the gradient scaled to norm grad_clip
    norms = []
    trainer.optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: norms.append(
            torch.linalg.vector_norm(
                torch.stack([p.grad.norm() for p in trainer.model.parameters() if p.grad is not None])
            ).item()
        )
    )
    _, grad_norm = trainer.train_step(0)
    assert grad_norm > 0.01 and norms == [pytest.approx(0.01, rel=1e-4)]
    # evaluation: the validation windows, dropout off (twice the same), training mode after
    read = []
    read_windows = batches.read_windows
    monkeypatch.setattr(
        batches, "read_windows", lambda path, *a: read.append(Path(path).name) or read_windows(path, *a)
    )
    assert trainer.evaluate() == trainer.evaluate()
    assert read == ["val.bin"] * 4 and trainer.model.training


def test_gradient_accumulation_is_one_big_batch(token_dir, tmp_path):
    # 2 micro-batches of 4 draw the same 8 windows as one batch of 8: the same step
    big = Trainer(TrainConfig.from_dict(run_settings(token_dir, batch_size=8)), tmp_path / "big")
    accumulated = Trainer(TrainConfig.from_dict(run_settings(token_dir, batch_size=4, grad_accum=2)), tmp_path / "acc")
    assert accumulated.tokens_per_step == big.tokens_per_step
    for it in range(2):
        assert accumulated.train_step(it) == pytest.approx(big.train_step(it), rel=1e-5)


def test_resume_restores_the_divergence_monitor(token_dir, tmp_path):
    first = Trainer(TrainConfig.from_dict(run_settings(token_dir, max_iters=20)), tmp_path)
    first.run()
    again = Trainer(TrainConfig.from_dict(run_settings(token_dir, max_iters=30)), tmp_path)
    assert again.try_resume() and again.monitor.state_dict() == first.monitor.state_dict()
    assert first.monitor.running is not None


# --------------------------------------------------------------------------------------
# Whole runs


@pytest.mark.parametrize("optimizer", ["adamw", "signum", "focus"])
def test_short_run_learns(token_dir, tmp_path, optimizer):
    lr = 3e-3 if optimizer == "adamw" else 1e-3
    cfg = TrainConfig.from_dict(
        run_settings(token_dir, optimizer=optimizer, lr=lr, min_lr=lr / 10, betas=[0.9, 0.99], weight_decay=0.1)
    )
    summary = Trainer(cfg, tmp_path).run()
    rows = read_log(tmp_path / "log.csv")
    assert list(rows[0]) == [
        "step",
        "tokens",
        "train_loss",
        "val_loss",
        "lr",
        "grad_norm",
        "time",
        "diverged",
        "val_loss_se",
    ]
    assert [int(r["step"]) for r in rows] == list(range(0, 41, 5))
    assert rows[0]["train_loss"] == "" and float(rows[0]["val_loss"]) == pytest.approx(math.log(64), abs=0.1)
    assert [r["val_loss"] != "" for r in rows] == [True, False, False, False, True, False, False, False, True]
    assert int(rows[-1]["tokens"]) == 40 * 8 * 32
    assert summary["status"] == "completed" and not summary["diverged"]
    assert summary["final_val_loss"] < float(rows[0]["val_loss"]) - 0.5
    # the final evaluation's loss per eval batch and its standard error (FOCUS Fig. 3's interval)
    per_batch = np.array(summary["final_val_batch_losses"])
    assert len(per_batch) == cfg.eval_batches and per_batch.mean() == pytest.approx(summary["final_val_loss"], rel=1e-5)
    se = per_batch.std(ddof=1) / math.sqrt(len(per_batch))
    assert summary["final_val_loss_se"] == pytest.approx(se, rel=1e-4)
    assert float(rows[-1]["val_loss_se"]) == pytest.approx(se, rel=1e-4)
    assert [r["val_loss_se"] != "" for r in rows] == [r["val_loss"] != "" for r in rows]
    assert (tmp_path / "model.pt").exists() and (tmp_path / "ckpt.pt").exists()


def test_absurd_learning_rate_is_marked_diverged_and_writes_outputs(token_dir, tmp_path):
    settings = run_settings(token_dir, optimizer="signum", lr=50.0, min_lr=5.0, warmup_iters=0)
    config_file = tmp_path / "run.json"
    config_file.write_text(json.dumps(settings))
    out = tmp_path / "out"
    assert main(["--config", str(config_file), "--out", str(out)]) == 0

    def no_nan(constant):
        raise AssertionError(f"summary.json is not strict JSON: {constant}")

    summary = json.loads((out / "summary.json").read_text(), parse_constant=no_nan)
    assert summary["diverged"] and summary["status"] == "diverged"
    step = summary["diverged_step"]
    assert 1 <= step < 40 and summary["steps"] == step
    rows = read_log(out / "log.csv")
    assert rows[-1]["step"] == str(step) and rows[-1]["diverged"] == "1"
    assert all(r["diverged"] == "0" for r in rows[:-1])
    assert (out / "model.pt").exists()
    # A rerun finds the finished run in its checkpoint: no training, the same outputs.
    before = (out / "log.csv").read_text()
    assert main(["--config", json.dumps(settings), "--out", str(out)]) == 0
    assert (out / "log.csv").read_text() == before
    assert json.loads((out / "summary.json").read_text())["diverged_step"] == step


def test_checkpoint_of_other_settings_is_not_resumed(token_dir, tmp_path):
    Trainer(TrainConfig.from_dict(run_settings(token_dir, max_iters=20)), tmp_path).run()
    summary = Trainer(TrainConfig.from_dict(run_settings(token_dir, max_iters=20, lr=1e-3)), tmp_path).run()
    assert summary["resumed_from"] == [] and summary["steps"] == 20
    # Bookkeeping settings do not define the run: this one resumes and trains 10 steps more.
    summary = Trainer(
        TrainConfig.from_dict(run_settings(token_dir, max_iters=30, lr=1e-3, log_interval=1)), tmp_path
    ).run()
    assert summary["resumed_from"] == [20] and summary["steps"] == 30


def _start(settings: dict, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    log = open(out.parent / f"{out.name}.log", "ab")
    return subprocess.Popen(
        [sys.executable, "-m", "physlearn.gpt.train", "--config", json.dumps(settings), "--out", str(out)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


def test_sigkill_and_resume_is_bit_identical(token_dir, tmp_path):
    # Dropout on, so the resumed run must restore the torch RNG, not only the data position.
    settings = run_settings(
        token_dir,
        max_iters=200,
        warmup_iters=20,
        lr_decay_iters=200,
        checkpoint_interval=40,
        eval_interval=50,
        log_interval=10,
        batch_size=4,
        model={"size": "tiny", "n_embd": 32, "block_size": 16, "dropout": 0.1},
    )
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    victim = _start(settings, killed)
    deadline = time.monotonic() + 60
    while not (killed / "ckpt.pt").exists():
        assert victim.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within 60 s"
        time.sleep(0.01)
    time.sleep(0.15)  # mid-way between checkpoints
    victim.send_signal(signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL
    assert not (killed / "summary.json").exists(), "the run finished before the kill: make it longer"
    killed_at = checkpoint.load(killed / "ckpt.pt")["step"]
    assert 40 <= killed_at < 200

    (killed / ".ckpt.pt.tmp-999999").write_bytes(b"half a checkpoint")  # as a kill mid-write leaves

    # The rerun, as the workflow would start it; meanwhile the uninterrupted run, in this process.
    rerun = _start(settings, killed)
    Trainer(TrainConfig.from_dict(settings), whole).run()
    assert rerun.wait(timeout=120) == 0

    a, b = (json.loads((d / "summary.json").read_text()) for d in (whole, killed))
    assert b["resumed_from"] == [killed_at] and a["resumed_from"] == []
    assert not (killed / ".ckpt.pt.tmp-999999").exists()
    # To the last bit: the same floats, the same weights, the same log (but for the times).
    assert float(b["final_train_loss"]).hex() == float(a["final_train_loss"]).hex()
    assert float(b["final_val_loss"]).hex() == float(a["final_val_loss"]).hex()
    wa, wb = (checkpoint.load(d / "model.pt")["model"] for d in (whole, killed))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    assert strip(read_log(whole / "log.csv")) == strip(read_log(killed / "log.csv"))


# --------------------------------------------------------------------------------------
# Resources for the Snakemake rules


def test_runtime_is_tokens_times_flops_over_throughput():
    # GPT-2 small, the paper's run: 100k steps x 480 x 1024 tokens; eval every 1000 steps on
    # 200 batches of 12.
    run = {
        "data_dir": "-",
        "model": {"size": "gpt2"},
        "max_iters": 100_000,
        "batch_size": 12,
        "grad_accum": 40,
        "eval_interval": 1000,
        "eval_batches": 200,
        "warmup_iters": 2000,
        "lr_decay_iters": 100_000,
    }
    per_token = 6 * 123_587_328 + 12 * 12 * 768 * 1024
    train_tokens = 100_000 * 480 * 1024
    eval_tokens = 102 * 200 * 12 * 1024
    assert training_flops(run) == pytest.approx(per_token * (train_tokens + eval_tokens / 3), rel=1e-12)
    assert training_flops(run) == pytest.approx(4e19, rel=0.15)  # the spec's estimate
    res = training_resources(run, flops_per_second=4e14, gpu=True)
    hours = training_flops(run) / 4e14 / 3600
    # start-up + FLOPs / throughput, with physlearn.resources' margin, in whole minutes
    assert res["gpu"] == 1 and res["runtime"] == math.ceil(SAFETY * (GPU_STARTUP_SECONDS / 60 + hours * 60))
    assert 4000 < res["mem_mb"] < 16000
    tiny = {"data_dir": "-", "model": {"size": "tiny"}, "max_iters": 100}
    cpu = training_resources(tiny, flops_per_second=1e10, gpu=False, vocab_size=VOCAB)
    assert cpu["gpu"] == 0 and cpu["runtime"] >= 1 and cpu["mem_mb"] >= 1500
    assert peak_flops("NVIDIA H100 80GB HBM3", "bf16") == 989e12
    assert peak_flops("NVIDIA H100 PCIe", "bf16") == 756e12 and peak_flops("Some GPU", "bf16") is None


# --------------------------------------------------------------------------------------
# On a GPU (skipped without one): bf16 autocast and fp16 with a grad scaler, and a resume


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none")
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_cuda_run_and_resume(token_dir, tmp_path, precision):
    settings = run_settings(token_dir, device="cuda", precision=precision, max_iters=40)
    summary = Trainer(TrainConfig.from_dict(settings), tmp_path).run()
    assert summary["device"].startswith("cuda") and summary["precision"] == precision
    assert summary["final_val_loss"] < math.log(64) - 0.5
    longer = Trainer(TrainConfig.from_dict({**settings, "max_iters": 60}), tmp_path).run()
    assert longer["resumed_from"] == [40] and longer["steps"] == 60
