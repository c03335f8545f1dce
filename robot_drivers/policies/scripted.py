"""A scripted grasper that cheats: it reads object poses and meshes from the simulator.

It picks the object nearest the gripper, turns the fingers across the object's narrowest side, hovers,
descends and closes. `noise` (0 = perfect) perturbs the grasp point and yaw once per episode and every
action a little, and sometimes closes too early, so one knob sets the success rate of a base log.

With `noise_max`, each episode draws its own noise uniformly from [noise, noise_max]: the log then holds
clean grasps, near misses and grasps closed well away from any object. A learner needs those far misses to
learn that where the gripper closes matters; at one noise level nearly every low grasp is a near miss.

With `correction` > 0, that share of episodes first hovers over its noisy grasp point, then re-plans on the
object's true grasp point (residual noise a quarter of the episode's), moves there at hover height and only
then descends: the log shows the correction a closed-loop policy must learn, near the object where the
camera sees fingers and object together.

With `reach` > 0, that share of episodes hovers 2-7 cm to the side of its grasp point and then grasps in one
action: move sideways and down, close, terminate. The scripted grasper otherwise closes only with a zero
displacement, so a Q-network never sees what closing after a sideways move does, and its Q-values come out
blind to where an action takes the gripper (runs/ probes: per-image AUC of Q over a grid of one-step grasps
0.54). A policy that descends straight down and closes already succeeds about 0.37 of the time here.

With `wander` > 0, that share of episodes, once at grasp height over its (noisy) grasp point, makes one
random sideways move (1-6 cm, any direction, the height and the fingers' turn kept) and then closes in
place. The log then holds moves from nearly the same low state that end well or badly depending on where
they go, one step before a close: the contrast a close-in-place Q-network needs to value its moves, which
the scripted grasper otherwise never shows (its moves all head for its grasp point).

With `tool_aware`, the grasper steers the real fingertips, not the nominal tool point the robot's state
describes: under a gripper variation (longer fingers, a gripper off the wrist axis) it knows the geometry,
so its success there measures what the new gripper allows at all, the ceiling a learned policy can reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qtopt_finetune.spaces import ACTION_DIM, Observation
from robot_drivers.sim.scene import BIN_FLOOR_Z
from robot_drivers.sim.world import GraspWorld, ObjectState

DEFAULT_NOISE = 1.0
YAW_CANDIDATES = np.linspace(-math.pi / 2, math.pi / 2, 24, endpoint=False)
HOVER = 0.06  # metres above the grasp height while still aligning
ARRIVED_XY = 0.012
ARRIVED_Z = 0.012
CORRECTION_RESIDUAL = 0.25  # the re-planned grasp point's noise, as a share of the episode's
REACH_RADIUS = (0.02, 0.07)  # metres: how far to the side of its grasp point a reaching episode hovers
WANDER_RADIUS = (0.01, 0.06)  # metres: the random sideways move of a wandering episode before it closes


def _wrap_half_turn(angle: float) -> float:
    """Wrap to [-pi/2, pi/2): a parallel gripper is symmetric under a half turn."""
    return (angle + math.pi / 2) % math.pi - math.pi / 2


def plan_grasp(obj: ObjectState) -> tuple[np.ndarray, float]:
    """The grasp point (x, y, z of the nominal tool point) and yaw across the object's narrowest side."""
    best_yaw, best_width, best_center = 0.0, math.inf, obj.footprint.mean(axis=0)
    for yaw in YAW_CANDIDATES:
        close_axis = np.array([math.sin(yaw), -math.cos(yaw)])
        along_axis = np.array([math.cos(yaw), math.sin(yaw)])
        across = obj.footprint @ close_axis
        along = obj.footprint @ along_axis
        width = float(across.max() - across.min())
        if width < best_width:
            center = (
                close_axis * (across.max() + across.min()) / 2 + along_axis * (along.max() + along.min()) / 2
            )
            best_yaw, best_width, best_center = float(yaw), width, center
    z = BIN_FLOOR_Z + float(np.clip(obj.top * 0.2, 0.008, 0.02))
    return np.array([best_center[0], best_center[1], z]), best_yaw


