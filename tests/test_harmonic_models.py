"""The batched toy models and their training (harmonic spec section 2) against plain
per-run PyTorch: nn.Embedding / nn.Linear / nn.TransformerEncoderLayer modules trained one
at a time with torch.optim.AdamW; and a stack of runs against each run trained alone."""

import logging
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from conftest import Interrupted, dies_on_call

from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic import loop as T
from physlearn.harmonic.algorithmic import models as M

# ----- independent per-run reference models -----


class ReferenceMLP(nn.Module):
    def __init__(self, cfg: M.ModelConfig, harmonic: bool):
        super().__init__()
        self.harmonic, self.eps, self.exponent = harmonic, cfg.eps, cfg.exponent
        self.embedding = nn.Embedding(cfg.vocab, cfg.d_model)
        self.l1 = nn.Linear(cfg.n_inputs * cfg.d_model, cfg.hidden)
        self.l2 = nn.Linear(cfg.hidden, cfg.d_model)
        self.out_b = nn.Parameter(torch.zeros(cfg.vocab))  # the standard output layer's bias

    def load(self, p, r):
        with torch.no_grad():
            self.embedding.weight.copy_(p["embedding"][r])
            self.l1.weight.copy_(p["w1"][r].T), self.l1.bias.copy_(p["b1"][r])
            self.l2.weight.copy_(p["w2"][r].T), self.l2.bias.copy_(p["b2"][r])
            self.out_b.copy_(p["out_b"][r])
        return self

    def flat(self):
        tensors = (self.embedding.weight, self.l1.weight.T, self.l1.bias, self.l2.weight.T, self.l2.bias, self.out_b)
        return torch.cat([t.detach().reshape(-1) for t in tensors])

    def forward(self, tokens):
        h = self.l2(F.silu(self.l1(self.embedding(tokens).flatten(1))))
        E = self.embedding.weight
        if self.harmonic:  # p ∝ (d^2 + eps)^-n, straight from the differences
            return -self.exponent * torch.log(((h[:, None, :] - E[None]) ** 2).sum(-1) + self.eps)
        return h @ E.T + self.out_b


class ReferenceTransformer(nn.Module):
    def __init__(self, cfg: M.ModelConfig, harmonic: bool):
        super().__init__()
        self.harmonic, self.eps, self.exponent = harmonic, cfg.eps, cfg.exponent
        self.embedding = nn.Embedding(cfg.vocab, cfg.d_model)
        self.positions = nn.Parameter(torch.zeros(cfg.n_inputs, cfg.d_model))
        self.centres = nn.Parameter(torch.zeros(cfg.vocab, cfg.d_model))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                cfg.d_model, cfg.heads, cfg.ff, cfg.dropout, activation="relu", batch_first=True, norm_first=False
            )
            for _ in range(cfg.layers)
        )

    def pairs(self):
        """(module tensor, our name, transposed?) in our flat order."""
        out = [
            (self.embedding.weight, "embedding", False),
            (self.positions, "positions", False),
            (self.centres, "centres", False),
        ]
        for i, layer in enumerate(self.layers):
            out += [
                (layer.self_attn.in_proj_weight, f"l{i}.qkv_w", True),
                (layer.self_attn.in_proj_bias, f"l{i}.qkv_b", False),
                (layer.self_attn.out_proj.weight, f"l{i}.out_w", True),
                (layer.self_attn.out_proj.bias, f"l{i}.out_b", False),
                (layer.norm1.weight, f"l{i}.norm1_w", False),
                (layer.norm1.bias, f"l{i}.norm1_b", False),
                (layer.linear1.weight, f"l{i}.ff1_w", True),
                (layer.linear1.bias, f"l{i}.ff1_b", False),
                (layer.linear2.weight, f"l{i}.ff2_w", True),
                (layer.linear2.bias, f"l{i}.ff2_b", False),
                (layer.norm2.weight, f"l{i}.norm2_w", False),
                (layer.norm2.bias, f"l{i}.norm2_b", False),
            ]
        return out

    def load(self, p, r):
        with torch.no_grad():
            for tensor, name, transposed in self.pairs():
                tensor.copy_(p[name][r].T if transposed else p[name][r])
        return self

    def flat(self):
        return torch.cat([(t.detach().T if tr else t.detach()).reshape(-1) for t, _, tr in self.pairs()])

    def forward(self, tokens):
        x = self.embedding(tokens) + self.positions
        h = x
        for layer in self.layers:
            h = layer(h)
        h = (x + h)[:, -1]
        if self.harmonic:
            return -self.exponent * torch.log(((h[:, None, :] - self.centres[None]) ** 2).sum(-1) + self.eps)
        return h @ self.embedding.weight.T


