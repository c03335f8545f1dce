"""Grasps per second: our GraspWorld against PyBullet's KukaDiverseObjectEnv, same image size, random actions.

Both worlds are run in this one process, one after the other, on one core each (pybullet is
single-threaded), with uniformly random actions. Our episodes run their full `max_steps` (the random policy
never terminates early), so a grasp here is a full-length episode: the comparison is conservative.
KukaDiverseObjectEnv needs the `bench` extra: `make bench-deps`.

    .venv/bin/python benchmarks/sim_throughput.py [--quick] [--size 64] [--episodes 60]

The last line holds the headline figures: `ours_gps=... kuka_gps=... ratio=...`.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
from tqdm import tqdm


def ours(size: int, episodes: int) -> tuple[float, float]:
    from robot_drivers.policies import RandomPolicy
    from robot_drivers.sim import GraspWorld, WorldConfig

    world = GraspWorld(WorldConfig(image_size=size))
    policy = RandomPolicy(p_terminate=0.0, seed=0)
    steps = 0
    start = time.perf_counter()
    for e in tqdm(range(episodes), desc="ours", leave=False):
        obs, _ = world.reset(seed=e)
        done = False
        while not done:
            obs, _, done, _, _ = world.step(policy.act(obs))
            steps += 1
    elapsed = time.perf_counter() - start
    world.close()
    return episodes / elapsed, steps / episodes


def kuka(size: int, episodes: int) -> tuple[float, float]:
    warnings.filterwarnings("ignore")
    from pybullet_envs.bullet.kuka_diverse_object_gym_env import KukaDiverseObjectEnv

    env = KukaDiverseObjectEnv(renders=False, isDiscrete=False, width=size, height=size, maxSteps=8)
    env.seed(0)
    rng = np.random.default_rng(0)
    steps = 0
    start = time.perf_counter()
    for _ in tqdm(range(episodes), desc="KukaDiverseObjectEnv", leave=False):
        env.reset()
        done = False
        while not done:
            _, _, done, _ = env.step(rng.uniform(-1, 1, size=env.action_space.shape))
            steps += 1
    elapsed = time.perf_counter() - start
    return episodes / elapsed, steps / episodes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a run that ends within 60 s")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--episodes", type=int, default=60)
    args = parser.parse_args()
    episodes = 15 if args.quick else args.episodes
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}")
    ours_gps, ours_len = ours(args.size, episodes)
    kuka_gps, kuka_len = kuka(args.size, episodes)
    for name, gps, length in (("ours", ours_gps, ours_len), ("kuka", kuka_gps, kuka_len)):
        print(f"{name}: {gps:.2f} grasps/s ({length:.1f} steps per episode, {gps * length:.1f} steps/s)")
    print(f"ours_gps={ours_gps:.2f} kuka_gps={kuka_gps:.2f} ratio={ours_gps / kuka_gps:.2f}")


if __name__ == "__main__":
    main()
