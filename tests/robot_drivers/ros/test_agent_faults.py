"""Faults the agent must survive: the camera stops mid-episode (abort, recover) and images it cannot read."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image

from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.ros import topics
from robot_drivers.ros.agent_node import GraspAgentNode
from robot_drivers.ros.sim_bridge import SimBridgeNode
from robot_drivers.ros.spinning import spinning
from tests.robot_drivers.ros.helpers import wait_for


def _agent(ctx: object, log: Path, episodes: int) -> GraspAgentNode:
    params = {
        "policy": "descend",
        "reset_service": topics.RESET_SERVICE,
        "grasp_log": str(log),
        "source": "sim",
        "episodes": episodes,
        "image_timeout_s": 1.0,
    }
    return GraspAgentNode(context=ctx, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])


def test_camera_loss_mid_episode_aborts_it_and_the_agent_recovers(tmp_path: Path) -> None:
    with spinning(lambda c: SimBridgeNode(context=c), lambda c: _agent(c, tmp_path / "log", 3)) as (
        bridge,
        agent,
    ):
        assert agent.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert agent.trigger_activate() == TransitionCallbackReturn.SUCCESS
        wait_for(lambda: bridge.episode == 0 and bridge.moves >= 2, 30, "two arm moves in episode 0")
        bridge.camera_enabled = False
        wait_for(lambda: len(agent.outcomes) == 1, 10, "the agent to abort episode 0")
        time.sleep(1.0)  # camera still gone: the agent waits, starts nothing, does not crash
        assert len(agent.outcomes) == 1 and bridge.episode == 0
        assert agent._thread is not None and agent._thread.is_alive()
        bridge.camera_enabled = True
        assert agent.finished.wait(60), "the agent did not finish its episodes after the camera returned"
        agent.trigger_deactivate()
        truths = list(bridge.truths)
    first, *rest = agent.outcomes
    assert first.status == "aborted" and "camera lost" in first.reason and first.episode_id is None
    assert [o.status for o in rest] == ["success" if t else "failure" for t in truths[1:]]
    logged = GraspLogReader(tmp_path / "log").episodes().to_pylist()
    assert sorted(e["episode_id"] for e in logged) == sorted(
        o.episode_id for o in rest
    )  # aborted: not logged


def test_unsupported_image_encoding_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    from rclpy.node import Node

    with spinning(lambda c: _agent(c, tmp_path / "log", 1), lambda c: Node("camera_stub", context=c)) as (
        agent,
        stub,
    ):
        agent.trigger_configure()
        agent.trigger_activate()
        pub = stub.create_publisher(Image, topics.CAMERA_TOPIC, 2)
        bad = Image(height=4, width=4, encoding="yuv422", step=8, data=bytes(32))
        short = Image(height=4, width=4, encoding="rgb8", step=12, data=bytes(10))
        stop = threading.Event()

        def publish() -> None:
            while not stop.is_set():
                pub.publish(bad)
                pub.publish(short)
                time.sleep(0.05)

        thread = threading.Thread(target=publish, daemon=True)
        thread.start()
        try:
            link = agent.link
            assert link is not None
            wait_for(lambda: any("yuv422" in e for e in link.image_errors), 15, "the encoding error")
            wait_for(lambda: any("does not match" in e for e in link.image_errors), 15, "the size error")
        finally:
            stop.set()
            thread.join()
        message = next(e for e in link.image_errors if "yuv422" in e)
        assert topics.CAMERA_TOPIC in message and "rgb8" in message
        assert agent._thread is not None and agent._thread.is_alive() and agent.outcomes == []
        agent.trigger_deactivate()