def check_noise(
    noise: float, noise_max: float | None, correction: float = 0.0, reach: float = 0.0, wander: float = 0.0
) -> None:
    """Raise ValueError naming the problem for a negative, non-finite or inverted noise range, or a
    correction, reach or wander share that is not a probability."""
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"scripted policy noise must be >= 0, got {noise}")
    if noise_max is not None and not (math.isfinite(noise_max) and noise_max >= noise):
        raise ValueError(f"scripted policy noise_max must be >= noise ({noise}), got {noise_max}")
    if not 0.0 <= correction <= 1.0:
        raise ValueError(f"scripted policy correction must be a probability in [0, 1], got {correction}")
    if not 0.0 <= reach <= 1.0:
        raise ValueError(f"scripted policy reach must be a probability in [0, 1], got {reach}")
    if not 0.0 <= wander <= 1.0:
        raise ValueError(f"scripted policy wander must be a probability in [0, 1], got {wander}")


@dataclass(frozen=True)
class ScriptedOptions:
    """The scripted grasper's knobs, validated on construction (see the module docstring): its noise (or a
    range [noise, noise_max] each episode draws from) and the shares of correcting, reaching and wandering
    episodes."""

    noise: float = DEFAULT_NOISE
    noise_max: float | None = None
    correction: float = 0.0
    reach: float = 0.0
    wander: float = 0.0
    tool_aware: bool = False

    def __post_init__(self) -> None:
        check_noise(self.noise, self.noise_max, self.correction, self.reach, self.wander)

    def describe(self) -> str:
        """The part of a scripted policy's id that names these options, e.g. "noise=0-2.5, wander=0.5"."""
        same = self.noise_max is None or self.noise_max == self.noise
        text = f"noise={self.noise:g}" if same else f"noise={self.noise:g}-{self.noise_max:g}"
        for name in ("correction", "reach", "wander"):
            value = getattr(self, name)
            text += f", {name}={value:g}" if value else ""
        return text + (", tool-aware" if self.tool_aware else "")


