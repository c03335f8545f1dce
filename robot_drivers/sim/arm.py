"""The simulated arm: a position-controlled KUKA iiwa driven by inverse kinematics, and its gripper.

Everything here moves through the physics engine: joints are driven by motors with force limits, fingers
close until they stall on an object, and nothing is ever attached or teleported during an episode.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pybullet as p

from robot_drivers.sim.robot_urdf import (
    ARM_JOINTS,
    LEFT_FINGER,
    MAX_FINGER_OPENING,
    NOMINAL_TCP_LINK,
    RIGHT_FINGER,
    GripperGeometry,
    robot_urdf_path,
)

ARM_FORCE = 300.0  # N m per joint
FINGER_FORCE = 80.0  # N per finger
FINGER_GAIN = 0.2
ARM_POSITION_GAIN = 0.25
SETTLE_CHUNK = 4  # substeps between convergence checks
REST_POSE = (0.0, 0.9, 1.2, -1.6, 0.0, 0.7, 0.0)  # elbow swung away from the camera
YAW_REFERENCE = math.pi  # tool yaw 0 is this world yaw: joint 7 near zero over the bin


def down_orientation(yaw: float) -> tuple[float, float, float, float]:
    """Quaternion of a gripper pointing straight down, turned by `yaw` (world frame) about the vertical."""
    q = p.getQuaternionFromEuler([math.pi, 0.0, yaw])
    return (q[0], q[1], q[2], q[3])


class Arm:
    def __init__(self, client: int, geometry: GripperGeometry, base_position: Sequence[float]) -> None:
        self.client = client
        self.body = p.loadURDF(
            robot_urdf_path(geometry), list(base_position), useFixedBase=True, physicsClientId=client
        )
        movable = [
            j
            for j in range(p.getNumJoints(self.body, physicsClientId=client))
            if p.getJointInfo(self.body, j, physicsClientId=client)[2] != p.JOINT_FIXED
        ]
        info = [p.getJointInfo(self.body, j, physicsClientId=client) for j in movable]
        self._movable = movable
        self._lower = [float(i[8]) for i in info]
        self._upper = [float(i[9]) for i in info]
        self._ranges = [u - lo for u, lo in zip(self._upper, self._lower, strict=True)]
        self._rest = [*REST_POSE, MAX_FINGER_OPENING, MAX_FINGER_OPENING]
        for finger in (LEFT_FINGER, RIGHT_FINGER):
            p.changeDynamics(
                self.body,
                finger,
                lateralFriction=1.5,
                spinningFriction=0.003,
                frictionAnchor=1,
                physicsClientId=client,
            )
        self.closed = False

    # --- kinematics -------------------------------------------------------------------------
    def _ik(self, position: Sequence[float] | np.ndarray, yaw: float) -> list[float]:
        """Joint targets for a tool point and yaw. The nominal tool point lies on joint 7's axis, so IK
        solves the position with the gripper pointing down at the reference yaw, where the arm sits with its
        odd joints near zero (well conditioned), and joint 7 alone turns the gripper from there."""
        solution = p.calculateInverseKinematics(
            self.body,
            NOMINAL_TCP_LINK,
            list(position),
            down_orientation(YAW_REFERENCE),
            lowerLimits=self._lower,
            upperLimits=self._upper,
            jointRanges=self._ranges,
            restPoses=self._rest,
            maxNumIterations=60,
            residualThreshold=1e-4,
            physicsClientId=self.client,
        )
        joints = list(solution[: len(ARM_JOINTS)])
        joints[-1] -= yaw
        return joints

    def tcp_position(self) -> np.ndarray:
        state = p.getLinkState(
            self.body, NOMINAL_TCP_LINK, computeForwardKinematics=True, physicsClientId=self.client
        )
        return np.array(state[4], dtype=np.float64)

    def finger_opening(self) -> float:
        states = p.getJointStates(self.body, [LEFT_FINGER, RIGHT_FINGER], physicsClientId=self.client)
        return float(states[0][0] + states[1][0])

    # --- resets (between episodes only) ------------------------------------------------------
    def reset_pose(self, position: Sequence[float] | np.ndarray, yaw: float) -> None:
        """Place the arm at a pose (solved by iterated IK) with the gripper open; between episodes only."""
        for j, q in zip(ARM_JOINTS, REST_POSE, strict=True):
            p.resetJointState(self.body, j, q, physicsClientId=self.client)
        for _ in range(4):
            joints = self._ik(position, yaw)
            for j, q in zip(ARM_JOINTS, joints, strict=True):
                p.resetJointState(self.body, j, q, physicsClientId=self.client)
        for finger in (LEFT_FINGER, RIGHT_FINGER):
            p.resetJointState(self.body, finger, MAX_FINGER_OPENING, physicsClientId=self.client)
        self.closed = False
        self._drive_joints(joints)
        self._drive_fingers(closed=False)

    # --- motor commands ----------------------------------------------------------------------
    def _drive_joints(self, joints: Sequence[float]) -> None:
        p.setJointMotorControlArray(
            self.body,
            list(ARM_JOINTS),
            p.POSITION_CONTROL,
            targetPositions=list(joints),
            forces=[ARM_FORCE] * len(ARM_JOINTS),
            positionGains=[ARM_POSITION_GAIN] * len(ARM_JOINTS),
            physicsClientId=self.client,
        )

    def _drive_fingers(self, closed: bool) -> None:
        target = 0.0 if closed else MAX_FINGER_OPENING
        p.setJointMotorControlArray(
            self.body,
            [LEFT_FINGER, RIGHT_FINGER],
            p.POSITION_CONTROL,
            targetPositions=[target, target],
            forces=[FINGER_FORCE, FINGER_FORCE],
            positionGains=[FINGER_GAIN, FINGER_GAIN],
            physicsClientId=self.client,
        )

    def move_to(
        self, position: Sequence[float] | np.ndarray, yaw: float, max_substeps: int, tolerance: float = 0.004
    ) -> int:
        """Drive the tool point to a pose; step physics until it arrives or time runs out.

        Returns the number of substeps simulated."""
        target = np.asarray(position, dtype=np.float64)
        steps = 0
        while steps < max_substeps:
            if steps % (3 * SETTLE_CHUNK) == 0:  # closed-loop IK: re-solve from where the arm is now
                self._drive_joints(self._ik(position, yaw))
            for _ in range(SETTLE_CHUNK):
                p.stepSimulation(physicsClientId=self.client)
            steps += SETTLE_CHUNK
            if np.linalg.norm(self.tcp_position() - target) < tolerance and self._arm_still():
                break
        return steps

    def set_gripper(self, closed: bool, max_substeps: int) -> int:
        """Close or open the fingers; step physics until they stop moving. Returns substeps."""
        if closed == self.closed:
            return 0
        self.closed = closed
        self._drive_fingers(closed)
        steps = 0
        while steps < max_substeps:
            for _ in range(SETTLE_CHUNK):
                p.stepSimulation(physicsClientId=self.client)
            steps += SETTLE_CHUNK
            states = p.getJointStates(self.body, [LEFT_FINGER, RIGHT_FINGER], physicsClientId=self.client)
            if steps >= 3 * SETTLE_CHUNK and max(abs(s[1]) for s in states) < 0.01:
                break
        return steps

    def hold(self) -> None:
        """Drive every joint to where it is now and the fingers as `closed` says (after a state restore:
        motor targets are not part of pybullet's saved state)."""
        states = p.getJointStates(self.body, list(ARM_JOINTS), physicsClientId=self.client)
        self._drive_joints([s[0] for s in states])
        self._drive_fingers(self.closed)

    def _arm_still(self) -> bool:
        states = p.getJointStates(self.body, list(ARM_JOINTS), physicsClientId=self.client)
        return max(abs(s[1]) for s in states) < 0.05

    def fingertip_offset(self) -> np.ndarray:
        """Where the fingertips really are, from the nominal tool point (metres, world frame): the centre of
        the two fingers' bounding box in x and y, their lowest point in z. About zero for the nominal gripper;
        a gripper variation moves it (longer fingers: down; an offset gripper: sideways, turning with yaw).
        Privileged: a real controller does not know it (scripted policies and tests use it)."""
        boxes = [p.getAABB(self.body, f, physicsClientId=self.client) for f in (LEFT_FINGER, RIGHT_FINGER)]
        lo = np.minimum(*(np.asarray(b[0]) for b in boxes))
        hi = np.maximum(*(np.asarray(b[1]) for b in boxes))
        centre = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
        return centre - self.tcp_position()

    def fingers_touch(self, body: int) -> bool:
        return any(
            p.getContactPoints(self.body, body, linkIndexA=finger, physicsClientId=self.client)
            for finger in (LEFT_FINGER, RIGHT_FINGER)
        )
