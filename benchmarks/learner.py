"""Learning-core speed: CEM action selection latency (batch 1) and training steps per second.

CEM: the default Q-network for the image size and QT-Opt's CEM (2 iterations x 64 samples, 6 elites), one
observation at a time through `CEMPolicy.act`, image features computed once per call. On CPU it is
measured with 1 and with 2 torch threads; the headline is the better of the two.
Training: `Learner.train_step` on pre-generated synthetic batches (batch 64, 20% terminal transitions,
so the Bellman targets run CEM on the target network for the other 80%), augmentation on.

    .venv/bin/python benchmarks/learner.py [--quick] [--device cuda] [--image-size 472] [--threads 1 2]

The last line holds the headline figures: `cem_p50_ms=... cem_p99_ms=... train_steps_per_s=...`.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetwork, QNetworkConfig
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.spaces import Observation
from qtopt_finetune.synthetic_batches import blob_batch


def cem_latency(config: QNetworkConfig, device: str, calls: int) -> tuple[float, float]:
    """p50 and p99 of one `CEMPolicy.act` call, in milliseconds."""
    torch.manual_seed(0)
    policy = CEMPolicy(QNetwork(config), device=device)
    policy.reset(seed=0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (16, config.image_size, config.image_size, 3), dtype=np.uint8)
    observations = [Observation(img, False, 0.2) for img in images]
    for obs in observations:  # warm-up
        policy.act(obs)
    times = []
    for i in tqdm(range(calls), desc=f"cem ({torch.get_num_threads()} threads)", leave=False):
        start = time.perf_counter()
        policy.act(observations[i % len(observations)])
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000.0
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def train_speed(config: QNetworkConfig, device: str, batch_size: int, steps: int) -> float:
    learner_config = LearnerConfig(device=device, checkpoint_every=0, progress=False, tensorboard=False)
    learner = Learner(config, learner_config)
    rng = np.random.default_rng(0)
    batches = [blob_batch(batch_size, config.image_size, rng, terminal_fraction=0.2) for _ in range(8)]
    for batch in batches[:3]:  # warm-up
        learner.train_step(batch)
    start = time.perf_counter()
    for i in tqdm(range(steps), desc=f"train (batch {batch_size})", leave=False):
        learner.train_step(batches[i % len(batches)])
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small budgets; ends within a minute on 2 cores")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, nargs="+", default=None, help="CPU: torch threads to try")
    parser.add_argument("--cem-calls", type=int, default=None)
    parser.add_argument("--train-steps", type=int, default=None)
    args = parser.parse_args()
    cem_calls = args.cem_calls or (300 if args.quick else 2000)
    train_steps = args.train_steps or (30 if args.quick else 200)
    on_cpu = not args.device.startswith("cuda")
    threads = args.threads or ([1, 2] if on_cpu else [torch.get_num_threads()])

    config = QNetworkConfig.for_image_size(args.image_size)
    params = sum(p.numel() for p in QNetwork(config).parameters())
    print(f"device={args.device} cpu={platform.processor() or platform.machine()} torch={torch.__version__}")
    print(f"network: {params} parameters, {config}")

    cem: dict[int, tuple[float, float]] = {}
    for n in threads:
        torch.set_num_threads(n)
        cem[n] = cem_latency(config, args.device, cem_calls)
        print(f"cem threads={n}: p50={cem[n][0]:.2f} ms p99={cem[n][1]:.2f} ms ({cem_calls} calls)")
    best = min(cem, key=lambda n: cem[n][0])
    torch.set_num_threads(max(threads))
    steps_per_s = train_speed(config, args.device, args.batch_size, train_steps)
    print(
        f"train threads={max(threads)} batch={args.batch_size}: "
        f"{steps_per_s:.2f} steps/s ({train_steps} steps)"
    )
    sys.stderr.flush()
    print(f"cem_p50_ms={cem[best][0]:.2f} cem_p99_ms={cem[best][1]:.2f} train_steps_per_s={steps_per_s:.2f}")


if __name__ == "__main__":
    main()
