"""Control-loop latency of the ROS 2 grasp agent: camera image in -> Cartesian command out, 64x64, CPU.

A stand-in robot node answers each Cartesian target at once with a tool pose at the target and a fresh
64x64 rgb8 image, and the gripper service at once. It runs in its own process, as a robot driver does (or,
with `--one-process`, in the agent's process on a second executor thread, sharing its GIL). The agent node
(the same code as `qtopt robot --ros`, the default Q-network for 64x64 and QT-Opt's CEM, a fresh checkpoint)
runs its episodes against it over real DDS (Fast DDS, localhost only). A latency is counted from the
moment an image is published to the moment the target computed from it arrives: transport both ways,
decoding, preprocessing, CEM (2 x 64 samples), the step's monitoring/recording messages, the command.

    .venv/bin/python benchmarks/control_loop.py [--quick] [--steps 400] [--one-process]

Last line: `p50_ms=... p99_ms=... steps=...`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
os.environ.setdefault("ROS_DOMAIN_ID", "74")

import numpy as np
import torch
from geometry_msgs.msg import PoseStamped
from rclpy.context import Context
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
from robot_drivers.ros.spinning import spinning


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


def _spin_until(robot: InstantRobot, steps: int, time_limit: float) -> None:
    start = time.monotonic()
    while len(robot.latencies) < steps + 10 and time.monotonic() - start < time_limit:
        time.sleep(0.05)


def robot_process(steps: int, time_limit: float, results: Any) -> None:
    """The stand-in robot in a process of its own: serve until `steps` (+10 warm-up) are measured."""
    with spinning(InstantRobot) as (robot,):
        _spin_until(robot, steps, time_limit)
        with robot.lock:
            results.put(list(robot.latencies))


def run(steps: int, time_limit: float, one_process: bool = False, torch_threads: int = 1) -> np.ndarray:
    tmp = Path(tempfile.mkdtemp(prefix="qtopt_control_loop_"))
    config = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)
    checkpoint = Learner(QNetworkConfig(image_size=64), config).save_checkpoint(tmp / "ck")
    process, results = None, None
    if not one_process:
        mp = multiprocessing.get_context("spawn")
        results = mp.Queue()
        process = mp.Process(target=robot_process, args=(steps, time_limit, results), daemon=True)
        process.start()
    params = {
        "checkpoint": str(checkpoint),
        "drop_settle_s": 0.01,
        "episodes": 0,
        "torch_threads": torch_threads,
    }

    def agent_node(context: Context) -> GraspAgentNode:
        overrides = [Parameter(k, value=v) for k, v in params.items()]
        return GraspAgentNode(context=context, parameter_overrides=overrides)

    factories: list[Callable[[Context], Node]] = [InstantRobot, agent_node] if one_process else [agent_node]
    with spinning(*factories) as nodes:
        agent = nodes[-1]
        agent.trigger_configure()
        agent.trigger_activate()
        if one_process:
            robot = nodes[0]
            _spin_until(robot, steps, time_limit)
            latencies = list(robot.latencies)
        else:
            assert results is not None and process is not None
            latencies = results.get(timeout=time_limit + 120)
            process.join(timeout=30)
        agent.trigger_deactivate()
    return np.asarray(latencies[10:]) * 1000.0  # the first steps warm up torch and DDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 100 steps or 30 s, under 60 s in all")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument(
        "--threads", type=int, default=1, help="the agent's torch_threads parameter (0: torch's default)"
    )
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="the stand-in robot in the agent's process (shares its GIL)",
    )
    args = parser.parse_args()
    steps, limit = (100, 30.0) if args.quick else (args.steps, 600.0)
    ms = run(steps, limit, args.one_process, args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads "
        f"{torch.get_num_threads()}, load average {load:.2f}, "
        f"robot {'in the agent process' if args.one_process else 'in its own process'}"
    )
    if ms.size == 0:
        raise SystemExit("no control steps were measured")
    p50, p99 = np.percentile(ms, [50, 99])
    print(f"image in -> command out over {ms.size} steps: mean {ms.mean():.2f} ms, max {ms.max():.2f} ms")
    print(f"p50_ms={p50:.2f} p99_ms={p99:.2f} steps={ms.size}")


if __name__ == "__main__":
    main()
