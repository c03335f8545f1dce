"""The whole ROS path across two processes: the agent (`qtopt robot --ros`, a subprocess) drives the sim
bridge (this process) through grasps; episodes land in the grasp log and a bag with the right labels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.grasp_log import GraspLogReader, GraspLogWriter, import_rosbag
from robot_drivers.ros.bag_recorder import AGENT_BAG_MAPPING
from robot_drivers.ros.sim_bridge import SimBridgeNode
from robot_drivers.ros.spinning import spinning
from tests.robot_drivers.ros.helpers import fresh_checkpoint

EPISODES = 5


def test_agent_process_drives_sim_bridge_and_logs_labelled_episodes(tmp_path: Path) -> None:
    assert os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    checkpoint = fresh_checkpoint(tmp_path / "ck")
    config = tmp_path / "robot.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "checkpoint": str(checkpoint),
                "reset_service": "/sim/reset",
                "grasp_log": str(tmp_path / "log"),
                "bag_path": str(tmp_path / "bag"),
                "robot": "sim-ros-0",
                "source": "sim",
                "episodes": EPISODES,
                "image_timeout_s": 3,
            }
        )
    )
    qtopt = Path(sys.executable).with_name("qtopt")
    with spinning(lambda ctx: SimBridgeNode(context=ctx)) as (bridge,):
        run = subprocess.run(
            [str(qtopt), "robot", "--ros", "--config", str(config), "--json"],
            capture_output=True,
            text=True,
            timeout=150,
            env=os.environ.copy(),
        )
        assert run.returncode == 0, run.stderr[-3000:]
        truths = list(bridge.truths)
    outcomes = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(outcomes) == EPISODES and len(truths) == EPISODES
    # the agent's own success detection (gripper + image difference) agrees with the simulator's truth
    assert [o["status"] for o in outcomes] == ["success" if t else "failure" for t in truths], [
        (o["status"], o["reason"]) for o in outcomes
    ]

    reader = GraspLogReader(tmp_path / "log")
    episodes = reader.episodes().to_pylist()
    assert len(episodes) == EPISODES
    by_id = {e["episode_id"]: e for e in episodes}
    policy_id = read_manifest(checkpoint)["id"]
    for outcome in outcomes:
        logged = by_id[outcome["episode_id"]]
        assert logged["success"] == (outcome["status"] == "success")
        assert logged["robot"] == "sim-ros-0" and logged["source"] == "sim"
        assert logged["length"] == outcome["steps"]
        assert logged["policy_id"] == policy_id

    with GraspLogWriter(tmp_path / "imported") as writer:
        ids = import_rosbag(tmp_path / "bag", writer, AGENT_BAG_MAPPING)
    imported = GraspLogReader(tmp_path / "imported").episodes().to_pylist()
    assert len(ids) == EPISODES
    assert [e["success"] for e in sorted(imported, key=lambda e: e["start_time"])] == [
        o["status"] == "success" for o in outcomes
    ]
    assert [e["length"] for e in sorted(imported, key=lambda e: e["start_time"])] == [
        o["steps"] for o in outcomes
    ]
