"""The agent's ROS side of the robot: subscriptions with freshness, Cartesian targets, the gripper service.

Implements grasp_episode.AgentRobot. Callbacks run on the executor's thread and only store the latest
message; the episode thread waits on a condition variable, so a silent camera or arm becomes a
LinkLostError after its timeout instead of a hang.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from geometry_msgs.msg import PoseStamped
from rclpy.callback_groups import ReentrantCallbackGroup
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float32MultiArray, String
from std_srvs.srv import SetBool, Trigger

from robot_drivers.camera.preprocess import PreprocessConfig, preprocess
from robot_drivers.ros import topics
from robot_drivers.ros.agent_config import AgentConfig
from robot_drivers.ros.bag_recorder import BagRecorder
from robot_drivers.ros.grasp_episode import LinkLostError, ToolPose
from robot_drivers.ros.images import UnsupportedEncodingError, fill_image_msg, rgb_from_msg

SETTLE_STILL_M = 0.001  # two poses this close after a command: the arm has stopped (short of its target)
SETTLE_MIN_S = 0.3  # ... and at least this long after the command (a real arm starts within it)


def yaw_to_quaternion(yaw: float) -> tuple[float, float, float, float]:
    return 0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)


def pose_from_msg(msg: Any) -> ToolPose:
    p, q = msg.pose.position, msg.pose.orientation
    yaw = math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z))
    return ToolPose(np.array([p.x, p.y, p.z]), yaw)


def fill_pose_msg(msg: Any, pose: ToolPose, stamp: Any, frame: str = topics.BASE_FRAME) -> Any:
    msg.header.stamp, msg.header.frame_id = stamp, frame
    msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = (float(v) for v in pose.position)
    q = msg.pose.orientation
    q.x, q.y, q.z, q.w = yaw_to_quaternion(pose.yaw)
    return msg


class _Latest:
    """The latest value of a stream, when it arrived (monotonic) and a counter."""

    def __init__(self) -> None:
        self.value: Any = None
        self.time = -math.inf
        self.count = 0


class RosRobotLink:
    def __init__(self, node: Any, cfg: AgentConfig, image_size: int, recorder: BagRecorder | None) -> None:
        self.node, self.cfg, self.recorder = node, cfg, recorder
        self._pre = PreprocessConfig(size=image_size, crop=cfg.crop_box)
        self._cond = threading.Condition()
        self._image, self._pose, self._gripper = _Latest(), _Latest(), _Latest()
        self.image_errors: list[str] = []
        self._done_at = time.monotonic()
        self.stopping = threading.Event()  # set on deactivate: every wait ends with LinkLostError at once
        # One reentrant group for the link's subscriptions and clients: their callbacks only store the
        # latest value under a lock, and in the node's default (mutually exclusive) group a pose or a
        # service response could wait behind a run of image callbacks until a wait timed out.
        group = ReentrantCallbackGroup()
        self._subs = [
            node.create_subscription(Image, cfg.image_topic, self._on_image, 2, callback_group=group),
            node.create_subscription(
                PoseStamped, cfg.tool_pose_topic, self._on_pose, 10, callback_group=group
            ),
            node.create_subscription(
                JointState, cfg.gripper_state_topic, self._on_gripper, 10, callback_group=group
            ),
        ]
        self._target_pub = node.create_publisher(PoseStamped, cfg.target_pose_topic, 10)
        self._pubs = {
            topics.GRASP_IMAGE_TOPIC: node.create_publisher(Image, topics.GRASP_IMAGE_TOPIC, 10),
            topics.GRASP_STATE_TOPIC: node.create_publisher(Float32MultiArray, topics.GRASP_STATE_TOPIC, 10),
            topics.GRASP_ACTION_TOPIC: node.create_publisher(
                Float32MultiArray, topics.GRASP_ACTION_TOPIC, 10
            ),
            topics.GRASP_EPISODE_TOPIC: node.create_publisher(String, topics.GRASP_EPISODE_TOPIC, 10),
        }
        self._gripper_client = node.create_client(SetBool, cfg.gripper_service, callback_group=group)
        self._reset_client = (
            node.create_client(Trigger, cfg.reset_service, callback_group=group)
            if cfg.reset_service
            else None
        )

    # --- callbacks (executor thread) ------------------------------------------------------------
    def _store(self, latest: _Latest, value: Any) -> None:
        with self._cond:
            latest.value, latest.time, latest.count = value, time.monotonic(), latest.count + 1
            self._cond.notify_all()

    def _on_image(self, msg: Any) -> None:
        try:
            rgb = rgb_from_msg(msg, self.cfg.image_topic)
            image = preprocess(rgb, self._pre, "rgb")
        except (UnsupportedEncodingError, ValueError) as exc:
            if str(exc) not in self.image_errors[-2:]:
                self.node.get_logger().error(f"{exc}; frame dropped")
            self.image_errors = [*self.image_errors[-99:], str(exc)]
            return
        self._store(self._image, image)

    def _on_pose(self, msg: Any) -> None:
        self._store(self._pose, pose_from_msg(msg))

    def _on_gripper(self, msg: Any) -> None:
        if msg.position:
            self._store(self._gripper, float(msg.position[0]))

    # --- waits (episode thread) -------------------------------------------------------------------
    def stop(self) -> None:
        with self._cond:
            self.stopping.set()
            self._cond.notify_all()

    def _check_stopping(self) -> None:
        if self.stopping.is_set():
            raise LinkLostError("agent", "deactivated while an episode was running")

    def _wait(self, latest: _Latest, part: str, ready: Callable[[], bool], timeout: float) -> Any:
        with self._cond:
            ok = self._cond.wait_for(lambda: ready() or self.stopping.is_set(), timeout)
            self._check_stopping()
            if not ok:
                raise LinkLostError(part, f"nothing usable within {timeout:.1f} s")
            return latest.value

    def image_after(self, t: float) -> np.ndarray:
        return self._wait(self._image, "camera", lambda: self._image.time > t, self.cfg.image_timeout_s)

    def tool_pose(self) -> ToolPose:
        """The measured pose, received after the last command (a reset included) was done."""
        t = self._done_at
        return self._wait(self._pose, "arm", lambda: self._pose.time > t, self.cfg.arm_timeout_s)

    def finger_opening(self) -> float:
        """The finger opening measured after the last command was done."""
        t = self._done_at
        return float(
            self._wait(self._gripper, "gripper", lambda: self._gripper.time > t, self.cfg.arm_timeout_s)
        )

    def command_done_at(self) -> float:
        return self._done_at

    def ready(self, timeout: float) -> bool:
        """True when the camera, the arm and the gripper have all been heard from within `timeout`."""
        t = time.monotonic() - self.cfg.image_timeout_s
        with self._cond:
            return self._cond.wait_for(
                lambda: min(self._image.time, self._pose.time, self._gripper.time) > t, timeout
            )

    def move(self, target: ToolPose) -> ToolPose:
        self._check_stopping()
        start = time.monotonic()
        self._target_pub.publish(fill_pose_msg(PoseStamped(), target, self.node.get_clock().now().to_msg()))
        deadline = start + self.cfg.arm_timeout_s
        seen, previous = self._pose.count, None

        def moved_on() -> bool:
            return bool(self._pose.count > seen or self.stopping.is_set())

        while True:
            with self._cond:
                ok = self._cond.wait_for(moved_on, max(0.0, deadline - time.monotonic()))
                self._check_stopping()
                if not ok:
                    raise LinkLostError(
                        "arm", f"did not reach or stop at its target within {self.cfg.arm_timeout_s} s"
                    )
                pose, seen, self._done_at = self._pose.value, self._pose.count, self._pose.time
            if np.linalg.norm(pose.position - target.position) < self.cfg.position_tolerance:
                return pose
            still = (
                previous is not None and np.linalg.norm(pose.position - previous.position) < SETTLE_STILL_M
            )
            if still and time.monotonic() - start > SETTLE_MIN_S:
                return pose
            previous = pose

    def hold(self) -> None:
        """Safe stop: command the arm to stay where it was last measured (the gripper is left as it is)."""
        if self._pose.value is not None:
            now = self.node.get_clock().now().to_msg()
            self._target_pub.publish(fill_pose_msg(PoseStamped(), self._pose.value, now))

    def _call(self, client: Any, request: Any, part: str, timeout: float | None = None) -> Any:
        self._check_stopping()
        timeout = self.cfg.arm_timeout_s if timeout is None else timeout
        if not client.wait_for_service(timeout_sec=timeout):
            raise LinkLostError(part, f"service {client.srv_name} not available within {timeout} s")
        future = client.call_async(request)
        # Poll the future rather than wait on a done callback: rclpy runs done callbacks as executor tasks,
        # and under the agent's spin_once loop such a task sometimes ran seconds after the response came
        # (episodes aborted with "did not answer" while the server had answered in 5 ms).
        deadline = time.monotonic() + timeout
        while not future.done() and time.monotonic() < deadline:
            time.sleep(0.002)
        if not future.done():
            client.remove_pending_request(future)
            raise LinkLostError(part, f"service {client.srv_name} did not answer within {timeout} s")
        response = future.result()
        if not response.success:
            raise LinkLostError(part, f"service {client.srv_name} failed: {response.message}")
        return response

    def set_gripper(self, close: bool) -> None:
        self._done_at = time.monotonic()
        self._call(self._gripper_client, SetBool.Request(data=close), "gripper")

    def reset_episode(self) -> str:
        if self._reset_client is None:
            return ""
        self._done_at = time.monotonic()
        return str(
            self._call(self._reset_client, Trigger.Request(), "reset", self.cfg.reset_timeout_s).message
        )

    # --- what the agent publishes (and records) ---------------------------------------------------
    def _publish(self, topic: str, msg: Any) -> None:
        self._pubs[topic].publish(msg)
        if self.recorder is not None:
            self.recorder.write(topic, msg)

    def record_step(self, image: np.ndarray, state: np.ndarray, action: np.ndarray) -> None:
        img = fill_image_msg(Image(), image)
        img.header.stamp = self.node.get_clock().now().to_msg()
        self._publish(topics.GRASP_IMAGE_TOPIC, img)
        self._publish(topics.GRASP_STATE_TOPIC, Float32MultiArray(data=[float(v) for v in state]))
        self._publish(topics.GRASP_ACTION_TOPIC, Float32MultiArray(data=[float(v) for v in action]))

    def publish_event(self, event: str) -> None:
        self._publish(topics.GRASP_EPISODE_TOPIC, String(data=event))

    def destroy(self) -> None:
        for sub in self._subs:
            self.node.destroy_subscription(sub)
        for pub in [self._target_pub, *self._pubs.values()]:
            self.node.destroy_publisher(pub)
        for client in (self._gripper_client, self._reset_client):
            if client is not None:
                self.node.destroy_client(client)
