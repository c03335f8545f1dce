"""The PyBullet grasping world behind the same ROS 2 interface as a real robot (see ros/__init__.py).

Physics runs in real time on a timer (which also publishes the camera, the tool pose and the finger
opening); a Cartesian target drives the arm there through the physics engine; the gripper service closes or
opens the fingers; /sim/reset starts a new episode (new objects, arm above the bin). Everything runs on one
executor thread, so the simulator is never entered twice at once.

Ground truth for tests (privileged, never sent to the agent): at every gripper opening the bridge notes
whether an object was held above the success height, as GraspWorld's own check does; `episode_truth()`.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import numpy as np
import rclpy
from geometry_msgs.msg import PoseStamped
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState
from std_srvs.srv import SetBool, Trigger

from robot_drivers.ros import topics
from robot_drivers.ros.grasp_episode import ToolPose
from robot_drivers.ros.images import fill_image_msg
from robot_drivers.ros.robot_link import fill_pose_msg, pose_from_msg
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.world import GRIPPER_SUBSTEPS, MOVE_SUBSTEPS, TIME_STEP, GraspWorld

RATE_HZ = 30.0
LONG_MOVE = 0.15  # metres; longer Cartesian moves are driven through waypoints LONG_MOVE_LEG apart
LONG_MOVE_LEG = 0.025


class SimBridgeNode(Node):
    def __init__(self, name: str = "sim_bridge", **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.declare_parameter("variation", "base")
        self.declare_parameter("image_size", 64)
        self.declare_parameter("camera", "wrist")  # as the shipped base policy
        self.declare_parameter("image_encoding", "rgb8")
        self.declare_parameter("image_topic", topics.CAMERA_TOPIC)
        self.declare_parameter("seed", 0)
        self.declare_parameter("objects", "train")
        get = self._param
        if get("image_encoding") not in ("rgb8", "bgr8"):
            raise ValueError(
                f"sim bridge parameter image_encoding must be rgb8 or bgr8, got {get('image_encoding')!r}"
            )
        self.world = GraspWorld(
            replace(
                WorldConfig(),
                variation=get("variation"),
                image_size=get("image_size"),
                objects=get("objects"),
                camera=get("camera"),
            )
        )
        self._encoding = get("image_encoding")
        self._seed = int(get("seed"))
        self.episode = -1
        self.truths: list[bool] = []  # per episode: held above the success height at the last opening
        self.camera_enabled = True  # tests switch the camera off to simulate a dropout
        self.moves = 0  # Cartesian targets received in the current episode
        self._target = ToolPose(*self.world.tool_pose)
        self._image_pub = self.create_publisher(Image, get("image_topic"), 2)
        self._pose_pub = self.create_publisher(PoseStamped, topics.TOOL_POSE_TOPIC, 10)
        self._gripper_pub = self.create_publisher(JointState, topics.GRIPPER_STATE_TOPIC, 10)
        self.create_subscription(PoseStamped, topics.TARGET_POSE_TOPIC, self._on_target, 10)
        self.create_service(SetBool, topics.GRIPPER_SERVICE, self._on_gripper)
        self.create_service(Trigger, topics.RESET_SERVICE, self._on_reset)
        self._substeps = max(1, round(1.0 / RATE_HZ / TIME_STEP))
        self.create_timer(1.0 / RATE_HZ, self._tick)

    @property
    def commanded_pose(self) -> ToolPose:
        """The last Cartesian target (for privileged scripted policies in tests)."""
        return self._target

    def _param(self, name: str) -> Any:
        return self.get_parameter(name).value

    # --- publishing ------------------------------------------------------------------------------
    def _publish_state(self) -> None:
        now = self.get_clock().now().to_msg()
        pose = ToolPose(self.world.arm.tcp_position(), self._target.yaw)
        self._pose_pub.publish(fill_pose_msg(PoseStamped(), pose, now))
        joints = JointState(name=["gripper_opening"], position=[self.world.arm.finger_opening()])
        joints.header.stamp = now
        self._gripper_pub.publish(joints)
        if self.camera_enabled:
            image = fill_image_msg(Image(), self.world.render(), self._encoding)
            image.header.stamp, image.header.frame_id = now, "camera_color_optical_frame"
            self._image_pub.publish(image)

    def _tick(self) -> None:
        import pybullet as p

        if not self.context.ok():  # shutting down (Ctrl-C / SIGTERM): publish nothing more
            return
        for _ in range(self._substeps):
            p.stepSimulation(physicsClientId=self.world.client)
        self._publish_state()

    # --- commands ----------------------------------------------------------------------------------
    def _on_target(self, msg: Any) -> None:
        target = pose_from_msg(msg)
        yaw = float(np.clip(target.yaw, -math.pi / 2, math.pi / 2))
        self._target = ToolPose(target.position, yaw)
        self.moves += 1
        start = self.world.arm.tcp_position()
        distance = float(np.linalg.norm(target.position - start))
        legs = math.ceil(distance / LONG_MOVE_LEG) if distance > LONG_MOVE else 1
        if legs == 1:
            self.world.arm.move_to(target.position, yaw, MOVE_SUBSTEPS)
        else:  # a long move (a lift): steady waypoints, as GraspWorld's own lift, not one jerk
            for k in range(1, legs + 1):
                waypoint = start + (target.position - start) * k / legs
                self.world.arm.move_to(waypoint, yaw, MOVE_SUBSTEPS // 2, tolerance=0.01)
        self._publish_state()

    def _held(self) -> bool:
        heights = self.world.scene.object_heights()
        return any(
            h > self.world.config.success_height and self.world.arm.fingers_touch(body)
            for body, h in zip(self.world.scene.objects, heights, strict=True)
        )

    def _on_gripper(self, request: Any, response: Any) -> Any:
        close = bool(request.data)
        if not close and self.episode >= 0:
            self.truths[self.episode] = self._held()
        self.world.arm.set_gripper(close, GRIPPER_SUBSTEPS)
        self._publish_state()
        response.success = True
        response.message = f"opening {self.world.arm.finger_opening():.4f} m"
        return response

    def _on_reset(self, request: Any, response: Any) -> Any:
        self.episode += 1
        self.moves = 0
        self.truths.append(False)
        seed = self._seed + self.episode
        self.world.reset(seed=seed)
        self._target = ToolPose(*self.world.tool_pose)
        self._publish_state()
        response.success = True
        response.message = json.dumps({"episode": self.episode, "seed": seed})
        return response

    def destroy_node(self) -> None:
        self.world.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    """`python -m robot_drivers.ros.sim_bridge --ros-args -p variation:=checkerboard`"""
    rclpy.init(args=args)
    node = SimBridgeNode()
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
