"""One grasp episode on a robot seen through ROS: closed-loop steps, then QT-Opt's success check.

The robot side is the `AgentRobot` protocol (implemented over ROS by RosRobotLink); any wait that runs out
raises LinkLostError, and the caller stops the arm and marks the episode aborted.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qtopt_finetune.grasp_log import Step
from qtopt_finetune.spaces import GraspAction, Observation
from robot_drivers.policies.base import Policy
from robot_drivers.ros.agent_config import AgentConfig
from robot_drivers.ros.success import SuccessDetector


class LinkLostError(RuntimeError):
    """The camera, the arm or the gripper stopped answering in time."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part} lost: {detail}")
        self.part = part


@dataclass(frozen=True)
class ToolPose:
    position: np.ndarray  # (3,) metres, base frame
    yaw: float  # radians about the vertical axis


class AgentRobot(Protocol):
    def image_after(self, t: float) -> np.ndarray:
        """The first preprocessed RGB image received after monotonic time t."""
        ...

    def tool_pose(self) -> ToolPose: ...

    def move(self, target: ToolPose) -> ToolPose:
        """Command a Cartesian target; return the measured pose once the arm has arrived or stopped."""
        ...

    def set_gripper(self, close: bool) -> None: ...

    def command_done_at(self) -> float:
        """Monotonic time from which an image shows the last command's result (the arm's settled pose
        arrived; the gripper request was sent, as its driver answers only once the fingers stopped)."""
        ...

    def finger_opening(self) -> float: ...

    def record_step(self, image: np.ndarray, state: np.ndarray, action: np.ndarray) -> None: ...


@dataclass
class EpisodeResult:
    steps: list[Step]
    success: bool
    held_after_lift: bool
    drop_change: float


def _next_target(pose: ToolPose, action: GraspAction, cfg: AgentConfig) -> ToolPose:
    low, high = np.asarray(cfg.workspace_min), np.asarray(cfg.workspace_max)
    position = np.clip(pose.position + np.asarray(action.displacement) * cfg.max_translation, low, high)
    yaw = float(np.clip(pose.yaw + action.rotation * cfg.max_rotation, -math.pi / 2, math.pi / 2))
    return ToolPose(position, yaw)


def run_grasp_episode(robot: AgentRobot, policy: Policy, cfg: AgentConfig, seed: int) -> EpisodeResult:
    policy.reset(seed=seed)
    target = robot.tool_pose()
    closed = False
    steps: list[Step] = []
    t = robot.command_done_at()
    for k in range(cfg.max_steps):
        image = robot.image_after(t)
        height = float(target.position[2] - cfg.bin_floor_z)
        obs = Observation(image, closed, height)
        action = np.asarray(policy.act(obs), dtype=np.float32)
        robot.record_step(image, obs.state, action)
        a = GraspAction.from_array(action)
        target = _next_target(target, a, cfg)
        robot.move(target)
        if a.close_gripper != closed:
            robot.set_gripper(a.close_gripper)
            closed = a.close_gripper
        t = robot.command_done_at()
        terminate = a.terminate or k == cfg.max_steps - 1
        steps.append(Step(image=image, state=obs.state, action=action, reward=0.0, done=terminate))
        if terminate:
            break
    held, change = _check_grasp(robot, target, closed, cfg)
    success = held and change >= cfg.changed_fraction
    steps[-1].reward = 1.0 if success else 0.0
    return EpisodeResult(steps, success, held, change)


def _check_grasp(robot: AgentRobot, target: ToolPose, closed: bool, cfg: AgentConfig) -> tuple[bool, float]:
    """Lift; held = the fingers are not fully closed; then drop and measure the image change."""
    detector = SuccessDetector(closed_opening=cfg.closed_opening, changed_fraction=cfg.changed_fraction)
    if not closed:
        robot.set_gripper(False)  # a no-op that marks the end of the episode for the driver
        return False, 0.0
    lift = ToolPose(target.position + np.array([0.0, 0.0, cfg.lift_height]), target.yaw)
    robot.move(lift)
    held = detector.holding(robot.finger_opening())
    before = robot.image_after(time.monotonic())
    robot.set_gripper(False)
    time.sleep(cfg.drop_settle_s)
    after = robot.image_after(time.monotonic())
    return held, detector.changed(before, after) if held else 0.0
