"""GraspWorld: the simulated robot, behind the same reset/step interface as a real one.

Built once; `reset(seed=...)` only swaps the objects and re-poses the arm, so episodes are cheap. Physics
runs at 1/240 s. Determinism: the same seed gives the same images and outcomes, bit for bit, in any fresh
world, and a collection's worker always runs the same episodes in the same order, so collections and
evaluations repeat exactly. Each reset clears every body it added (highest id first, so ids repeat) and
pybullet sorts overlapping pairs; its broadphase still keeps a little history, so after other episodes
objects can rest micrometres off their fresh-world poses (tests/robot_drivers/sim/test_world.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pybullet as p

from qtopt_finetune.spaces import GraspAction, Observation
from robot_drivers.sim.appearance import FIXED_LOOK, random_look
from robot_drivers.sim.arm import Arm
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.objects import object_indices, object_vertices
from robot_drivers.sim.robot_urdf import NOMINAL_FINGER_LENGTH, GripperGeometry
from robot_drivers.sim.scene import (
    BASE_LIGHTING,
    BIN_CENTER,
    BIN_FLOOR_Z,
    Lighting,
    Scene,
    harsh_lighting,
    make_camera,
)

TIME_STEP = 1.0 / 240.0
SOLVER_ITERATIONS = 25
WORKSPACE_HALF_EXTENT = 0.2  # the tool point stays above the bin
MIN_TCP_HEIGHT = 0.005  # metres above the floor, for the nominal tool point
MAX_TCP_HEIGHT = 0.4
MOVE_SUBSTEPS = 72  # at most 0.3 s of physics per arm motion
GRIPPER_SUBSTEPS = 60
LIFT_WAYPOINTS = 8
PARK_POSE = ((0.35, 0.0, 0.65), 0.0)


@dataclass(frozen=True)
class WorldSnapshot:
    """A mid-episode state of a GraspWorld (physics and controller), to try several actions from it."""

    physics: int  # pybullet saveState id
    target: np.ndarray
    yaw: float
    steps: int
    done: bool
    closed: bool


@dataclass(frozen=True)
class ObjectState:
    """Privileged knowledge of one object (scripted policies and tests only; never the learner)."""

    index: int
    position: np.ndarray
    orientation: tuple[float, float, float, float]
    footprint: np.ndarray  # (N, 2) world-frame xy of the mesh vertices
    top: float  # highest point, metres above the bin floor


class GraspWorld:
    def __init__(self, config: WorldConfig | None = None) -> None:
        self.config = config or WorldConfig()
        params = self.config.variation_params
        self.client = p.connect(p.DIRECT)
        p.setTimeStep(TIME_STEP, physicsClientId=self.client)
        p.setGravity(0, 0, -9.81, physicsClientId=self.client)
        p.setPhysicsEngineParameter(
            deterministicOverlappingPairs=1,
            numSolverIterations=SOLVER_ITERATIONS,
            physicsClientId=self.client,
        )
        self.scene = Scene(self.client, params)
        geometry = GripperGeometry(NOMINAL_FINGER_LENGTH * params.finger_length_scale, params.gripper_offset)
        self.arm = Arm(self.client, geometry, (0.0, 0.0, 0.0))
        self.camera = make_camera(self.config.camera, self.config.image_size)
        self._objects = object_indices(self.config.objects)
        self._rng = np.random.default_rng()
        self._lighting: Lighting = BASE_LIGHTING
        self._target = np.zeros(3)
        self._yaw = 0.0
        self._steps = 0
        self._done = True
        self.substeps = 0  # physics substeps in the current episode, reset included

    # --- gymnasium-style API -------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> tuple[Observation, dict[str, Any]]:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        rng = self._rng
        self.arm.reset_pose(*PARK_POSE)
        chosen = rng.choice(self._objects, size=self.config.num_objects, replace=False)
        self.substeps = self.scene.drop_objects([int(i) for i in chosen], self.config.object_scale, rng)
        start = np.array(
            [
                BIN_CENTER[0] + rng.uniform(-0.1, 0.1),
                BIN_CENTER[1] + rng.uniform(-0.1, 0.1),
                BIN_FLOOR_Z + rng.uniform(0.22, 0.28),
            ]
        )
        self._yaw = float(rng.uniform(-math.pi / 2, math.pi / 2))
        self.arm.reset_pose(start, self._yaw)
        self._target = start
        look = random_look(seed) if self.config.appearance == "randomized" else FIXED_LOOK
        self.scene.tint_bin(look.bin_tint)
        self._lighting = harsh_lighting(rng) if self.config.variation_params.harsh_lighting else look.lighting
        self._steps = 0
        self._done = False
        return self._observe(), {"object_ids": list(self.scene.object_ids), "seed": seed}

    def step(self, action: np.ndarray) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        """Apply one action. Returns (observation, reward, terminated, truncated, info).

        The episode ends when the action says terminate or after `max_steps` actions; either way the robot
        then lifts and the grasp is checked, so `terminated` is True and `truncated` is always False.
        """
        if self._done:
            raise RuntimeError("GraspWorld.step() called after the episode ended; call reset() first")
        a = GraspAction.from_array(action)
        cfg = self.config
        low = np.array(
            [
                BIN_CENTER[0] - WORKSPACE_HALF_EXTENT,
                BIN_CENTER[1] - WORKSPACE_HALF_EXTENT,
                BIN_FLOOR_Z + MIN_TCP_HEIGHT,
            ]
        )
        high = np.array(
            [
                BIN_CENTER[0] + WORKSPACE_HALF_EXTENT,
                BIN_CENTER[1] + WORKSPACE_HALF_EXTENT,
                BIN_FLOOR_Z + MAX_TCP_HEIGHT,
            ]
        )
        self._target = np.clip(self._target + np.asarray(a.displacement) * cfg.max_translation, low, high)
        self._yaw = float(np.clip(self._yaw + a.rotation * cfg.max_rotation, -math.pi / 2, math.pi / 2))
        self.substeps += self.arm.move_to(self._target, self._yaw, MOVE_SUBSTEPS)
        self.substeps += self.arm.set_gripper(a.close_gripper, GRIPPER_SUBSTEPS)
        self._steps += 1
        success = False
        forced = not a.terminate and self._steps >= cfg.max_steps
        if a.terminate or forced:
            success = self._grasp_check()
            self._done = True
        reward = float(success) + cfg.step_penalty
        info = {"success": success, "steps": self._steps, "forced_terminate": forced}
        return self._observe(), reward, self._done, False, info

    @property
    def steps_left(self) -> int:
        """Actions left before the step limit ends the episode."""
        return self.config.max_steps - self._steps

    def snapshot(self) -> WorldSnapshot:
        """The current state; `restore` returns to it (any number of times) until `release`."""
        return WorldSnapshot(
            p.saveState(physicsClientId=self.client),
            self._target.copy(),
            self._yaw,
            self._steps,
            self._done,
            self.arm.closed,
        )

    def restore(self, snapshot: WorldSnapshot) -> Observation:
        """Return to a snapshot of this episode; returns its observation."""
        p.restoreState(snapshot.physics, physicsClientId=self.client)
        self._target, self._yaw = snapshot.target.copy(), snapshot.yaw
        self._steps, self._done = snapshot.steps, snapshot.done
        self.arm.closed = snapshot.closed
        self.arm.hold()
        return self._observe()

    def release(self, snapshot: WorldSnapshot) -> None:
        p.removeState(snapshot.physics, physicsClientId=self.client)

    def render(self, size: int | None = None) -> np.ndarray:
        return self.camera.capture(self.client, self._lighting, size, self.arm.tcp_position(), self._yaw)

    def close(self) -> None:
        if self.client >= 0:
            p.disconnect(physicsClientId=self.client)
            self.client = -1

    def __enter__(self) -> GraspWorld:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------------
    def _observe(self) -> Observation:
        height = float(self.arm.tcp_position()[2] - BIN_FLOOR_Z)
        return Observation(self.render(), self.arm.closed, height)

    def _grasp_check(self) -> bool:
        """Lift with the gripper as it is; an object held between the fingers above the bar is a success."""
        if not self.arm.closed:
            return False
        for k in range(1, LIFT_WAYPOINTS + 1):  # a steady lift, not a jerk that throws the object
            lift = self._target + np.array([0.0, 0.0, self.config.lift_height * k / LIFT_WAYPOINTS])
            self.substeps += self.arm.move_to(lift, self._yaw, MOVE_SUBSTEPS // 2, tolerance=0.01)
        for _ in range(24):  # hold still: a badly held object slips out now
            p.stepSimulation(physicsClientId=self.client)
        self.substeps += 24
        heights = self.scene.object_heights()
        return any(
            h > self.config.success_height and self.arm.fingers_touch(body)
            for body, h in zip(self.scene.objects, heights, strict=True)
        )

    # --- privileged access (scripted policies, tests) -------------------------------------------
    @property
    def tool_pose(self) -> tuple[np.ndarray, float]:
        """The commanded tool point and yaw."""
        return self._target.copy(), self._yaw

    def object_states(self) -> list[ObjectState]:
        states = []
        for body, index in zip(self.scene.objects, self.scene.object_ids, strict=True):
            pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
            rot = np.asarray(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
            world = object_vertices(index) * self.config.object_scale @ rot.T + np.asarray(pos)
            states.append(
                ObjectState(
                    index,
                    np.asarray(pos),
                    (orn[0], orn[1], orn[2], orn[3]),
                    world[:, :2],
                    float(world[:, 2].max() - BIN_FLOOR_Z),
                )
            )
        return states
