"""One phase of the demo: simulated robots grasp with the service's champion on a variation and report
every outcome; they run as processes in parallel (one core each)."""

from __future__ import annotations

import multiprocessing as mp

from robot_drivers.fleet.reporter import ReporterConfig, run_reporter


def _robot(config: ReporterConfig) -> int:
    import torch

    torch.set_num_threads(1)
    return run_reporter(config)


def grasp_phase(
    base_url: str,
    key: str,
    robots: list[str],
    variation: str,
    episodes: int,
    seed: int,
    cache_dir: str,
    objects: str = "test",
) -> int:
    """`episodes` grasps in all, split over `robots`; returns the outcomes reported."""
    shares = [episodes // len(robots) + (i < episodes % len(robots)) for i in range(len(robots))]
    configs = [
        ReporterConfig(
            base_url,
            key,
            robot=name,
            variation=variation,
            objects=objects,
            batch_size=10,
            episodes=share,
            cache_dir=cache_dir,
            seed=seed + 100_000 * i,
        )
        for i, (name, share) in enumerate(zip(robots, shares, strict=True))
        if share > 0
    ]
    with mp.get_context("spawn").Pool(len(configs)) as pool:
        return sum(pool.map(_robot, configs))
