"""Build a policy from a short spec, as the command line names it."""

from __future__ import annotations

from pathlib import Path

from robot_drivers.policies.base import Policy
from robot_drivers.policies.epsilon_random import EpsilonRandomPolicy
from robot_drivers.policies.random_policy import RandomPolicy
from robot_drivers.policies.scripted import DEFAULT_NOISE, ScriptedGraspPolicy
from robot_drivers.sim.world import GraspWorld

POLICY_SPECS = "'scripted', 'random', or a checkpoint folder"


def policy_id(spec: str, noise: float = DEFAULT_NOISE, exploration: float = 0.0) -> str:
    """The id recorded in the grasp log for episodes of this policy."""
    if spec == "scripted":
        explore = f", epsilon={exploration:g}" if exploration else ""
        return f"scripted(noise={noise:g}{explore})"
    if spec == "random":
        return "random"
    from qtopt_finetune.checkpoint import read_manifest

    return str(read_manifest(Path(spec))["id"])


def make_policy(
    spec: str,
    world: GraspWorld,
    seed: int | None = None,
    noise: float = DEFAULT_NOISE,
    exploration: float = 0.0,
) -> Policy:
    if spec == "scripted":
        scripted = ScriptedGraspPolicy(world, noise=noise, seed=seed)
        return EpsilonRandomPolicy(scripted, exploration, seed) if exploration else scripted
    if spec == "random":
        return RandomPolicy(seed=seed)
    path = Path(spec)
    if not path.is_dir():
        raise ValueError(
            f"policy: {spec!r} is neither a known policy nor a checkpoint folder ({POLICY_SPECS})"
        )
    import torch

    from qtopt_finetune.policy import CEMPolicy

    torch.set_num_threads(1)  # one core per worker process: the workers are the parallelism

    return CEMPolicy.from_checkpoint(path, exploration=exploration, seed=seed)
