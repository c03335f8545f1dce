"""QT-Opt's success detection over ROS agrees with the simulator on real grasps: a privileged scripted
grasper (noise 0, reading the bridge's world) drives the agent, so successes are common, and every label the
agent logs (fingers not closed after the lift + image change on the drop) must equal the simulator's truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter

from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.policies.scripted import ScriptedGraspPolicy
from robot_drivers.ros import topics
from robot_drivers.ros.agent_node import GraspAgentNode
from robot_drivers.ros.sim_bridge import SimBridgeNode
from robot_drivers.ros.spinning import spinning

EPISODES = 4


class BridgeView:
    """What ScriptedGraspPolicy reads of a GraspWorld, from the bridge: its world and its commanded pose."""

    def __init__(self, bridge: SimBridgeNode) -> None:
        self.bridge, self.config = bridge, bridge.world.config

    @property
    def tool_pose(self) -> tuple[Any, float]:
        pose = self.bridge.commanded_pose
        return pose.position, pose.yaw

    def object_states(self) -> list[Any]:
        return self.bridge.world.object_states()


def test_agent_labels_equal_simulator_truth_on_scripted_grasps(tmp_path: Path) -> None:
    holder: dict[str, SimBridgeNode] = {}

    def bridge(context: object) -> SimBridgeNode:
        holder["bridge"] = SimBridgeNode(context=context)
        return holder["bridge"]

    def agent(context: object) -> GraspAgentNode:
        policy = ScriptedGraspPolicy(BridgeView(holder["bridge"]), noise=0.0, seed=0)
        params = {
            "policy": "descend",  # replaced by the scripted policy given below
            "reset_service": topics.RESET_SERVICE,
            "grasp_log": str(tmp_path / "log"),
            "source": "sim",
            "episodes": EPISODES,
            "image_timeout_s": 3.0,
        }
        overrides = [Parameter(k, value=v) for k, v in params.items()]
        return GraspAgentNode(context=context, policy=(policy, "scripted-0"), parameter_overrides=overrides)

    with spinning(bridge, agent) as (sim, node):
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        assert node.finished.wait(90), "the agent did not finish its episodes"
        truths = list(sim.truths)
    labels = [o.status for o in node.outcomes]
    assert labels == ["success" if t else "failure" for t in truths]
    assert labels.count("success") >= 2, labels  # the scripted grasper without noise mostly succeeds
    logged = GraspLogReader(tmp_path / "log").episodes().to_pylist()
    assert sorted(e["success"] for e in logged) == sorted(truths)
    assert {e["policy_id"] for e in logged} == {"scripted-0"}
