r"""Does an ensemble of children grasp better than each? CEM over the mean P(success) of several checkpoints.

The children of `qtopt experiment adaptation --seeds 3` are three fine-tunes of one parent on the same grasps
(seeds 0, 1, 2). This runs the greedy CEM policy over the mean of their Q-values (as probabilities) on the
evaluation episodes (test objects, seeds from 1,000,000, as `qtopt eval`), in one process, and prints one
JSON line. With one checkpoint it is that checkpoint's own evaluation (same episodes, same success).

    C=runs/experiments/adaptation_v3/checkpoints/checkerboard__finetune_800
    .venv/bin/python benchmarks/ensemble_eval.py --variation checkerboard \
        --checkpoints $C,${C}_seed1,${C}_seed2

~1.5 min per checkpoint per 100 episodes on 2 cores. The measured figures are in the README ("The adaptation
experiment (measured)").
"""

from __future__ import annotations

import argparse
import json

import torch
from torch import nn
from tqdm import tqdm

from qtopt_finetune.adapters.loading import load_q_network
from qtopt_finetune.networks import QNetwork
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.stats import wilson_interval
from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.evaluation import EVAL_SEED
from robot_drivers.runner import run_episode
from robot_drivers.sim.world import GraspWorld


class MeanProbabilityEnsemble(nn.Module):
    """The Q-network interface CEMPolicy needs, scoring an action by the members' mean P(success)."""

    def __init__(self, members: list[QNetwork]) -> None:
        super().__init__()
        configs = {json.dumps(m.config.to_dict(), sort_keys=True) for m in members}
        if len(configs) != 1:
            raise ValueError("ensemble members must share one network config (camera, image size, ...)")
        self.members = members
        self.member_list = nn.ModuleList(members)  # registered, so .to() and .eval() reach every member
        self.config = members[0].config

    def encode_image(self, images: torch.Tensor) -> list[torch.Tensor]:
        return [m.encode_image(images) for m in self.members]

    def q_from_features(
        self, features: list[torch.Tensor], state: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        pairs = zip(self.members, features, strict=True)
        logits = [m.q_from_features(f, state, actions) for m, f in pairs]
        return torch.sigmoid(torch.stack(logits)).mean(0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoints", required=True, help="checkpoint folders joined by ','")
    ap.add_argument("--variation", required=True)
    ap.add_argument("--episodes", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(2)
    paths = args.checkpoints.split(",")
    members = [load_q_network(p, None)[0].eval() for p in paths]
    policy = CEMPolicy(MeanProbabilityEnsemble(members))  # type: ignore[arg-type]
    successes = 0
    with GraspWorld(checkpoint_world(paths[0], variation=args.variation, objects="test")) as world:
        for episode in tqdm(range(args.episodes), desc=f"ensemble of {len(paths)} on {args.variation}"):
            _, success, _ = run_episode(world, policy, EVAL_SEED + episode)
            successes += int(success)
    low, high = wilson_interval(successes, args.episodes)
    report = {"variation": args.variation, "checkpoints": paths, "episodes": args.episodes}
    report |= {"success": successes / args.episodes, "ci95": [low, high]}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
