"""Where a checkpoint's greedy policy ends its episodes: at which action, how high, how far from an object.

Runs the policy on the evaluation episodes (test objects, seeds from 1,000,000, as `qtopt eval`) in one
process and, at each episode's end, reads the simulator's privileged object poses: the distance (xy) from
the gripper to the nearest object's centre (from the nominal tool point the robot believes in, and from the
real fingertips, which a gripper variation moves), the gripper's yaw, whether the episode closed or ran out
of actions, and at which action it ended; success by yaw in four bins of 45 degrees. Prints one JSON line.

    .venv/bin/python benchmarks/where_it_fails.py --checkpoint checkpoints/base --episodes 100
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qtopt_finetune.policy import CEMPolicy
from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.evaluation import EVAL_SEED
from robot_drivers.sim.world import GraspWorld


def median(ends: list[dict[str, float]], key: str) -> float | None:
    """The median of `key` over `ends`; None for no episodes."""
    return float(np.median([e[key] for e in ends])) if ends else None


def success_by_yaw(ends: list[dict[str, float]]) -> dict[str, list[float]]:
    """{"-90..-45": [successes, episodes], ...}: the yaw (degrees) the episodes ended at, in four bins."""
    bins = [int(np.clip((np.degrees(e["yaw"]) + 90) // 45, 0, 3)) for e in ends]
    out: dict[str, list[float]] = {}
    for k, low in enumerate((-90, -45, 0, 45)):
        inside = [e for e, b in zip(ends, bins, strict=True) if b == k]
        out[f"{low}..{low + 45}"] = [sum(e["success"] for e in inside), len(inside)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default="checkpoints/base")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--variation", default="base")
    args = ap.parse_args()
    torch.set_num_threads(2)
    policy = CEMPolicy.from_checkpoint(args.checkpoint, seed=EVAL_SEED)
    ends: list[dict[str, float]] = []
    with GraspWorld(checkpoint_world(args.checkpoint, variation=args.variation, objects="test")) as world:
        for episode in tqdm(range(args.episodes), desc="episodes"):
            seed = EVAL_SEED + episode
            obs, _ = world.reset(seed=seed)
            policy.reset(seed)
            done, action_index = False, 0
            info: dict[str, Any] = {}
            while not done:
                obs, _, done, _, info = world.step(policy.act(obs))
                action_index += 1
            tool, yaw = world.tool_pose
            tips = tool + world.arm.fingertip_offset()
            centres = [o.position[:2] for o in world.object_states()]
            ends.append(
                {
                    "success": float(info["success"]),
                    "actions": action_index,
                    "ran_out": float(info["forced_terminate"]),
                    "nearest_object_m": min(float(np.linalg.norm(c - tool[:2])) for c in centres),
                    "fingertips_nearest_object_m": min(float(np.linalg.norm(c - tips[:2])) for c in centres),
                    "yaw": float(yaw),
                }
            )
    ok = [e for e in ends if e["success"]]
    bad = [e for e in ends if not e["success"]]
    report = {
        "checkpoint": args.checkpoint,
        "episodes": len(ends),
        "success": len(ok) / len(ends),
        "failures": len(bad),
        "failures_ran_out_of_actions": int(sum(e["ran_out"] for e in bad)),
        "failures_ended_within_2_actions": sum(e["actions"] <= 2 for e in bad),
        "failure_median_distance_m": median(bad, "nearest_object_m"),
        "success_median_distance_m": median(ok, "nearest_object_m"),
        "failure_actions_histogram": np.bincount([int(e["actions"]) for e in bad], minlength=11).tolist(),
        "failure_median_fingertip_distance_m": median(bad, "fingertips_nearest_object_m"),
        "success_median_fingertip_distance_m": median(ok, "fingertips_nearest_object_m"),
        "success_by_yaw": success_by_yaw(ends),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
