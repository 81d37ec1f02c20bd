"""The GPT output heads of the harmonic-loss paper (harmonic spec sections 1 and 5): the
harmonic head against its formula written out in float64 numpy, the 1% uniform mix of both
heads' losses, and a short training run of a harmonic GPT."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from physlearn.gpt.model import GPT, GPTConfig, HarmonicHead, LinearHead, mix_uniform, uniform_mix_cross_entropy
from physlearn.gpt.train import TrainConfig, Trainer


def tiny_config(**overrides) -> GPTConfig:
    return GPTConfig(**{**dict(n_layer=1, n_head=2, n_embd=8, block_size=8, vocab_size=24), **overrides})


def direct_harmonic_probs(h: np.ndarray, w: np.ndarray, n: float, scale: float, eps: float, mix: float) -> np.ndarray:
    """p_i ∝ (||h - w_i||^2 / scale + eps)^-n, then (p + mix/V) / (1 + mix), straight from
    the spec, in float64 (the numbers are kept moderate so nothing underflows)."""
    d2 = ((h[..., None, :] - w) ** 2).sum(-1) / scale + eps
    p = d2 ** (-n)
    p = p / p.sum(-1, keepdims=True)
    return (p + mix / w.shape[0]) / (1 + mix)


@pytest.mark.parametrize("exponent, mix", [(None, 0.01), (3.0, 0.0), ("sqrt", 0.2)])
def test_harmonic_head_matches_the_formula(exponent, mix):
    torch.manual_seed(0)
    config = tiny_config()
    wte = torch.nn.Embedding(config.vocab_size, config.n_embd)
    torch.nn.init.normal_(wte.weight, std=0.5)
    options = {"uniform_mix": mix} if exponent is None else {"exponent": exponent, "uniform_mix": mix}
    head = HarmonicHead(config, wte, **options)
    n = {None: config.n_embd, "sqrt": math.sqrt(config.n_embd)}.get(exponent, exponent)
    assert head.exponent == n and head.scale == config.n_embd
    h = torch.randn(2, 3, config.n_embd) * 0.5
    log_probs = F.log_softmax(head(h), -1)
    ours = (mix_uniform(log_probs, mix) if mix else log_probs).detach().exp().double().numpy()
    expected = direct_harmonic_probs(
        h.double().numpy(), wte.weight.detach().double().numpy(), n, config.n_embd, 0.0, mix
    )
    np.testing.assert_allclose(ours, expected, rtol=2e-4, atol=1e-7)
    np.testing.assert_allclose(ours.sum(-1), 1.0, rtol=1e-5)
    if mix:  # no token below the uniform floor
        assert ours.min() >= mix / config.vocab_size / (1 + mix) * (1 - 1e-5)
    # The loss is -log of the mixed probability at the target.
    targets = torch.randint(config.vocab_size, (2, 3))
    loss = uniform_mix_cross_entropy(head(h), targets, head.uniform_mix)
    want = -np.log(np.take_along_axis(expected, targets.numpy()[..., None], -1)).mean()
    assert loss.item() == pytest.approx(want, rel=2e-4)


def test_harmonic_head_is_tied_and_stays_finite_at_large_exponent():
    torch.manual_seed(0)
    config = tiny_config(n_embd=64, vocab_size=50)
    model = GPT(config)  # head "linear": the standard model
    harmonic = GPT(tiny_config(n_embd=64, vocab_size=50, head="harmonic"))
    assert harmonic.lm_head.weight is harmonic.transformer.wte.weight
    assert harmonic.num_params() == model.num_params()  # tied: no extra parameters
    idx, targets = torch.randint(50, (2, 8)), torch.randint(50, (2, 8))
    logits, loss = harmonic(idx, targets)
    assert torch.isfinite(logits).all() and torch.isfinite(loss)
    # At initialisation the tokens are about equally far: the loss is near ln(V).
    assert loss.item() == pytest.approx(math.log(50), rel=0.2)
    loss.backward()
    assert torch.isfinite(harmonic.transformer.wte.weight.grad).all()
    untied = GPT(tiny_config(head="harmonic", head_options={"tied": False}))
    assert untied.lm_head.weight is not untied.transformer.wte.weight


def test_harmonic_head_computes_in_fp32_under_autocast():
    torch.manual_seed(0)
    config = tiny_config(n_embd=32)
    wte = torch.nn.Embedding(config.vocab_size, config.n_embd)
    head = HarmonicHead(config, wte)
    h = torch.randn(2, 4, config.n_embd)
    plain = head(h)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        cast = head(h.bfloat16())
    assert cast.dtype == torch.float32
    # the only bf16 rounding left is the input's
    torch.testing.assert_close(cast, head(h.bfloat16().float()))
    assert (cast - plain).abs().max() < 0.5  # and that is small


def test_linear_head_uniform_mix():
    torch.manual_seed(0)
    config = tiny_config()
    wte = torch.nn.Embedding(config.vocab_size, config.n_embd)
    h = torch.randn(2, 3, config.n_embd)
    plain, mixed = LinearHead(config, wte), LinearHead(config, wte, uniform_mix=0.01)
    for head in (plain, mixed):  # the logits; the mix is the loss's
        assert torch.equal(head(h), F.linear(h, wte.weight))
    targets = torch.randint(config.vocab_size, (2, 3))
    p = torch.softmax(F.linear(h, wte.weight).double(), -1).gather(-1, targets.unsqueeze(-1))
    for head, want in ((plain, -p.log().mean()), (mixed, -((p + 0.01 / config.vocab_size) / 1.01).log().mean())):
        assert uniform_mix_cross_entropy(head(h), targets, head.uniform_mix).item() == pytest.approx(
            want.item(), rel=1e-5
        )
    model = GPT(tiny_config(head_options={"uniform_mix": 0.01}))
    assert model.lm_head.uniform_mix == 0.01
    idx = torch.randint(config.vocab_size, (2, 8))
    logits, loss = model(idx, idx)
    assert loss.item() == pytest.approx(uniform_mix_cross_entropy(logits, idx, 0.01).item())
    assert loss.item() != pytest.approx(F.cross_entropy(logits.view(-1, config.vocab_size), idx.view(-1)).item())


@pytest.mark.parametrize("mix", [0.0, 0.01, 0.5])
def test_the_mixed_loss_equals_the_mixed_distribution_at_the_targets(mix):
    """The loss mixes at the targets only; it must equal (value and gradient) the NLL of the
    whole mixed distribution, also where p underflows and for ignored targets (-1)."""
    torch.manual_seed(0)
    logits = torch.randn(3, 5, 40, dtype=torch.float64) * 4
    logits[0, 0, 7] = 2e4  # p ~ 1 at token 7: every other token underflows
    targets = torch.randint(40, (3, 5))
    targets[0, 0], targets[0, 1], targets[2, 4] = 3, 7, -1  # an underflowed p, a p ~ 1, an ignored one
    ours_in = logits.clone().requires_grad_()
    ours = uniform_mix_cross_entropy(ours_in, targets, mix)
    ours.backward()
    ref_in = logits.clone().requires_grad_()
    log_probs = F.log_softmax(ref_in, -1)
    mixed = mix_uniform(log_probs, mix) if mix else log_probs
    ref = F.nll_loss(mixed.view(-1, 40), targets.view(-1), ignore_index=-1)
    ref.backward()
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ours_in.grad, ref_in.grad, rtol=1e-10, atol=1e-12)
    assert torch.isfinite(ours) and ours_in.grad[2, 4].abs().max() == 0  # the ignored target
    if mix:  # the underflowed target costs -log(mix / V / (1 + mix)), not infinity
        single = uniform_mix_cross_entropy(logits[0, 0], targets[0, 0], mix)
        assert single.item() == pytest.approx(-math.log(mix / 40 / (1 + mix)))


def test_the_mixed_loss_is_one_graph_for_torch_compile():
    """No data-dependent shape (a boolean-mask index would be one): torch.compile, which the
    trainer uses with ``compile: true``, keeps the loss in a single graph."""
    import torch._dynamo

    logits, targets = torch.randn(2, 4, 30), torch.randint(30, (2, 4))
    targets[0, 0] = -1
    explained = torch._dynamo.explain(lambda a, b: uniform_mix_cross_entropy(a, b, 0.01))(logits, targets)
    assert explained.graph_break_count == 0 and explained.graph_count == 1


def test_mix_uniform_is_stable_where_p_underflows():
    log_p = torch.tensor([[0.0, -1e4, -math.inf]])  # p = 1, e^-10000, 0
    out = mix_uniform(log_p, 0.01)
    expected_small = math.log(0.01 / 3 / 1.01)
    assert torch.isfinite(out).all()
    assert out[0, 1].item() == pytest.approx(expected_small) and out[0, 2].item() == pytest.approx(expected_small)
    assert out.exp().sum().item() == pytest.approx(1.0)


def test_bad_exponent_is_refused():
    with pytest.raises(ValueError, match="exponent"):
        GPT(tiny_config(head="harmonic", head_options={"exponent": "cube"}))


def test_a_harmonic_gpt_trains(tmp_path):
    """The trainer with head: harmonic learns a simple sequence (loss falls well below ln V)."""
    vocab = 24
    rng = np.random.default_rng(0)
    tokens = (np.cumsum(rng.integers(1, 3, size=6000)) % vocab).astype(np.uint16)
    tokens[:5000].tofile(tmp_path / "train.bin")
    tokens[5000:].tofile(tmp_path / "val.bin")
    (tmp_path / "meta.json").write_text(json.dumps({"vocab_size": vocab, "dtype": "uint16", "source": "test"}))
    cfg = TrainConfig.from_dict(
        {
            "data_dir": str(tmp_path),
            "model": {"size": "tiny", "block_size": 16, "n_embd": 32, "n_layer": 1, "head": "harmonic"},
            "max_iters": 60,
            "warmup_iters": 5,
            "lr_decay_iters": 60,
            "lr": 6e-3,
            "min_lr": 3e-4,
            "weight_decay": 0.0,
            "batch_size": 8,
            "eval_interval": 30,
            "eval_batches": 2,
            "log_interval": 10,
            "checkpoint_interval": 30,
            "threads": 1,
            "device": "cpu",
        }
    )
    summary = Trainer(cfg, tmp_path / "run").run()
    assert summary["status"] == "completed"
    assert summary["final_val_loss"] < 0.6 * math.log(vocab)  # the next token is one of two
