r"""Does a policy miss closes it could have made, or does it never reach a place where closing works?

Runs a checkpoint's greedy policy on the evaluation episodes (test objects, seeds from 1,000,000, as `qtopt
eval`). Before every action it tries the alternative for real: close the gripper where it is and lift (the
world snapshotted and restored around the try), and asks the network for Q of that close and of the action
its CEM chose. Reports, over the steps where the policy did not close: how many would have succeeded had it
closed, Q(close) there and elsewhere, and how many failed episodes passed a state where closing would have
succeeded. Prints one JSON line.

    .venv/bin/python benchmarks/close_now.py --checkpoint runs/experiments/adaptation_v3/checkpoints/\
extended_gripper__finetune_800 --variation extended_gripper --episodes 40
"""

from __future__ import annotations

import argparse
import json
from statistics import mean
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qtopt_finetune.policy import CEMPolicy
from robot_drivers.branches import CLOSE_IN_PLACE
from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.evaluation import EVAL_SEED
from robot_drivers.sim.world import GraspWorld

LOW = 0.04  # metres: a step this close to the floor (nominal tool point) counts as "low"


def average(values: list[float]) -> float | None:
    return round(mean(values), 3) if values else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default="checkpoints/base")
    ap.add_argument("--variation", default="base")
    ap.add_argument("--episodes", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(2)
    policy = CEMPolicy.from_checkpoint(args.checkpoint, seed=EVAL_SEED)
    steps: list[dict[str, float]] = []
    failed_with_chance, successes = 0, 0
    with GraspWorld(checkpoint_world(args.checkpoint, variation=args.variation, objects="test")) as world:
        for episode in tqdm(range(args.episodes), desc="episodes"):
            seed = EVAL_SEED + episode
            obs, _ = world.reset(seed=seed)
            policy.reset(seed)
            done, chance = False, False
            info: dict[str, Any] = {}
            while not done:
                action = policy.act(obs)
                q_action, q_close = map(
                    float, policy.q_values(obs.image, obs.state, np.stack([action, CLOSE_IN_PLACE]))
                )
                snapshot = world.snapshot()
                try:  # from the live state, not a restored one (try_grasp restores first: the physics differ)
                    would = bool(world.step(CLOSE_IN_PLACE)[4]["success"])
                    world.restore(snapshot)
                finally:
                    world.release(snapshot)
                if action[4] <= 0.5:
                    chance |= would
                    steps.append(
                        {
                            "low": obs.gripper_height < LOW,
                            "would": would,
                            "q_close": q_close,
                            "q_action": q_action,
                        }
                    )
                obs, _, done, _, info = world.step(action)
            successes += int(info["success"])
            failed_with_chance += int(chance and not info["success"])
    low = [s for s in steps if s["low"]]
    report = {
        "checkpoint": args.checkpoint,
        "variation": args.variation,
        "episodes": args.episodes,
        "success": successes / args.episodes,
        "steps_not_closing": len(steps),
        "of_them_closing_would_succeed": sum(s["would"] for s in steps),
        "low_steps_not_closing": len(low),
        "of_them_closing_would_succeed_low": sum(s["would"] for s in low),
        "q_close_where_closing_would_succeed": average([s["q_close"] for s in steps if s["would"]]),
        "q_close_where_it_would_fail": average([s["q_close"] for s in steps if not s["would"]]),
        "q_of_chosen_action_where_closing_would_succeed": average(
            [s["q_action"] for s in steps if s["would"]]
        ),
        "failed_episodes_that_passed_a_closeable_state": failed_with_chance,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
