"""A checkpoint's policy always runs in the world it learned from: its camera, its image size."""

from __future__ import annotations

from pathlib import Path

import pytest

from qtopt_finetune.grasp_log.info import load_info
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig
from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.policies.factory import make_policy
from robot_drivers.runner import CollectJob, collect
from robot_drivers.sim import GraspWorld, WorldConfig


@pytest.fixture(scope="module")
def wrist_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)
    network = QNetworkConfig(image_size=48, camera="wrist")
    return Learner(network, cfg).save_checkpoint(tmp_path_factory.mktemp("ck") / "wrist")


def test_the_world_of_a_checkpoint_is_its_camera_and_size(wrist_checkpoint: Path) -> None:
    config = checkpoint_world(wrist_checkpoint, variation="checkerboard", objects="test")
    assert (config.camera, config.image_size, config.variation) == ("wrist", 48, "checkerboard")
    job = CollectJob(None, 1, policy=str(wrist_checkpoint))  # camera and image_size left at their defaults
    assert (job.world_config().camera, job.world_config().image_size) == ("wrist", 48)
    scripted = CollectJob(None, 1, camera="wrist", image_size=32)
    assert (scripted.world_config().camera, scripted.world_config().image_size) == ("wrist", 32)


def test_a_checkpoint_in_another_cameras_world_is_refused(wrist_checkpoint: Path) -> None:
    with GraspWorld(WorldConfig(image_size=48)) as world, pytest.raises(ValueError, match="fixed camera"):
        make_policy(str(wrist_checkpoint), world)


def test_its_collected_episodes_are_logged_as_its_camera_saw_them(
    wrist_checkpoint: Path, tmp_path: Path
) -> None:
    summary = collect(CollectJob(str(tmp_path / "log"), 2, policy=str(wrist_checkpoint)), show_progress=False)
    info = load_info(tmp_path / "log")
    assert summary.episodes == 2 and info.camera == "wrist" and info.image_shape == (48, 48)