def reference_model(cfg, harmonic):
    return (ReferenceMLP if cfg.family == "mlp" else ReferenceTransformer)(cfg, harmonic)


def reference_train(task, cfg, run: T.Run, settings: T.TrainSettings, root_seed=0):
    """One run, the plain way: its own module, torch.optim.AdamW, a python loop over batches."""
    inputs, answers = (torch.as_tensor(a) for a in T.run_data(task, root_seed, run.seed, settings.samples))
    n = D.n_train(settings.samples, run.train_fraction)
    init = M.init_params(cfg, torch.Generator().manual_seed(T.stream_seed(root_seed, task.name, run.seed, "init")))
    model = reference_model(cfg, run.harmonic).load(M.unflatten(init[None], cfg.shapes()), 0)
    opt = torch.optim.AdamW(model.parameters(), lr=run.lr, weight_decay=run.weight_decay, foreach=False)
    order = torch.Generator().manual_seed(T.stream_seed(root_seed, task.name, run.seed, "order"))
    model.train()
    for _ in range(settings.epochs):
        perm = torch.randperm(n, generator=order)
        for start in range(0, n, settings.batch_size):
            batch = perm[start : start + settings.batch_size]
            E = model.embedding.weight
            loss = F.cross_entropy(model(inputs[batch]), answers[batch])
            loss = loss + cfg.embedding_reg * E.pow(2).mean(0).sqrt().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        correct = (model(inputs).argmax(-1) == answers).float()
    return model.flat(), float(correct[:n].mean()), float(correct[n:].mean())


# ----- pieces -----


def test_embedding_regulariser_by_hand():
    E = torch.tensor([[[3.0, 0.0], [4.0, 1.0]]])  # column RMS: sqrt(25/2), sqrt(1/2)
    expected = (math.sqrt(12.5) + math.sqrt(0.5)) / 2
    assert M.embedding_regulariser(E).item() == pytest.approx(expected)


@pytest.mark.parametrize("exponent", [1.0, 3.0])
@pytest.mark.parametrize("family", M.FAMILIES)
@pytest.mark.parametrize("task_name", ["lattice", "genealogy"])
def test_forward_matches_reference_modules(family, task_name, exponent):
    task = D.make_task(task_name)
    cfg = T.model_config(task, family, dropout=0.0, exponent=exponent)
    flat = M.init_runs(cfg, [1, 2, 3])
    p = M.unflatten(flat, cfg.shapes())
    g = torch.Generator().manual_seed(0)
    tokens = torch.as_tensor(task.inputs)[torch.randint(0, task.n_facts, (3, 9), generator=g)]
    harmonic = torch.tensor([True, False, True])
    logits = M.forward(cfg, flat, tokens, harmonic)
    for r in range(3):
        ref = reference_model(cfg, bool(harmonic[r])).load(p, r).eval()
        with torch.no_grad():
            np.testing.assert_allclose(logits[r].numpy(), ref(tokens[r]).numpy(), rtol=2e-5, atol=2e-5)


