"""Branch grasps: from a low state of an episode, try a few other grasps for real in the sim, then go on.

A grasp log of scripted episodes shows, from each image, one grasp: the one the grasper made. The Q-network
must learn from such a log which displacement leads onto an object, and with one grasp per image there is
little to compare. A simulator can do what a real robot cannot: save the world, try a grasp, put the world
back, and try another. At each state of an episode where the gripper is open, below `height` and at least
two actions from the step limit, a Brancher tries `per_state` grasps: a random move (dx, dy and rotation
uniform in [-1, 1], all the way down) and then a close in place that ends the branch. Each try is an
episode of its own in the log (two steps: the move from the state's image, then the close), with its real
outcome; the world is then restored and the episode goes on as if nothing happened.

Branches are real grasps in the sim and count as grasps in the log. They need a world with `snapshot`,
`restore` and `release` (GraspWorld); a real robot has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qtopt_finetune.grasp_log import Step
from qtopt_finetune.spaces import ACTION_DIM, Observation

if TYPE_CHECKING:
    from robot_drivers.sim.world import GraspWorld, WorldSnapshot

BRANCH_SUFFIX = "+branch"  # a branch grasp's policy id: its episode's policy id and this
CLOSE_IN_PLACE = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0], dtype=np.float32)


@dataclass(frozen=True)
class BranchConfig:
    per_state: int = 0  # grasps tried from each low state (0: no branches)
    height: float = 0.12  # metres above the floor: states below it are branched from

    def __post_init__(self) -> None:
        if isinstance(self.per_state, bool) or not isinstance(self.per_state, int) or self.per_state < 0:
            raise ValueError(f"branches per state must be an integer >= 0, got {self.per_state!r}")
        if not self.height > 0:
            raise ValueError(f"branch height must be > 0 metres, got {self.height!r}")


@dataclass
class Branch:
    steps: list[Step]
    success: bool


class Brancher:
    """`brancher(world, obs)` -> the branch grasps tried from `obs` (none where it does not branch)."""

    def __init__(self, config: BranchConfig, seed: int) -> None:
        self.config = config
        self._rng = np.random.default_rng(seed)

    def wants(self, world: GraspWorld, obs: Observation) -> bool:
        c = self.config
        return (
            c.per_state > 0
            and not obs.gripper_closed
            and obs.gripper_height < c.height
            and world.steps_left >= 2
        )

    def random_move(self) -> np.ndarray:
        move = np.zeros(ACTION_DIM, dtype=np.float32)
        move[[0, 1, 3]] = self._rng.uniform(-1.0, 1.0, 3)
        move[2] = -1.0  # all the way down (the robot stops at the floor)
        return move

    def __call__(self, world: GraspWorld, obs: Observation) -> list[Branch]:
        if not self.wants(world, obs):
            return []
        snapshot = world.snapshot()
        try:
            branches = [
                try_grasp(world, snapshot, obs, self.random_move()) for _ in range(self.config.per_state)
            ]
            world.restore(snapshot)
        finally:
            world.release(snapshot)
        return branches


def try_grasp(world: GraspWorld, snapshot: WorldSnapshot, obs: Observation, action: np.ndarray) -> Branch:
    """Restore `snapshot` (whose observation is `obs`), take `action` and, unless that ended the episode,
    close in place: a grasp tried for real, with its steps and outcome. The world is left where it ended."""
    world.restore(snapshot)
    after, reward, done, _, info = world.step(action)
    steps = [Step(image=obs.image, state=obs.state, action=action, reward=reward, done=done)]
    if not done:
        close = CLOSE_IN_PLACE.copy()
        _, reward, done, _, info = world.step(close)
        steps.append(Step(image=after.image, state=after.state, action=close, reward=reward, done=True))
    return Branch(steps, bool(info["success"]))
