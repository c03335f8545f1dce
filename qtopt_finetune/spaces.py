"""The robot contract shared by every robot (sim or real) and every policy.

Action, as in QT-Opt: a Cartesian displacement of the gripper (3), a rotation about the vertical axis (1),
close/open the gripper (1, binary) and terminate the episode (1, binary). Continuous parts are normalised
to [-1, 1]; each robot scales them by its own maximum step. The binary parts are read as "> 0.5".

State (besides the image): gripper closed (0/1) and gripper height above the bin floor (metres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTION_DIM = 6
CONTINUOUS_DIM = 4  # dx, dy, dz, drotation
STATE_DIM = 2
ACTION_NAMES = ("dx", "dy", "dz", "drotation", "close_gripper", "terminate")
STATE_NAMES = ("gripper_closed", "gripper_height")
# In auto-descend mode (robot_drivers.policies.auto_descend) the controller, not the Q-function, moves the
# gripper down and closes it when low, as in Quillen et al.'s benchmark; the network then ignores these.
AUTO_DESCEND_ACTIONS = ("dz", "close_gripper", "terminate")


@dataclass(frozen=True)
class GraspAction:
    """One QT-Opt action. `displacement` and `rotation` are in [-1, 1] (scaled by the robot)."""

    displacement: tuple[float, float, float]
    rotation: float
    close_gripper: bool
    terminate: bool

    def to_array(self) -> np.ndarray:
        return np.array(
            [*self.displacement, self.rotation, float(self.close_gripper), float(self.terminate)],
            dtype=np.float32,
        )

    @staticmethod
    def from_array(action: np.ndarray) -> GraspAction:
        a = validate_action(action)
        return GraspAction(
            displacement=(float(a[0]), float(a[1]), float(a[2])),
            rotation=float(a[3]),
            close_gripper=bool(a[4] > 0.5),
            terminate=bool(a[5] > 0.5),
        )


def validate_action(action: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
    """Return the action as a float32 array of shape (ACTION_DIM,), clipped to its range.

    Raises ValueError naming the problem for a wrong length or a non-finite entry.
    """
    a = np.asarray(action, dtype=np.float32).reshape(-1)
    if a.shape[0] != ACTION_DIM:
        raise ValueError(f"action must have {ACTION_DIM} entries {ACTION_NAMES}, got {a.shape[0]}")
    if not np.all(np.isfinite(a)):
        bad = [ACTION_NAMES[i] for i in np.flatnonzero(~np.isfinite(a))]
        raise ValueError(f"action has non-finite entries: {', '.join(bad)}")
    out = a.copy()
    out[:CONTINUOUS_DIM] = np.clip(out[:CONTINUOUS_DIM], -1.0, 1.0)
    out[CONTINUOUS_DIM:] = (out[CONTINUOUS_DIM:] > 0.5).astype(np.float32)
    return out


@dataclass(frozen=True)
class Observation:
    """What a policy sees at one step."""

    image: np.ndarray  # uint8, (H, W, 3), RGB
    gripper_closed: bool
    gripper_height: float  # metres above the bin floor (nominal tool point)

    @property
    def state(self) -> np.ndarray:
        return np.array([float(self.gripper_closed), self.gripper_height], dtype=np.float32)
