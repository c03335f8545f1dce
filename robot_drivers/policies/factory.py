"""Build a policy from a short spec, as the command line names it."""

from __future__ import annotations

from pathlib import Path

from qtopt_finetune.cem import CEMConfig
from robot_drivers.policies.auto_descend import AutoDescend
from robot_drivers.policies.base import Policy
from robot_drivers.policies.descend import DescendPolicy
from robot_drivers.policies.epsilon_random import EpsilonRandomPolicy
from robot_drivers.policies.random_policy import RandomPolicy
from robot_drivers.policies.scripted import ScriptedGraspPolicy, ScriptedOptions
from robot_drivers.sim.world import GraspWorld

NAMED_POLICIES = ("scripted", "random", "descend")
POLICY_SPECS = "'scripted', 'random', 'descend', or a checkpoint folder"


def policy_id(
    spec: str,
    exploration: float = 0.0,
    auto_descend: bool = False,
    scripted: ScriptedOptions | None = None,
) -> str:
    """The id recorded in the grasp log for episodes of this policy (`scripted`: the scripted grasper's
    options; default ScriptedOptions())."""
    auto = ", auto-descend" if auto_descend else ""
    if spec == "scripted":
        explore = f", epsilon={exploration:g}" if exploration else ""
        return f"scripted({(scripted or ScriptedOptions()).describe()}{explore}{auto})"
    if spec == "random":
        return f"random({auto[2:]})" if auto else "random"
    if spec == "descend":
        return "descend"
    from qtopt_finetune.checkpoint import read_manifest

    return str(read_manifest(Path(spec))["id"])


def make_policy(
    spec: str,
    world: GraspWorld,
    seed: int | None = None,
    exploration: float = 0.0,
    auto_descend: bool = False,
    scripted: ScriptedOptions | None = None,
    cem: CEMConfig | None = None,
) -> Policy:
    """The policy named by `spec`. `auto_descend` wraps a scripted or random policy in AutoDescend; a
    checkpoint is wrapped when its network was trained for that mode (and asking for the mode with one that
    was not is an error: it would be given a descent it never learned). `scripted`: the scripted grasper's
    options (noise, noise range, correcting, reaching and wandering shares; see ScriptedGraspPolicy).
    `cem`: a checkpoint policy's action search (default QT-Opt's); a named policy has none (an error)."""
    if cem is not None and spec in NAMED_POLICIES:
        raise ValueError(
            f"policy: {spec!r} does not search its actions with CEM; cem is for checkpoint policies"
        )
    if spec == "descend":  # blind: no image, no privileged poses (QT-Opt's scripted exploration)
        if auto_descend:
            raise ValueError("policy: 'descend' makes its own descent; it has no auto-descend mode")
        return DescendPolicy(seed=seed)
    if spec in ("scripted", "random"):
        if spec == "scripted":
            grasper = ScriptedGraspPolicy.from_options(world, scripted or ScriptedOptions(), seed)
            policy: Policy = EpsilonRandomPolicy(grasper, exploration, seed) if exploration else grasper
        else:
            policy = RandomPolicy(seed=seed)
        return AutoDescend(policy, world.config.max_translation) if auto_descend else policy
    path = Path(spec)
    if not path.is_dir():
        raise ValueError(
            f"policy: {spec!r} is neither a known policy nor a checkpoint folder ({POLICY_SPECS})"
        )
    import torch

    from qtopt_finetune.policy import CEMPolicy

    torch.set_num_threads(1)  # one core per worker process: the workers are the parallelism

    cem_policy = CEMPolicy.from_checkpoint(
        path, exploration=exploration, cem=cem, seed=seed, variation=world.config.variation
    )
    network, world_config = cem_policy.network.config, world.config
    if (network.camera, network.image_size) != (world_config.camera, world_config.image_size):
        raise ValueError(
            f"policy: the checkpoint at {spec} learned from {network.image_size}x{network.image_size} images "
            f"of the {network.camera} camera; this world renders {world_config.image_size}x"
            f"{world_config.image_size} from the {world_config.camera} camera"
        )
    if cem_policy.network.config.auto_descend:
        return AutoDescend(cem_policy, world.config.max_translation)
    if auto_descend:
        raise ValueError(
            f"policy: the checkpoint at {spec} controls its own descent; it has no auto-descend mode"
        )
    return cem_policy
