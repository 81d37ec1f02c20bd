"""The Geometry model's batched tensor program against one run at a time, on slices of the
sweeps behind Figs. 4, 15 and 10 (skills spec section 2).

    python benchmarks/geometry_sweep.py              # every slice, best of 3 (about 2 minutes)
    python benchmarks/geometry_sweep.py --quick      # fewer steps (seconds)
    python benchmarks/geometry_sweep.py --device cuda

Both sides run the same code (``physlearn.skills.geometry.model.simulate_many``, float32, one torch
thread on the CPU):

- one run at a time: one call per (config, seed), as a per-run script would do it;
- batched: every config x seed of the slice in one call, one tensor program (configs with
  another N form another group in the same loop and share the seed's skill draws).

Every slice runs 1000 steps. A call's time includes its setup (task vectors, inverse-CDF
tables), which one-run-at-a-time pays per run: 4-7 ms a run at Fig. 10's sizes, under a
tenth of a 1000-step run. Shorter runs flatter the speed-up (--quick's 100 steps do); the
workflow's runs are longer (3000 steps at laptop scale), so what they get is the per-step
speed-up, at or a little below the table's (docs/benchmarks.md has both).

For each slice it checks that both give the same final losses, then prints a table: runs,
wall times, the batched program's run-steps per second and its speed-up. A last column
compares with the straightforward per-run numpy loop (one step at a time, ``rng.choice``
for the skill ids), timed on one run of the slice's last config. The slices:

- Fig. 4: 2 skills (MSE), N 1000, B 128; SGD, SignGD and Adam x 5 frequency ratios x 8 seeds
  (120 runs, one program, as the workflow runs them);
- Fig. 15: CE, N 10, 40 skills, B 128; Adam, AdEMAMix and Lion x 3 noise levels x 4 seeds
  (36 runs, one program);
- Fig. 10: CE, 1000 skills, B 1024, SignGD and Adam (one program, as the workflow's shard
  jobs run them), 7 Zipf exponents x 4 seeds at N = 40 (56 runs); and at N = 20, 40, 100,
  220 in one program (224 runs). Each run here multiplies a 1000 x N matrix twice per step
  and each (alpha, seed) draws 1024 skills: per-run work that batching shares only across
  optimizers and N, so the speed-up is smaller than where a step is mostly call overhead
  (Figs. 4, 15).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from physlearn.runtime import cpu_name
from physlearn.skills.geometry.model import GeometryConfig, simulate_many

ALPHAS = (0.5, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0)


def slices(steps: int) -> list[tuple[str, list[GeometryConfig], list[int]]]:
    """(name, configs, seeds) per slice; every config x seed is one run."""
    ratio = [
        GeometryConfig(
            n_params=1000,
            n_skills=2,
            frequencies=(r / (r + 1), 1 / (r + 1)),
            loss="mse",
            optimizer=o,
            lr=lr,
            batch_size=128,
            steps=steps,
        )
        for o, lr in (("sgd", 0.03), ("signgd", 3e-4), ("adam", 3e-4))
        for r in (1, 3, 9, 19, 49)
    ]
    fig15 = {
        "adam": {"betas": (0.9, 0.95)},
        "ademamix": {"betas": (0.9, 0.999, 0.9999), "ademamix_alpha": 2.0},
        "lion": {"betas": (0.9, 0.99)},
    }
    noise = [
        GeometryConfig(
            n_params=10,
            n_skills=40,
            alpha=2.0,
            loss="ce",
            task_vectors="gaussian",
            optimizer=o,
            lr=0.01,
            batch_size=128,
            noise=z,
            steps=steps,
            **extra,
        )
        for o, extra in fig15.items()
        for z in (0.0, 0.2, 1.0)
    ]

    def scaling(n_values):
        return [
            GeometryConfig(
                n_params=n,
                n_skills=1000,
                alpha=a,
                loss="ce",
                task_vectors="gaussian",
                optimizer=o,
                lr=0.01,
                batch_size=1024,
                steps=steps,
            )
            for n in n_values
            for o in ("signgd", "adam")
            for a in ALPHAS
        ]

    return [
        ("Fig. 4: 3 optimizers x 5 p1/p2 x 8 seeds (2 skills, N 1000, B 128)", ratio, list(range(8))),
        ("Fig. 15: 3 optimizers x 3 noise x 4 seeds (CE, N 10, 40 skills, B 128)", noise, list(range(4))),
        (
            "Fig. 10: 2 optimizers x 7 alpha x 4 seeds at N = 40 (CE, 1000 skills, B 1024)",
            scaling([40]),
            list(range(4)),
        ),
        (
            "Fig. 10: N 20, 40, 100, 220 x 2 optimizers x 7 alpha x 4 seeds in one program",
            scaling([20, 40, 100, 220]),
            list(range(4)),
        ),
    ]


def numpy_loop_rate(config: GeometryConfig, steps: int) -> float:
    """Run-steps per second of the straightforward per-run loop (numpy, one step at a time,
    ``rng.choice`` for the batch's skill ids, the gradient summed over the batch), timed on one
    run of ``config`` for ``steps`` steps. It follows the spec's equations (tests/ check ours
    against such a loop); only its speed is used here."""
    rng = np.random.default_rng(0)
    T = rng.standard_normal((config.n_skills, config.n_params))
    T /= np.linalg.norm(T, axis=1, keepdims=True)
    p = config.skill_frequencies
    theta, m, v = np.zeros(config.n_params), np.zeros(config.n_params), np.zeros(config.n_params)
    (b1, b2), eps = config.optimizer_betas or (0.0, 0.0), config.eps
    start = time.perf_counter()
    for t in range(1, steps + 1):
        z = T @ theta
        s = 1 / (1 + np.exp(-z)) if config.loss == "ce" else z
        ids = rng.choice(config.n_skills, size=config.batch_size, p=p)
        g = -((1 - s[ids])[:, None] * T[ids]).sum(axis=0) / config.batch_size
        g = g + config.noise * rng.standard_normal(config.n_params)
        if config.optimizer == "sgd":
            theta -= config.lr * g
            continue
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= config.lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return steps / (time.perf_counter() - start)


def timed(configs, seeds, device) -> tuple[float, np.ndarray]:
    """Wall time and final losses [C, S] of one call."""
    start = time.perf_counter()
    out = simulate_many(configs, seeds, device=device, record_every=configs[0].steps, record_skills=False)
    return time.perf_counter() - start, out["loss"][:, :, -1]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer steps (seconds)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=3, help="measurements per side, best kept (default 3)")
    args = ap.parse_args(argv)
    steps = 100 if args.quick else 1000
    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    timed(slices(10)[0][1][:1], [0], args.device)  # warm-up (CUDA context, allocator)

    rows = []
    for name, configs, seeds in slices(steps):
        # The sides take turns, best of --repeats each: the machine is shared, and its load
        # comes and goes within a run.
        t_single = t_batched = float("inf")
        for _ in range(args.repeats):
            total, single = 0.0, np.empty((len(configs), len(seeds)))
            for c, config in enumerate(configs):
                for k, seed in enumerate(seeds):
                    t, loss = timed([config], [seed], args.device)
                    total += t
                    single[c, k] = loss[0, 0]
            t_single = min(t_single, total)
            t, batched = timed(configs, seeds, args.device)
            t_batched = min(t_batched, t)
        diff = float(np.max(np.abs(single - batched)))
        if not diff <= 1e-4:
            raise SystemExit(f"{name}: batched and one-at-a-time final losses differ by {diff:.2e}")
        runs = len(configs) * len(seeds)
        loop_rate = numpy_loop_rate(configs[-1], max(20, configs[0].steps // 10))
        rows.append((name, runs, configs[0].steps, t_single, t_batched, loop_rate))

    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"{cpu_name()}, 1 torch thread"
    print(f"Geometry model sweeps, batched vs one run at a time; torch {torch.__version__}, {platform.system()}")
    print(f"device: {device}; load average before the run {load:.2f}; best of {args.repeats}\n")
    print(
        "| slice | runs | steps | one run at a time (s) | batched (s) | batched run-steps/s | speed-up "
        "| numpy loop run-steps/s | speed-up vs loop |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, runs, n_steps, t_single, t_batched, loop_rate in rows:
        rate = runs * n_steps / t_batched
        print(
            f"| {name} | {runs} | {n_steps} | {t_single:.2f} | {t_batched:.2f} | {rate:,.0f} | "
            f"{t_single / t_batched:.1f}x | {loop_rate:,.0f} | {rate / loop_rate:,.0f}x |"
        )


if __name__ == "__main__":
    main()