def test_init_is_pytorch_default_shaped():
    cfg = T.model_config(D.make_task("modular_addition"), "transformer")
    p = M.unflatten(M.init_runs(cfg, [0]), cfg.shapes())
    assert p["embedding"].std().item() == pytest.approx(0.25, abs=0.04)  # the authors' N(0, 0.25^2)
    assert p["centres"].abs().max() <= 0.25 and p["centres"].std().item() == pytest.approx(
        0.25 / math.sqrt(3), abs=0.03
    )
    assert p["l0.norm1_w"].eq(1).all() and p["l0.qkv_b"].eq(0).all()
    assert p["l0.ff1_w"].abs().max() <= 1 / math.sqrt(16)
    assert p["l0.ff2_b"].abs().max() <= 1 / math.sqrt(64)
    assert not torch.equal(M.init_runs(cfg, [0]), M.init_runs(cfg, [1]))


def test_mlp_init_is_the_authors_linear_16_to_vocab():
    """Spec section 1: the tied embedding and the output bias are nn.Linear(16, V)'s, U(-1/4, +1/4)
    (std 0.144), not nn.Embedding's N(0, 1), with which a standard lattice MLP does not generalise."""
    cfg = T.model_config(D.make_task("genealogy"), "mlp")
    p = M.unflatten(M.init_runs(cfg, [0, 1]), cfg.shapes())
    for name in ("embedding", "out_b"):
        assert p[name].abs().max() <= 0.25 and p[name].abs().max() > 0.2
    assert p["embedding"].std().item() == pytest.approx(0.25 / math.sqrt(3), abs=0.01)


def test_standard_mlp_output_has_a_bias_the_harmonic_ignores():
    task = D.make_task("lattice")
    cfg = T.model_config(task, "mlp")
    flat = M.init_runs(cfg, [0, 0])
    tokens = torch.as_tensor(task.inputs)[None, :5].expand(2, -1, -1)
    harmonic = torch.tensor([False, True])
    before = M.forward(cfg, flat, tokens, harmonic)
    p = M.unflatten(flat.clone(), cfg.shapes())
    p["out_b"][:, 3] += 100.0
    after = M.forward(cfg, p, tokens, harmonic)
    assert (after[0, :, 3] - before[0, :, 3]).allclose(torch.tensor(100.0))  # standard: logit + bias
    assert torch.equal(after[1], before[1])  # harmonic: no bias
    assert (M.predict(cfg, p, tokens, harmonic)[0] == 3).all()


