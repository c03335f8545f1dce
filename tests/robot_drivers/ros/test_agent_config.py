"""Parameters are validated with errors naming the parameter; configure refuses a bad one; hardware imports
are guarded (robot_drivers imports without rclpy and pyrealsense2 and names the extra to install)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from robot_drivers.ros.agent_config import AgentConfig
from robot_drivers.ros.cli import load_robot_config


def test_bad_parameters_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        AgentConfig(policy="cem", checkpoint=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="workspace_min"):
        AgentConfig(policy="descend", workspace_min=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="unknown grasp agent parameter"):
        AgentConfig.from_dict({"policy": "descend", "camera_topic": "/x"})
    with pytest.raises(ValueError, match="camera must name"):
        AgentConfig(policy="descend", camera="")
    with pytest.raises(ValueError, match="torch_threads must be >= 0"):
        AgentConfig(policy="descend", torch_threads=-1)
    with pytest.raises(ValueError, match="reset_timeout_s must be a positive number"):
        AgentConfig(policy="descend", reset_timeout_s=0.0)
    config = tmp_path / "robot.yaml"
    config.write_text("policy: descend\nlift_height: 1\nworkspace_max: [1, 1, 1]\n")
    cfg = load_robot_config(config)
    assert cfg.lift_height == 1.0 and cfg.workspace_max == (1.0, 1.0, 1.0)


def test_loading_the_cem_policy_sets_the_agent_torch_threads(tmp_path: Path) -> None:
    """torch_threads is process-wide, so this runs in a child process: 1 (the default) and 0 (torch's own)."""
    code = (
        "import sys, torch\n"
        "from qtopt_finetune.learner import Learner\n"
        "from qtopt_finetune.learner_config import LearnerConfig\n"
        "from qtopt_finetune.networks import QNetworkConfig\n"
        "from robot_drivers.ros.agent_config import AgentConfig\n"
        "from robot_drivers.ros.agent_node import load_policy\n"
        "torch.set_num_threads(2)\n"
        "cfg = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)\n"
        "ck = Learner(QNetworkConfig(image_size=64, camera='wrist'), cfg).save_checkpoint(sys.argv[1])\n"
        "load_policy(AgentConfig(checkpoint=str(ck), torch_threads=0), 0)\n"
        "print(torch.get_num_threads())\n"
        "load_policy(AgentConfig(checkpoint=str(ck)), 0)\n"
        "print(torch.get_num_threads())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ck")], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "1"]


def test_a_checkpoint_of_another_camera_is_refused_by_name(tmp_path: Path) -> None:
    from qtopt_finetune.learner import Learner
    from qtopt_finetune.learner_config import LearnerConfig
    from qtopt_finetune.networks import QNetworkConfig
    from robot_drivers.ros.agent_node import load_policy

    cfg = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)
    fixed = Learner(QNetworkConfig(camera="fixed"), cfg).save_checkpoint(tmp_path / "fixed")
    with pytest.raises(ValueError, match="learned from the fixed camera, this robot's is 'wrist'"):
        load_policy(AgentConfig(checkpoint=str(fixed), torch_threads=0), 0)  # the default camera: wrist
    _, _, size = load_policy(AgentConfig(checkpoint=str(fixed), torch_threads=0, camera="fixed"), 0)
    assert size == 64


def test_configure_fails_cleanly_on_a_bad_parameter(tmp_path: Path) -> None:
    pytest.importorskip("rclpy")
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter

    from robot_drivers.ros.agent_node import GraspAgentNode
    from robot_drivers.ros.spinning import spinning

    bad = [Parameter("policy", value="cem"), Parameter("checkpoint", value=str(tmp_path / "none"))]
    with spinning(lambda c: GraspAgentNode(context=c, parameter_overrides=bad)) as (agent,):
        assert agent.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert agent.cfg is None


def test_robot_drivers_import_without_hardware_libraries() -> None:
    code = (
        "import sys\n"
        "for m in ('rclpy', 'pyrealsense2', 'cv2', 'sensor_msgs', 'rosbags'): sys.modules[m] = None\n"
        "import robot_drivers, robot_drivers.camera, robot_drivers.ros, robot_drivers.ros.cli\n"
        "import services.cli.main\n"
        "from robot_drivers.extras import MissingExtraError, require\n"
        "try:\n    require('pyrealsense2', 'the RealSense camera')\n"
        "except MissingExtraError as e:\n    print(e)\n"
        "try:\n    require('rclpy', 'qtopt robot --ros')\n"
        "except MissingExtraError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "qtopt-finetune[realsense]" in out.stdout and "qtopt-finetune[ros]" in out.stdout
