"""Does a Q-function know where to grasp? A probe with real grasps in the sim world.

The checkpoint's own greedy policy runs each episode until the gripper is below `max_height` (closing and
ending are suppressed on the way). From that state, every action of a grid of one-step grasps (move dx, dy
over the grid, all the way down, close, end: the lift and the grasp check follow) is tried for real, the
world restored between tries, and scored by the Q-network. The report:

- `grid_success`: share of all grid grasps that succeed (how hard the states are);
- `reachable`: share of states where some grasp on the grid succeeds (a perfect one-step grasper);
- `argmax_success`: success of the grid grasp with the highest Q in each state;
- `auc_pooled`: AUC of Q for success over all grid grasps of all states (high when Q ranks states);
- `auc_per_state`: mean over states of the AUC within one image (0.5: Q cannot tell one grasp location
  from another in the same image, whatever it knows about states);
- `q_spread`: mean over states of the highest minus the lowest Q on the grid (0: Q gives every grasp
  location of an image the same value).

A policy whose Q is blind to where an action takes the gripper shows `auc_per_state` near 0.5 and an
`argmax_success` far below `reachable`. `qtopt probe --checkpoint DIR` prints it.

A close-in-place network (QNetworkConfig.close_in_place) never closes after a move, so for it each grid
grasp is two actions: the move (dx, dy, all the way down, gripper open), which Q scores, then a close in
place that ends the episode.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.spaces import ACTION_DIM, Observation
from robot_drivers.branches import try_grasp
from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.evaluation import EVAL_SEED
from robot_drivers.sim.world import GraspWorld


@dataclass(frozen=True)
class ProbeReport:
    states: int
    grid_points: int
    grid_success: float
    reachable: float
    argmax_success: float
    auc_pooled: float
    auc_per_state: float  # NaN when no state has both successes and failures on the grid
    q_spread: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """P(score of a random success > score of a random failure), ties half; NaN without both classes."""
    pos, neg = score[label > 0.5], score[label <= 0.5]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def grasp_grid(side: int, close: bool = True) -> np.ndarray:
    """(side * side, ACTION_DIM) one-step grasps: dx, dy on a grid over [-1, 1], down, close and end (with
    `close=False`, the moves alone: down with the gripper open, the episode going on)."""
    axis = np.linspace(-1.0, 1.0, side)
    actions = np.zeros((side * side, ACTION_DIM), dtype=np.float32)
    actions[:, 0] = np.repeat(axis, side)
    actions[:, 1] = np.tile(axis, side)
    actions[:, 2] = -1.0
    if close:
        actions[:, 4] = actions[:, 5] = 1.0
    return actions


def probe(
    checkpoint: str | Path,
    states: int = 30,
    side: int = 9,
    max_height: float = 0.12,
    variation: str = "base",
    objects: str = "test",
    seed: int = EVAL_SEED,
    show_progress: bool = True,
) -> ProbeReport:
    """Probe `states` states (one per episode; episodes that never get low enough are skipped)."""
    if states < 1 or side < 2 or max_height <= 0:
        raise ValueError(
            f"need states >= 1, side >= 2 and max_height > 0, got {states}, {side}, {max_height}"
        )
    policy = CEMPolicy.from_checkpoint(checkpoint, seed=seed)
    if policy.network.config.auto_descend:
        raise ValueError(f"{checkpoint} is an auto-descend policy: its grasps are not one-step grasps")
    in_place = policy.network.config.close_in_place
    actions = grasp_grid(side, close=not in_place)
    q_all: list[np.ndarray] = []
    success_all: list[np.ndarray] = []
    with (
        GraspWorld(checkpoint_world(checkpoint, variation=variation, objects=objects)) as world,
        tqdm(total=states, desc="probe", disable=not show_progress) as bar,
    ):
        episode = 0
        while len(q_all) < states:
            if episode >= 20 * states:
                raise RuntimeError(f"the policy got below {max_height} m in only {len(q_all)} episodes")
            obs = _approach(world, policy, seed + episode, max_height)
            episode += 1
            if obs is None:
                continue
            q_all.append(policy.q_values(obs.image, obs.state, actions))
            snapshot = world.snapshot()
            # a move-and-close grasp ends the episode itself; a move alone is followed by a close in place
            outcomes = [float(try_grasp(world, snapshot, obs, action).success) for action in actions]
            world.release(snapshot)
            success_all.append(np.array(outcomes))
            bar.update(1)
    q, success = np.stack(q_all), np.stack(success_all)
    per_state = [auc(qs, ss) for qs, ss in zip(q, success, strict=True)]
    mixed = [a for a in per_state if not np.isnan(a)]
    return ProbeReport(
        states=len(q),
        grid_points=len(actions),
        grid_success=float(success.mean()),
        reachable=float(success.max(axis=1).mean()),
        argmax_success=float(success[np.arange(len(q)), q.argmax(axis=1)].mean()),
        auc_pooled=auc(q.ravel(), success.ravel()),
        auc_per_state=float(np.mean(mixed)) if mixed else float("nan"),
        q_spread=float((q.max(axis=1) - q.min(axis=1)).mean()),
    )


def _approach(world: GraspWorld, policy: CEMPolicy, seed: int, max_height: float) -> Observation | None:
    """Run the policy (never closing or ending) until the gripper is below max_height; None if it never is."""
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    for _ in range(world.config.max_steps - 1):
        if obs.gripper_height < max_height:
            return obs
        action = policy.act(obs)
        action[4] = action[5] = 0.0
        obs = world.step(action)[0]
    return obs if obs.gripper_height < max_height else None
