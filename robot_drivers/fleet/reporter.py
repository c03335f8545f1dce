"""A simulated robot in the fleet: grasp with the champion in the PyBullet world, report outcomes in batches.

It re-checks the champion every `refresh_every` episodes, so a promotion reaches the robot within minutes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.fleet.client import FleetClient, attempt_id
from robot_drivers.policies.factory import make_policy
from robot_drivers.runner import run_episode
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.world import GraspWorld


@dataclass(frozen=True)
class ReporterConfig:
    base_url: str
    key: str
    robot: str = "sim-0"
    variation: str = "base"
    objects: str = "train"
    batch_size: int = 10
    episodes: int | None = None  # None: until stopped
    refresh_every: int = 20
    cache_dir: str = "runs/fleet/champions"
    seed: int = 0


def outcome(
    config: ReporterConfig, policy_id: str, seed: int, start: float, success: bool, steps: int, max_steps: int
) -> dict[str, Any]:
    reason = None if success else ("step limit" if steps >= max_steps else "nothing held after lift")
    return {
        "attempt_id": attempt_id(config.robot, policy_id, seed, start),
        "robot": config.robot,
        "policy_id": policy_id,
        "variation": config.variation,
        "success": success,
        "failure_reason": reason,
        "time": datetime.fromtimestamp(start, UTC).isoformat(),
    }


def run_reporter(config: ReporterConfig, stop: threading.Event | None = None) -> int:
    """Grasp and report until `episodes` are done or `stop` is set; returns the outcomes reported."""
    stop = stop or threading.Event()
    wanted = replace(WorldConfig(), variation=config.variation, objects=config.objects)  # type: ignore[arg-type]
    world = GraspWorld(wanted)
    reported, buffer, episode = 0, list[dict[str, Any]](), 0
    policy_id, policy = "", None
    try:
        with FleetClient(config.base_url, config.key) as client:
            while not stop.is_set() and (config.episodes is None or episode < config.episodes):
                if policy is None or episode % config.refresh_every == 0:
                    info, path = client.download_champion(Path(config.cache_dir) / config.robot)
                    if info.policy_id != policy_id:
                        policy_id = info.policy_id
                        needed = checkpoint_world(path, wanted)  # a champion may see another camera
                        if needed != world.config:
                            world.close()
                            world = GraspWorld(needed)
                        policy = make_policy(str(path), world, seed=config.seed)
                assert policy is not None
                seed = config.seed + episode
                steps, success, start = run_episode(world, policy, seed)
                buffer.append(
                    outcome(config, policy_id, seed, start, success, len(steps), world.config.max_steps)
                )
                episode += 1
                if len(buffer) >= config.batch_size:
                    client.report(buffer)
                    reported, buffer = reported + len(buffer), []
            if buffer:
                client.report(buffer)
                reported += len(buffer)
    finally:
        world.close()
    return reported


def wait_for_service(base_url: str, timeout_s: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the service at {base_url} did not answer within {timeout_s} s")
        time.sleep(0.2)