class ScriptedGraspPolicy:
    @classmethod
    def from_options(
        cls, world: GraspWorld, options: ScriptedOptions, seed: int | None = None
    ) -> ScriptedGraspPolicy:
        o = options
        return cls(world, o.noise, seed, o.noise_max, o.correction, o.reach, o.wander, o.tool_aware)

    def __init__(
        self,
        world: GraspWorld,
        noise: float = DEFAULT_NOISE,
        seed: int | None = None,
        noise_max: float | None = None,
        correction: float = 0.0,
        reach: float = 0.0,
        wander: float = 0.0,
        tool_aware: bool = False,
    ) -> None:
        check_noise(noise, noise_max, correction, reach, wander)
        self.tool_aware = tool_aware
        self.correction = correction
        self.reach = reach
        self.wander = wander
        self._wander_pending = False  # this episode still makes its random sideways move
        self._close_now = False  # the sideways move is made: close where the gripper is
        self._correct_pending = False
        self._reach_offset: np.ndarray | None = None  # xy of the hover point from the grasp point
        self.world = world
        self.noise_min = noise
        self.noise_max = noise if noise_max is None else noise_max
        self.noise = noise  # this episode's noise
        self._rng = np.random.default_rng(seed)
        self._target: tuple[np.ndarray, float] | None = None

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._target = None
        self._correct_pending = False
        self._reach_offset = None
        self._wander_pending = self._close_now = False
        if self.noise_max > self.noise_min:
            self.noise = float(self._rng.uniform(self.noise_min, self.noise_max))

    def _tool(self) -> tuple[np.ndarray, float]:
        """The point it steers (the commanded tool point; tool-aware: the real fingertips) and the yaw."""
        tool, yaw = self.world.tool_pose
        if self.tool_aware:
            tool = tool + self.world.arm.fingertip_offset()
        return tool, yaw

    def _choose_target(self, scale: float = 1.0) -> tuple[np.ndarray, float]:
        """The nearest object's grasp point and yaw, with the episode's noise times `scale`."""
        tool, _ = self._tool()
        objects = self.world.object_states()
        nearest = min(objects, key=lambda o: float(np.linalg.norm(o.position[:2] - tool[:2])))
        point, yaw = plan_grasp(nearest)
        n = self.noise * scale
        point = point + self._rng.normal(0.0, [0.035 * n, 0.035 * n, 0.008 * n])
        yaw = _wrap_half_turn(yaw + float(self._rng.normal(0.0, 0.5 * n)))
        return point, yaw

    def act(self, observation: Observation) -> np.ndarray:
        if self._target is None:
            self._target = self._choose_target()
            # drawn only when asked for, so logs collected without corrections repeat exactly
            self._correct_pending = self.correction > 0 and bool(self._rng.random() < self.correction)
            if self.reach > 0 and self._rng.random() < self.reach:
                self._reach_offset = _sideways(self._rng, REACH_RADIUS)
            self._wander_pending = self.wander > 0 and bool(self._rng.random() < self.wander)
        if self._close_now:
            return _close_in_place()
        goal, goal_yaw = self._target
        tool, yaw = self._tool()
        cfg = self.world.config
        aim = goal[:2] if self._reach_offset is None else goal[:2] + self._reach_offset
        error_xy = float(np.linalg.norm(aim - tool[:2]))
        yaw_error = goal_yaw - yaw  # both in [-pi/2, pi/2): never turn through the joint's limit
        aligned = error_xy < ARRIVED_XY and abs(yaw_error) < 0.1
        if self._correct_pending and aligned and tool[2] < goal[2] + HOVER + ARRIVED_Z:
            # hovering over the noisy point: look again, and go for the object's true grasp point
            self._correct_pending = False
            self._target = self._choose_target(CORRECTION_RESIDUAL)
            return self.act(observation)
        if self._reach_offset is not None and aligned and tool[2] < goal[2] + HOVER + ARRIVED_Z:
            return self._reach(goal, goal_yaw - yaw)
        hover = not aligned or self._correct_pending or self._reach_offset is not None
        z_goal = max(goal[2] + HOVER, tool[2] - cfg.max_translation) if hover else goal[2]
        a = np.zeros(ACTION_DIM, dtype=np.float32)
        a[:2] = (aim - tool[:2]) / cfg.max_translation
        a[2] = (z_goal - tool[2]) / cfg.max_translation
        a[3] = yaw_error / cfg.max_rotation
        a[:4] += self._rng.normal(0.0, 0.05 * self.noise, size=4)
        arrived = aligned and abs(goal[2] - tool[2]) < ARRIVED_Z
        if arrived and self._wander_pending:
            return self._wander()
        early = self._rng.random() < 0.08 * self.noise and tool[2] < goal[2] + HOVER
        if arrived or early:
            return _close_in_place()
        return np.clip(a, -1.0, 1.0)

    def _wander(self) -> np.ndarray:
        """One random sideways move at the current height, the fingers' turn kept; the next action closes."""
        self._wander_pending, self._close_now = False, True
        a = np.zeros(ACTION_DIM, dtype=np.float32)
        a[:2] = _sideways(self._rng, WANDER_RADIUS) / self.world.config.max_translation
        return np.clip(a, -1.0, 1.0)

    def _reach(self, goal: np.ndarray, yaw_error: float) -> np.ndarray:
        """From the hover point beside the grasp point: move there and down, close and end, in one action."""
        tool, _ = self._tool()
        cfg = self.world.config
        a = np.zeros(ACTION_DIM, dtype=np.float32)
        a[:3] = (goal - tool) / cfg.max_translation
        a[3] = yaw_error / cfg.max_rotation
        a[:4] += self._rng.normal(0.0, 0.05 * self.noise, size=4)
        a[4] = a[5] = 1.0
        return np.clip(a, -1.0, 1.0)


def _sideways(rng: np.random.Generator, radius: tuple[float, float]) -> np.ndarray:
    """An xy offset (metres) in a uniformly random direction, its length uniform in `radius`."""
    length, angle = rng.uniform(*radius), rng.uniform(0, 2 * math.pi)
    return length * np.array([math.cos(angle), math.sin(angle)])


def _close_in_place() -> np.ndarray:
    """Close the gripper where it is and end the episode."""
    a = np.zeros(ACTION_DIM, dtype=np.float32)
    a[4] = a[5] = 1.0
    return a
