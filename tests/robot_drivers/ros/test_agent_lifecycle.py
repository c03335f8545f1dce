"""Lifecycle and parameters at run time: a newly promoted checkpoint is picked up at the next episode, static
parameters refuse to change, and deactivating mid-episode aborts that episode (never logged)."""

from __future__ import annotations

from pathlib import Path

from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter

from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.ros import topics
from robot_drivers.ros.agent_node import GraspAgentNode
from robot_drivers.ros.sim_bridge import SimBridgeNode
from robot_drivers.ros.spinning import spinning
from tests.robot_drivers.ros.helpers import fresh_checkpoint, wait_for


def test_new_champion_is_picked_up_and_deactivate_aborts_the_running_episode(tmp_path: Path) -> None:
    first, second = fresh_checkpoint(tmp_path / "a"), fresh_checkpoint(tmp_path / "b")
    params = {
        "checkpoint": str(first),
        "reset_service": topics.RESET_SERVICE,
        "grasp_log": str(tmp_path / "log"),
        "source": "sim",
        "episodes": 3,
        "image_timeout_s": 3.0,  # no spurious abort on a loaded machine
    }
    overrides = [Parameter(k, value=v) for k, v in params.items()]
    with spinning(
        lambda c: SimBridgeNode(context=c), lambda c: GraspAgentNode(context=c, parameter_overrides=overrides)
    ) as (bridge, agent):
        assert agent.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert agent.trigger_activate() == TransitionCallbackReturn.SUCCESS
        wait_for(lambda: bridge.episode == 0 and bridge.moves >= 1, 30, "episode 0 under way")
        refused = agent.set_parameters([Parameter("image_topic", value="/other")])[0]
        assert not refused.successful and "image_topic" in refused.reason
        missing = agent.set_parameters([Parameter("checkpoint", value=str(tmp_path / "none"))])[0]
        assert not missing.successful and "checkpoint" in missing.reason
        assert agent.set_parameters([Parameter("checkpoint", value=str(second))])[0].successful
        wait_for(lambda: len(agent.outcomes) == 2, 60, "episodes 0 and 1")
        # episode 2 is being reset (objects settling, 100+ ms): with no camera it cannot finish
        bridge.camera_enabled = False
        assert agent.trigger_deactivate() == TransitionCallbackReturn.SUCCESS
        assert agent.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
    done, aborted = agent.outcomes[:2], agent.outcomes[2]
    assert all(o.status in ("success", "failure") for o in done)
    assert aborted.status == "aborted" and "deactivated" in aborted.reason
    logged = {
        e["episode_id"]: e["policy_id"] for e in GraspLogReader(tmp_path / "log").episodes().to_pylist()
    }
    assert [logged[o.episode_id] for o in done] == [read_manifest(first)["id"], read_manifest(second)["id"]]
