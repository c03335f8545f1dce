"""Distributed labelling throughput: Bellman-labelled transitions per second with 1, 2 and 4 updaters.

A local Ray; a synthetic 64x64 JPEG grasp log written once; the default Q-network published to the
registry as the lagged targets; one replay shard per updater; the real `LabelPipeline` (bounded in-flight
queue, ray.wait) keeping two batches in flight per updater. Each updater labels batches of 64 with QT-Opt's
CEM (2 iterations x 64 samples) with one torch thread. The labelled batches are dropped (no learner), so
the figure is the updaters' throughput alone. efficiency_k = tps_k / (k * tps_1).

    .venv/bin/python benchmarks/distributed.py [--quick] [--updaters 1 2 4] [--seconds 20]

On a machine with fewer cores than updaters the efficiency is bounded by the cores, not by the pipeline.
The last line holds the headline figures: `tps_1=... tps_2=... efficiency_2=...`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from qtopt_finetune.bellman import BellmanConfig
from qtopt_finetune.distributed.actors import spawn
from qtopt_finetune.distributed.learner_actor import cpu_weights
from qtopt_finetune.distributed.pipeline import ActorPool, LabelPipeline
from qtopt_finetune.distributed.registry import WeightRegistry
from qtopt_finetune.distributed.replay import ReplayShard
from qtopt_finetune.distributed.updater import BellmanUpdater
from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter, Step
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.synthetic_batches import blob_batch

BATCH = 64


def write_log(root: Path, episodes: int) -> None:
    """Four-step episodes (3 moves, then the grasp), so 3/4 of transitions bootstrap through CEM."""
    rng = np.random.default_rng(0)
    with GraspLogWriter(root, image_format="jpeg", episodes_per_shard=100) as writer:
        for i in range(episodes):
            b = blob_batch(4, 64, rng)
            steps = [Step(b.image[k], b.state[k], b.action[k], 0.0, False) for k in range(3)]
            steps.append(Step(b.image[3], b.state[3], b.action[3], float(b.reward[3]), True))
            writer.add_episode(steps, EpisodeMeta("sim-0", "base", "random", "sim", 1.7e9 + i, i % 2 == 0))


def measure(ray: Any, updaters: list[Any], replays: list[Any], seconds: float) -> float:
    """Labelled transitions/s through the pipeline with these updaters, after one warm-up batch each."""
    k = len(updaters)
    upd = ActorPool(ray, lambda slot: updaters[slot], k, "updater", 0)
    rep = ActorPool(ray, lambda slot: replays[slot], k, "replay", 0)
    pipeline = LabelPipeline(ray, upd, rep, queue_size=2 * k)
    warm = 0
    while warm < k:
        pipeline.fill()
        done, _ = ray.wait(list(pipeline.pending), num_returns=1)
        pipeline.collect(done)
        while pipeline.take() is not None:
            warm += 1
    transitions, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        pipeline.fill()
        done, _ = ray.wait(list(pipeline.pending), num_returns=1, timeout=1.0)
        pipeline.collect(done)
        while (item := pipeline.take()) is not None:
            transitions += int(item[0]["transitions"])
    elapsed = time.perf_counter() - start
    for ref in list(pipeline.pending):  # let the work in flight finish before the next measurement
        ray.wait([ref])
    return transitions / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 and 2 updaters, ~6 s each (under 60 s)")
    parser.add_argument("--updaters", type=int, nargs="+", default=None)
    parser.add_argument("--seconds", type=float, default=None, help="measurement time per updater count")
    args = parser.parse_args()
    counts = args.updaters or ([1, 2] if args.quick else [1, 2, 4])
    seconds = args.seconds or (6.0 if args.quick else 20.0)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    work = Path(tempfile.mkdtemp(prefix="qtopt_bench_"))
    temp = Path(f"/tmp/qtopt_ray_{os.getpid()}")
    try:
        write_log(work / "log", 400)
        most = max(counts)
        ray.init(num_cpus=2 * most + 2, include_dashboard=False, _temp_dir=str(temp), log_to_driver=False)
        network = QNetworkConfig()
        registry = spawn(ray, WeightRegistry)
        learner = Learner(network, LearnerConfig(progress=False, tensorboard=False))
        ray.get(registry.publish.remote(0, cpu_weights(learner)))
        replays = [
            spawn(ray, ReplayShard, [str(work / "log")], [1.0], BATCH, 0, k, most) for k in range(most)
        ]
        updaters = [
            spawn(ray, BellmanUpdater, network, BellmanConfig(), registry, k, 1, num_cpus=1)
            for k in range(most)
        ]
        ray.get([u.ping.remote() for u in updaters] + [r.ping.remote() for r in replays])
        tps = {}
        for k in counts:
            tps[k] = measure(ray, updaters[:k], replays[:k], seconds)
            print(f"{k} updater(s): {tps[k]:.0f} labelled transitions/s", file=sys.stderr)
    finally:
        ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)
    load = os.getloadavg()[0]
    machine = platform.processor() or platform.machine()
    print(f"# {machine}, {os.cpu_count()} cores, load {load:.1f}, batch {BATCH}")
    base = tps[counts[0]] / counts[0]
    parts = [f"tps_{k}={tps[k]:.0f}" for k in counts]
    parts += [f"efficiency_{k}={tps[k] / (k * base):.2f}" for k in counts if k != counts[0]]
    print(" ".join(parts))


if __name__ == "__main__":
    main()
