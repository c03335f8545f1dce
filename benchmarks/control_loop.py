"""Control-loop latency of the ROS 2 grasp agent: camera image in -> Cartesian command out, 64x64, CPU.

A stand-in robot node (this process, its own executor thread) answers each Cartesian target at once with a
tool pose at the target and a fresh 64x64 rgb8 image, and the gripper service at once. The agent node (the
same code as `qtopt robot --ros`, the default Q-network for 64x64 and QT-Opt's CEM, a fresh checkpoint)
runs its episodes against it over real DDS (Fast DDS, localhost only). A latency is counted from the
moment an image is published to the moment the target computed from it arrives: transport both ways,
decoding, preprocessing, CEM (2 x 64 samples), the step's monitoring/recording messages, the command.

    .venv/bin/python benchmarks/control_loop.py [--quick] [--steps 400]

Last line: `p50_ms=... p99_ms=... steps=...`.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_DOMAIN_ID", "74")

import numpy as np
import rclpy
import torch
from geometry_msgs.msg import PoseStamped
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float32MultiArray
from std_srvs.srv import SetBool

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig
from robot_drivers.ros import topics
from robot_drivers.ros.agent_node import GraspAgentNode
from robot_drivers.ros.images import fill_image_msg


class InstantRobot(Node):
    """Arrives at every target at once; publishes the pose, the finger opening and a new image."""

    def __init__(self, context: Context) -> None:
        super().__init__("instant_robot", context=context)
        self.rng = np.random.default_rng(0)
        self.image_pub = self.create_publisher(Image, topics.CAMERA_TOPIC, 2)
        self.pose_pub = self.create_publisher(PoseStamped, topics.TOOL_POSE_TOPIC, 10)
        self.grip_pub = self.create_publisher(JointState, topics.GRIPPER_STATE_TOPIC, 10)
        self.create_subscription(PoseStamped, topics.TARGET_POSE_TOPIC, self._on_target, 10)
        self.create_subscription(Float32MultiArray, topics.GRASP_ACTION_TOPIC, self._on_action, 10)
        self.create_service(SetBool, topics.GRIPPER_SERVICE, self._on_gripper)
        self.create_timer(0.1, self._publish)
        self.pose: Any = None
        self.lock = threading.Lock()
        self.image_time = 0.0
        self.action_after_image = False
        self.latencies: list[float] = []

    def _publish(self) -> None:
        if self.pose is None:
            msg = PoseStamped()
            msg.pose.position.x, msg.pose.position.z, msg.pose.orientation.w = 0.6, 0.25, 1.0
            self.pose = msg
        self.pose_pub.publish(self.pose)
        self.grip_pub.publish(JointState(name=["gripper_opening"], position=[0.02]))
        image = fill_image_msg(Image(), self.rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
        with self.lock:
            self.image_time, self.action_after_image = time.perf_counter(), False
        self.image_pub.publish(image)

    def _on_action(self, msg: Any) -> None:
        with self.lock:
            self.action_after_image = True

    def _on_target(self, msg: Any) -> None:
        now = time.perf_counter()
        with self.lock:
            if self.action_after_image:  # a step's command (not a lift): computed from the last image
                self.latencies.append(now - self.image_time)
                self.action_after_image = False
        self.pose = msg
        self._publish()

    def _on_gripper(self, request: Any, response: Any) -> Any:
        response.success = True
        self._publish()
        return response


def run(steps: int, time_limit: float) -> np.ndarray:
    tmp = Path(tempfile.mkdtemp(prefix="qtopt_control_loop_"))
    config = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)
    checkpoint = Learner(QNetworkConfig(image_size=64), config).save_checkpoint(tmp / "ck")
    context = Context()
    rclpy.init(context=context)
    robot = InstantRobot(context)
    params = {"checkpoint": str(checkpoint), "drop_settle_s": 0.01, "episodes": 0}
    agent = GraspAgentNode(
        context=context, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()]
    )
    executors = [SingleThreadedExecutor(context=context) for _ in range(2)]  # one per node, as two processes
    threads = []
    for executor, node in zip(executors, (robot, agent), strict=True):
        executor.add_node(node)
        threads.append(threading.Thread(target=executor.spin, daemon=True))
        threads[-1].start()
    agent.trigger_configure()
    agent.trigger_activate()
    start = time.monotonic()
    while len(robot.latencies) < steps + 10 and time.monotonic() - start < time_limit:
        time.sleep(0.05)
    agent.trigger_deactivate()
    for executor in executors:
        executor.shutdown()
    for thread in threads:
        thread.join(timeout=10)
    agent.destroy_node()
    robot.destroy_node()
    rclpy.try_shutdown(context=context)
    return np.asarray(robot.latencies[10:]) * 1000.0  # the first steps warm up torch and DDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 100 steps or 30 s, under 60 s in all")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    steps, limit = (100, 30.0) if args.quick else (args.steps, 600.0)
    ms = run(steps, limit)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads "
        f"{torch.get_num_threads()}, load average {load:.2f}"
    )
    if ms.size == 0:
        raise SystemExit("no control steps were measured")
    p50, p99 = np.percentile(ms, [50, 99])
    print(f"image in -> command out over {ms.size} steps: mean {ms.mean():.2f} ms, max {ms.max():.2f} ms")
    print(f"p50_ms={p50:.2f} p99_ms={p99:.2f} steps={ms.size}")


if __name__ == "__main__":
    main()