@pytest.mark.parametrize("exponent", [1.0, 3.0])
@pytest.mark.parametrize("harmonic", [[False] * 3, [True] * 3, [False, True, True]])
def test_handwritten_mlp_gradient_equals_autograd(harmonic, exponent):
    task = D.make_task("lattice")
    cfg = T.model_config(task, "mlp", exponent=exponent)
    flat = M.init_runs(cfg, range(3)).double()
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, task.vocab, (3, 7, 3), generator=g)
    targets = torch.randint(0, task.vocab, (3, 7), generator=g)
    weights = torch.ones(3, 7, dtype=torch.float64)
    weights[1, 4:] = 0  # a short batch
    n_standard = harmonic.count(False)  # standard runs come first
    harmonic = torch.tensor(harmonic)
    loss, grad, correct = M.mlp_loss_and_grad(
        cfg, M.unflatten(flat, cfg.shapes()), tokens, targets, weights, n_standard
    )
    leaf = flat.clone().requires_grad_(True)
    nll = F.cross_entropy(M.forward(cfg, leaf, tokens, harmonic).flatten(0, 1), targets.flatten(), reduction="none")
    ref = (nll.view(3, 7) * weights).sum(1) / weights.sum(1) + cfg.embedding_reg * M.embedding_regulariser(
        M.embeddings(cfg, leaf)
    )
    (ref_grad,) = torch.autograd.grad(ref.sum(), leaf)
    torch.testing.assert_close(loss, ref.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
    assert torch.equal(correct, M.forward(cfg, flat, tokens, harmonic).argmax(-1) == targets)


def test_batched_adamw_matches_torch_per_run():
    g = torch.Generator().manual_seed(0)
    lrs, wds = [1e-3, 2e-3, 1e-2], [0.0, 0.01, 0.5]
    params = torch.randn(3, 11, generator=g)
    refs = [params[r].clone().requires_grad_(True) for r in range(3)]
    opts = [torch.optim.AdamW([refs[r]], lr=lrs[r], weight_decay=wds[r], foreach=False) for r in range(3)]
    ours = T.BatchedAdamW(params, lrs, wds)
    for step in range(6):
        grad = torch.randn(3, 11, generator=g)
        ours.step(grad)
        for r in range(3):
            refs[r].grad = grad[r].clone()
            opts[r].step()
    for r in range(3):
        torch.testing.assert_close(params[r], refs[r].detach(), rtol=1e-6, atol=1e-7)
    assert ours.step_count.tolist() == [6, 6, 6]


# ----- training: a stack of runs = each run alone = the plain reference -----


def comparable(cfg, run):
    """The parameters whose values are determined: the attention's key biases get a gradient
    of exactly 0 in exact arithmetic (softmax ignores a shift shared by all keys), i.e.
    rounding noise that Adam scales up to lr-sized steps, different with any change in the
    order of floating-point operations; and a standard transformer does not use its
    harmonic centres, nor a harmonic MLP its output bias."""
    keep = torch.ones(cfg.n_params, dtype=torch.bool)
    if cfg.family == "mlp" and run.harmonic:  # the unused output bias: decayed here, skipped by torch's AdamW
        M.unflatten(keep[None], cfg.shapes())["out_b"][:] = False
    if cfg.family == "transformer":
        view = M.unflatten(keep[None], cfg.shapes())
        for i in range(cfg.layers):
            view[f"l{i}.qkv_b"][0, cfg.d_model : 2 * cfg.d_model] = False
        if not run.harmonic:
            view["centres"][:] = False
    return keep


SETTINGS = T.TrainSettings(epochs=3, samples=100)
RUNS = [  # train sets of 50, 30, 80 and 50 samples: 2, 1, 3 and 2 steps per epoch, short last batches
    T.Run(seed=3, harmonic=True, train_fraction=0.5, weight_decay=0.01, lr=2e-3),
    T.Run(seed=3, harmonic=False, train_fraction=0.3, weight_decay=0.5, lr=1e-3),
    T.Run(seed=7, harmonic=True, train_fraction=0.8, weight_decay=0.0, lr=5e-3, track=False),
    T.Run(seed=5, harmonic=False, train_fraction=0.5, weight_decay=0.01, lr=2e-3),
]


@pytest.mark.parametrize("family", M.FAMILIES)
def test_stacked_runs_equal_runs_trained_alone(family):
    task = D.make_task("modular_addition")
    cfg = T.model_config(task, family)  # with dropout 0.1 for the transformer
    stacked = T.train(task, cfg, RUNS, SETTINGS)
    assert stacked.n_train.tolist() == [50, 30, 80, 50]
    assert stacked.info["stacks"] == [1, 2, 1]  # one stack per training-set size, largest first
    for r, run in enumerate(RUNS):
        alone = T.train(task, cfg, [run], SETTINGS)
        keep = comparable(cfg, run)
        torch.testing.assert_close(stacked.params[r][keep], alone.params[0][keep], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(stacked.final_test_acc[r], alone.final_test_acc[0])
        np.testing.assert_allclose(stacked.train_loss[r], alone.train_loss[0], rtol=1e-5)
        if run.track:
            np.testing.assert_allclose(stacked.test_acc[r], alone.test_acc[0])
            np.testing.assert_allclose(stacked.train_acc[r], alone.train_acc[0])
        else:
            assert np.isnan(stacked.test_acc[r]).all()
    assert not stacked.diverged.any()


def test_each_stack_steps_only_through_its_own_epoch(monkeypatch):
    """Runs of 80, 50 and 30 training samples take 3, 2 and 1 batch steps an epoch: 6 loss
    evaluations, where one stack of all would take the longest run's 3 for every run (9)."""
    calls = []
    real = M.mlp_loss_and_grad
    monkeypatch.setattr(M, "mlp_loss_and_grad", lambda *a, **k: calls.append(a[2].shape[0]) or real(*a, **k))
    task = D.make_task("modular_addition")
    T.train(task, T.model_config(task, "mlp"), RUNS, T.TrainSettings(epochs=2, samples=100))
    # stack after stack, 2 epochs each: [run 2] 3 steps an epoch, [runs 3, 0] 2, [run 1] 1
    assert calls == [1] * 6 + [2] * 4 + [1] * 2


@pytest.mark.parametrize("family", M.FAMILIES)
def test_training_matches_plain_pytorch(family):
    """The reference draws no dropout, so the transformer is compared at dropout 0."""
    task = D.make_task("equivalence")
    cfg = T.model_config(task, family, dropout=0.0)
    stacked = T.train(task, cfg, RUNS, SETTINGS)
    for r, run in enumerate(RUNS):
        flat, train_acc, test_acc = reference_train(task, cfg, run, SETTINGS)
        used = comparable(cfg, run)
        torch.testing.assert_close(stacked.params[r][used], flat[used], rtol=1e-4, atol=2e-5)
        assert stacked.final_train_acc[r] == pytest.approx(train_acc)
        assert stacked.final_test_acc[r] == pytest.approx(test_acc)


def test_runs_learn_and_seeds_differ():
    task = D.make_task("equivalence")
    cfg = T.model_config(task, "mlp")
    runs = [T.Run(seed=s, harmonic=h) for s in (0, 1) for h in (False, True)]
    result = T.train(task, cfg, runs, T.TrainSettings(epochs=10))
    assert (result.train_loss[:, -1] < 0.5 * result.train_loss[:, 0]).all()
    assert (result.final_train_acc > 0.5).all()
    assert result.train_acc.shape == (4, 10)
    assert not torch.equal(result.params[0], result.params[2])  # seeds 0 and 1


def test_dropout_masks_are_per_run_and_at_rate():
    task = D.make_task("lattice")
    cfg = T.model_config(task, "transformer")
    gens = [torch.Generator().manual_seed(s) for s in (1, 2)]
    order = [torch.Generator().manual_seed(s) for s in (1, 2)]
    _, _, masks = T._epoch_plan(np.array([800, 800]), 25, 32, order, gens, cfg, "cpu")
    ff = masks["l0.ff"]  # [S, R, B, T, ff]
    assert ff.shape == (25, 2, 32, 3, 64)
    assert (ff == 0).float().mean().item() == pytest.approx(0.1, abs=0.01)
    values = ff.unique().tolist()
    assert len(values) == 2 and values[0] == 0 and values[1] == pytest.approx(1 / 0.9)
    assert not torch.equal(ff[:, 0], ff[:, 1])


def test_divergence_is_recorded_not_raised():
    task = D.make_task("permutations")
    cfg = T.model_config(task, "mlp")
    runs = [T.Run(seed=1, harmonic=False, lr=1e36, weight_decay=0.0), T.Run(seed=1, harmonic=True)]
    settings = T.TrainSettings(epochs=2, samples=100)
    result = T.train(task, cfg, runs, settings)
    assert result.diverged.tolist() == [True, False]
    alone = T.train(task, cfg, runs[1:], settings)
    torch.testing.assert_close(result.params[1], alone.params[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("family", M.FAMILIES)
def test_interrupted_training_resumes_to_the_same_numbers(family, tmp_path, monkeypatch):
    """Killed after its second epoch (checkpoint after every epoch), then called again: the
    same parameters and records as a run never interrupted, bit for bit. The transformer
    draws dropout, so its generators' states must come back too; the uneven runs test the
    AdamW step counts."""
    task = D.make_task("modular_addition")
    cfg = T.model_config(task, family)
    settings = T.TrainSettings(epochs=4, samples=100)
    whole = T.train(task, cfg, RUNS, settings)

    path = tmp_path / "train.pt"
    restore = dies_on_call(monkeypatch, T, "_epoch_plan", 3)  # the third epoch's plan
    with pytest.raises(Interrupted):
        T.train(task, cfg, RUNS, settings, checkpoint=path, checkpoint_every=0)
    restore()
    assert ckpt_epoch(tmp_path / "train.n80.pt") == 2  # the first stack's; the others not begun
    assert not (tmp_path / "train.n50.pt").exists()

    resumed = T.train(task, cfg, RUNS, settings, checkpoint=path, checkpoint_every=0)
    assert torch.equal(resumed.params, whole.params)
    for name in ("train_acc", "test_acc", "train_loss", "final_train_acc", "final_test_acc"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(whole, name), err_msg=name)
    assert [ckpt_epoch(tmp_path / f"train.n{n}.pt") for n in (80, 50, 30)] == [4, 4, 4]
    # a finished checkpoint gives the result without training again
    dies_on_call(monkeypatch, T, "_epoch_plan", 1)
    again = T.train(task, cfg, RUNS, settings, checkpoint=path)
    assert torch.equal(again.params, whole.params)


def ckpt_epoch(path) -> int:
    return torch.load(path, weights_only=True)["epoch"]


def test_checkpoint_of_other_training_is_not_resumed(tmp_path, caplog):
    task = D.make_task("modular_addition")
    cfg = T.model_config(task, "mlp")
    path = tmp_path / "train.pt"
    T.train(task, cfg, RUNS, T.TrainSettings(epochs=2, samples=100), checkpoint=path)
    longer = T.TrainSettings(epochs=3, samples=100)
    with caplog.at_level(logging.WARNING, logger="physlearn.checkpoint"):
        resumed = T.train(task, cfg, RUNS, longer, checkpoint=path)
    assert "train.n80.pt is the checkpoint of other work" in caplog.text
    fresh = T.train(task, cfg, RUNS, longer)
    assert torch.equal(resumed.params, fresh.params)


def test_training_runtime_estimates_grow_with_runs_epochs_and_family():
    from physlearn.harmonic.algorithmic.resources import (
        MODULAR_CASE_STEP_SECONDS,
        RUN_STEP_SECONDS,
        STEP_SECONDS,
        job_runs,
        modular_case_runtime,
        stacks,
        train_runtime,
    )
    from physlearn.resources import STARTUP_SECONDS, slurm_minutes

    section = {
        "samples": 1000,
        "train_fraction": 0.8,
        "batch_size": 128,
        "tasks": ["lattice", "genealogy"],
        "data_efficiency": {"fractions": [0.2, 0.8], "seeds": 2},
        "mlp": {"seeds": 5, "epochs": {"lattice": 7000, "genealogy": 7000}},
        "transformer": {"seeds": 5, "epochs": {"lattice": 7000, "genealogy": 7000}},
        "modular_case": {"epochs": 2000},
    }
    # standard + harmonic per seed at 800 samples (7 steps of 128), and Fig. 3b's fraction 0.2 (2 steps)
    assert stacks(section, "mlp") == [(10, 7), (4, 2)] and job_runs(section, "mlp") == 14
    assert stacks(section, "transformer") == [(10, 7)]
    step = lambda runs: STEP_SECONDS["mlp"] + RUN_STEP_SECONDS["mlp"] * runs
    for task in section["tasks"]:  # one job per (family, task)
        assert train_runtime(section, "mlp", task) == slurm_minutes(
            STARTUP_SECONDS + 7000 * (7 * step(10) + 2 * step(4))
        )
        assert train_runtime(section, "transformer", task) > train_runtime(section, "mlp", task)
    section["mlp"]["epochs"]["genealogy"] = 14000
    assert train_runtime(section, "mlp", "genealogy") > train_runtime(section, "mlp", "lattice")
    assert modular_case_runtime(section) == slurm_minutes(STARTUP_SECONDS + 2000 * 8 * MODULAR_CASE_STEP_SECONDS)


def test_mnist_runtime_estimate_counts_every_batch_step():
    from physlearn.harmonic.mnist.resources import IMAGE_PIXEL_SECONDS, train_runtime
    from physlearn.resources import STARTUP_SECONDS, slurm_minutes

    section = {"max_epochs": 100, "batch_size": 64, "replicates": 5}
    # every epoch's 54000 images of 784 pixels, for each of the 5 replicates
    assert train_runtime(section, "mnist") == slurm_minutes(
        STARTUP_SECONDS + IMAGE_PIXEL_SECONDS * 100 * 54000 * 784 * 5
    )
    assert train_runtime(dict(section, replicates=20), "mnist") > train_runtime(section, "mnist")
    assert train_runtime(section, "digits") < train_runtime(section, "mnist")


def test_accuracy_over_distinct_examples_counts_every_sample():
    """The accuracy over a run's distinct examples, weighted by their counts, equals the
    plain accuracy over its samples, duplicates included: stacks whose runs have different
    numbers of distinct rows (padding), train and test, from a start, mixed outputs."""
    task = D.make_task("genealogy")
    cfg = T.model_config(task, "transformer")
    seeds = [3, 4, 5]
    data = [T.run_data(task, 0, s, 200) for s in seeds]
    inputs = torch.as_tensor(np.stack([d[0] for d in data]))
    answers = torch.as_tensor(np.stack([d[1] for d in data]))
    is_train = torch.arange(200).unsqueeze(0) < torch.tensor([150, 150, 150]).unsqueeze(1)
    harmonic = torch.tensor([False, True, True])
    params = M.init_runs(cfg, seeds)
    # an untrained model is always wrong: make it right on about half the samples, and on
    # some copies of an example but not others (a (tokens, answer) row is the unit)
    predicted = M.predict(cfg, params, inputs, harmonic)
    answers = torch.where(
        torch.rand(answers.shape, generator=torch.Generator().manual_seed(0)) < 0.5, predicted, answers
    )
    correct = (predicted == answers).float()
    for start in (0, 120):
        examples = T.EvalSet.build(inputs, answers, is_train, start=start)
        distinct = [
            len(torch.unique(torch.cat([inputs[r, start:], answers[r, start:, None]], -1), dim=0)) for r in range(3)
        ]
        assert examples.answers.shape == (3, max(distinct)) and len(set(distinct)) > 1  # padded
        assert examples.train.sum(1).tolist() == is_train[:, start:].sum(1).tolist()
        train, test = T.accuracy(cfg, params, harmonic, examples)
        c, t = correct[:, start:], is_train[:, start:]
        torch.testing.assert_close(train, (c * t).sum(1) / t.sum(1))
        torch.testing.assert_close(test, (c * ~t).sum(1) / (~t).sum(1))
        assert 0.2 < float(train.min()) and float(train.max()) < 0.8 and 0.2 < float(test.min())


def test_last_layer_computes_the_last_token_only_with_the_same_numbers():
    """transformer_hidden skips the other tokens' queries and feed-forward passes in the last
    layer; with dropout masks drawn, its output equals the full encoder's last token."""
    task = D.make_task("lattice")
    cfg = T.model_config(task, "transformer")
    params = M.init_runs(cfg, [1, 2])
    p = M.unflatten(params, cfg.shapes())
    tokens = torch.randint(0, task.vocab, (2, 8, task.n_inputs), generator=torch.Generator().manual_seed(0))
    uniforms = torch.rand(2, 8, cfg.dropout_numbers, generator=torch.Generator().manual_seed(1))
    masks = M.split_dropout(cfg, M.dropout_masks(uniforms, cfg.dropout))
    for dropout in (masks, None):
        x = M._gather_rows(p["embedding"], tokens) + p["positions"].unsqueeze(1)
        h = x
        for i in range(cfg.layers):
            h = M.encoder_layer(cfg, p, i, h, dropout)  # every token, in every layer
        full = (x + h)[:, :, -1]
        torch.testing.assert_close(M.transformer_hidden(cfg, p, tokens, dropout), full, rtol=1e-6, atol=1e-6)
    # and the masks matter: the last token's output changes with them
    assert not torch.allclose(M.transformer_hidden(cfg, p, tokens, masks), M.transformer_hidden(cfg, p, tokens))
