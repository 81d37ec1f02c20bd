"""Throughput of the batched seed training of the harmonic paper's algorithmic tasks
(harmonic spec section 2) against training the same seeds one at a time.

    python benchmarks/harmonic_seeds.py            # 20 seeds x 30 epochs, modular addition MLPs
    python benchmarks/harmonic_seeds.py --quick    # 20 seeds x 5 epochs

Measures, in one run, on the same work (every seed of one (task, model): its own data,
initialisation and batch order; batch 32, 25 steps per epoch, the running train accuracy
and the test accuracy of every epoch):

- batched: ``physlearn.harmonic.algorithmic.loop.train`` with all seeds in one stack (one tensor
  program: parameters [seeds, P], one step = a few batched matmuls for every seed);
- one seed at a time, ours: the same function called once per seed;
- one seed at a time, plain PyTorch: an ``nn.Module`` per seed with ``torch.optim.AdamW``
  and autograd, the usual way (and the authors').

It prints seed-epochs per second for each and the speed-ups; the target is >= 8x for 20
seeds over ours one at a time. Timings move with the machine's load: the load average is
printed, and each measurement is the best of ``--repeats``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from physlearn.harmonic.algorithmic import datasets as D
from physlearn.harmonic.algorithmic import loop as T
from physlearn.harmonic.algorithmic import models as M
from physlearn.runtime import cpu_name

TARGET_SPEEDUP = 8.0
PAPER_SEEDS = [0, 52, 105, 157, 210, 263, 315, 368, 421, 473, 526, 578, 631, 684, 736, 789, 842, 894, 947, 1000]


class PlainMLP(nn.Module):
    """The MLP [T*16, 100, 16, V] with the tied harmonic or linear output (the linear one with
    its bias, as the authors' nn.Linear(16, V)), as one would write it."""

    def __init__(self, cfg: M.ModelConfig, harmonic: bool, init: torch.Tensor):
        super().__init__()
        p = M.unflatten(init[None], cfg.shapes())
        self.cfg, self.harmonic = cfg, harmonic
        self.embedding = nn.Parameter(p["embedding"][0].clone())
        self.out_b = nn.Parameter(p["out_b"][0].clone())
        self.l1, self.l2 = nn.Linear(cfg.n_inputs * cfg.d_model, cfg.hidden), nn.Linear(cfg.hidden, cfg.d_model)
        with torch.no_grad():
            self.l1.weight.copy_(p["w1"][0].T), self.l1.bias.copy_(p["b1"][0])
            self.l2.weight.copy_(p["w2"][0].T), self.l2.bias.copy_(p["b2"][0])

    def forward(self, tokens):
        h = self.l2(F.silu(self.l1(self.embedding[tokens].flatten(1))))
        if self.harmonic:
            return -self.cfg.exponent * torch.log(((h[:, None] - self.embedding[None]) ** 2).sum(-1) + self.cfg.eps)
        return h @ self.embedding.T + self.out_b


def plain_train(task, cfg, run: T.Run, settings: T.TrainSettings):
    inputs, answers = (torch.as_tensor(a) for a in T.run_data(task, 0, run.seed, settings.samples))
    n = D.n_train(settings.samples, run.train_fraction)
    init = M.init_params(cfg, torch.Generator().manual_seed(T.stream_seed(0, task.name, run.seed, "init")))
    model = PlainMLP(cfg, run.harmonic, init)
    opt = torch.optim.AdamW(model.parameters(), lr=run.lr, weight_decay=run.weight_decay)
    order = torch.Generator().manual_seed(T.stream_seed(0, task.name, run.seed, "order"))
    for _ in range(settings.epochs):
        perm = torch.randperm(n, generator=order)
        correct = 0
        for start in range(0, n, settings.batch_size):
            batch = perm[start : start + settings.batch_size]
            logits = model(inputs[batch])
            loss = F.cross_entropy(logits, answers[batch])
            loss = loss + cfg.embedding_reg * model.embedding.square().mean(0).sqrt().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += int((logits.argmax(-1) == answers[batch]).sum())
        with torch.no_grad():  # the same records as the batched trainer: running train, exact test accuracy
            train_acc = correct / n
            test_acc = (model(inputs[n:]).argmax(-1) == answers[n:]).float().mean()
    return train_acc, test_acc


def best_times(fns: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """Best (CPU seconds, wall seconds) of each function over ``repeats`` rounds, the
    functions taking turns so that they share the machine's load. On a shared machine the
    process's CPU time is the steadier measure (other jobs' load shows in wall time)."""
    best = {name: (float("inf"), float("inf")) for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            cpu, wall = time.process_time(), time.perf_counter()
            fn()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 epochs, one repeat")
    ap.add_argument("--task", default="modular_addition", choices=list(D.TASKS))
    ap.add_argument("--seeds", type=int, default=20, help="seeds (the paper's, first ones; default 20)")
    ap.add_argument("--epochs", type=int, help="epochs per seed (default 30; 5 with --quick)")
    ap.add_argument("--model", default="harmonic", choices=["harmonic", "standard"])
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a workflow job's)")
    ap.add_argument("--repeats", type=int, help="repeats, best kept (default 2; 1 with --quick)")
    ap.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args(argv)
    epochs = args.epochs or (5 if args.quick else 30)
    repeats = args.repeats or (1 if args.quick else 2)
    torch.set_num_threads(args.threads)

    task = D.make_task(args.task)
    cfg = T.model_config(task, "mlp")
    runs = [T.Run(seed=s, harmonic=args.model == "harmonic") for s in PAPER_SEEDS[: args.seeds]]
    settings = T.TrainSettings(epochs=epochs)
    work = len(runs) * epochs
    print(
        f"{len(runs)} seeds x {epochs} epochs of the {args.model} MLP on {args.task} "
        f"({-(-D.n_train(settings.samples, 0.8) // settings.batch_size)} steps per epoch), {args.threads} thread(s)"
    )

    T.train(task, cfg, runs[:2], T.TrainSettings(epochs=1))  # warm-up
    times = best_times(
        {
            "batched (ours, one tensor program)": lambda: T.train(task, cfg, runs, settings),
            "one seed at a time (ours)": lambda: [T.train(task, cfg, [r], settings) for r in runs],
            "one seed at a time (plain nn.Module + AdamW)": lambda: [plain_train(task, cfg, r, settings) for r in runs],
        },
        repeats,
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} logical CPUs, load average {load:.2f} at the end; "
        f"Python {platform.python_version()}, torch {torch.__version__}; best of {repeats}\n"
    )
    print(
        "| implementation | seeds x epochs | CPU time | wall time | seed-epochs per CPU second | batched speed-up (CPU) |"
    )
    print("|---|---|---|---|---|---|")
    batched = times["batched (ours, one tensor program)"][0]
    for name, (cpu, wall) in times.items():
        print(
            f"| {name} | {len(runs)} x {epochs} | {cpu:.2f} s | {wall:.2f} s | {work / cpu:.1f} | {cpu / batched:.1f}x |"
        )
    speedup = times["one seed at a time (ours)"][0] / batched
    plain = times["one seed at a time (plain nn.Module + AdamW)"][0] / batched
    print(
        f"\nbatched vs one seed at a time (ours): {speedup:.1f}x (target >= {TARGET_SPEEDUP:g}x); "
        f"vs plain PyTorch: {plain:.1f}x"
    )
    return 1 if args.check and speedup < TARGET_SPEEDUP else 0


if __name__ == "__main__":
    sys.exit(main())
