"""The grasp agent's parameters: declared on the node with descriptions, validated with errors that name the
parameter. The same names are the keys of `robot.yaml` for `qtopt robot --ros --config robot.yaml`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from robot_drivers.ros import topics

POLICIES = ("cem", "descend")


@dataclass(frozen=True)
class AgentConfig:
    policy: str = "cem"  # cem: CEM over `checkpoint`'s Q-network; descend: QT-Opt's scripted exploration
    checkpoint: str = ""  # checkpoint folder (cem); a new value is picked up at the next episode
    exploration: float = 0.0  # probability of a random action (cem)
    # torch threads for CEM (process-wide; 0 = torch's default). One: a single observation's CEM gains
    # nothing from intra-op threads, and their barriers stall for a time slice whenever a core is busy
    # (p99 27 ms -> 13 ms over 1,000 steps, 2 threads -> 1, in benchmarks/control_loop.py; see RESULTS.md).
    torch_threads: int = 1
    image_topic: str = topics.CAMERA_TOPIC
    # which camera the image topic carries ("fixed": looking at the bin from across it; "wrist": on the wrist,
    # looking down between the fingers, derotated to the base's axes); a cem checkpoint must have learned from
    # the same one, and the grasp log records it. The shipped base policy learned from the wrist camera.
    camera: str = "wrist"
    target_pose_topic: str = topics.TARGET_POSE_TOPIC
    tool_pose_topic: str = topics.TOOL_POSE_TOPIC
    gripper_state_topic: str = topics.GRIPPER_STATE_TOPIC
    gripper_service: str = topics.GRIPPER_SERVICE
    reset_service: str = ""  # std_srvs/Trigger called before each episode ("" for a real robot)
    grasp_log: str = ""  # grasp log folder ("" = do not record)
    bag_path: str = ""  # record the agent's topics to this bag ("" = do not record)
    bag_storage: str = "mcap"
    robot: str = "robot-0"
    variation: str = "base"
    source: str = "real"  # real | sim
    episodes: int = 0  # 0 = until deactivated
    seed: int = 0
    max_steps: int = 10
    max_translation: float = 0.08  # metres per step for an action component of 1
    max_rotation: float = math.pi / 6
    workspace_min: tuple[float, ...] = (0.4, -0.2, 0.02)  # tool point limits, base frame, metres
    workspace_max: tuple[float, ...] = (0.8, 0.2, 0.415)
    bin_floor_z: float = 0.015  # the state's gripper height is tool z minus this
    lift_height: float = 0.2
    crop: tuple[int, ...] = (0, 0, 0, 0)  # x, y, w, h of the camera image; all 0 = centred square
    image_timeout_s: float = 1.0  # no usable image this long -> camera lost
    arm_timeout_s: float = 3.0  # no arm/gripper answer this long -> arm lost
    # a reset (arm home, a new scene in the bin) takes longer than one move: no answer this long -> lost
    reset_timeout_s: float = 30.0
    position_tolerance: float = 0.01
    drop_settle_s: float = 0.5
    closed_opening: float = 0.004
    changed_fraction: float = 0.003

    def __post_init__(self) -> None:
        for problem in self._problems():
            raise ValueError(f"grasp agent parameter {problem}")

    def _problems(self) -> list[str]:
        out = []
        if self.policy not in POLICIES:
            out.append(f"policy must be one of {POLICIES}, got {self.policy!r}")
        if self.policy == "cem" and not Path(self.checkpoint).is_dir():
            out.append(f"checkpoint: no checkpoint folder at {self.checkpoint!r} (needed by policy 'cem')")
        if not self.camera:
            out.append("camera must name the camera the image topic carries (e.g. fixed, wrist)")
        if not 0.0 <= self.exploration <= 1.0:
            out.append(f"exploration must be in [0, 1], got {self.exploration}")
        if self.source not in ("real", "sim") or self.bag_storage not in ("mcap", "sqlite3"):
            out.append(
                f"source must be real|sim and bag_storage mcap|sqlite3, got {self.source}, {self.bag_storage}"
            )
        if self.episodes < 0 or not 1 <= self.max_steps <= 100:
            out.append(
                f"episodes must be >= 0 and max_steps in [1, 100], got {self.episodes}, {self.max_steps}"
            )
        if self.torch_threads < 0:
            out.append(f"torch_threads must be >= 0 (0: torch's default), got {self.torch_threads}")
        if len(self.workspace_min) != 3 or len(self.workspace_max) != 3:
            out.append("workspace_min and workspace_max must have 3 entries (x, y, z)")
        elif any(lo >= hi for lo, hi in zip(self.workspace_min, self.workspace_max, strict=True)):
            out.append(f"workspace_min {self.workspace_min} must be below workspace_max {self.workspace_max}")
        if len(self.crop) != 4 or min(self.crop) < 0:
            out.append(f"crop must be 4 integers x, y, w, h >= 0 (all 0: centred square), got {self.crop}")
        positive = (
            "max_translation",
            "max_rotation",
            "lift_height",
            "image_timeout_s",
            "arm_timeout_s",
            "reset_timeout_s",
            "position_tolerance",
            "drop_settle_s",
            "changed_fraction",
        )
        out += [
            f"{n} must be a positive number, got {getattr(self, n)}"
            for n in positive
            if not (math.isfinite(getattr(self, n)) and getattr(self, n) > 0)
        ]
        return out

    @property
    def crop_box(self) -> tuple[int, int, int, int] | None:
        x, y, w, h = (int(v) for v in self.crop)
        return None if w == 0 or h == 0 else (x, y, w, h)

    @staticmethod
    def from_dict(values: dict[str, Any]) -> AgentConfig:
        known = {f.name: f for f in fields(AgentConfig)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown grasp agent parameter(s) {unknown}; known: {sorted(known)}")
        cleaned: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list | tuple) else v for k, v in values.items()
        }
        return AgentConfig(**cleaned)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
