"""SimRollouts: the sim runner a distributed job hands its collector actors (called here in-process)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from robot_drivers.sim_rollouts import SimRollouts
from tests.qtopt_finetune.helpers import TINY


def test_rollouts_evaluate_and_explore_with_a_checkpoint_policy(tmp_path: Path) -> None:
    checkpoint = Learner(TINY, LearnerConfig(progress=False, tensorboard=False)).save_checkpoint(
        tmp_path / "c"
    )
    runner = pickle.loads(pickle.dumps(SimRollouts(objects="train", exploration=0.5)))  # Ray ships it so
    episodes, successes = runner(str(checkpoint), 2, 0, None)
    assert episodes == 2 and 0 <= successes <= 2
    assert runner(str(checkpoint), 2, 0, str(tmp_path / "log"))[0] == 2
    with GraspLogReader(tmp_path / "log") as log:
        assert log.num_episodes == 2 and log.image_shape == (TINY.image_size, TINY.image_size)


def test_a_bad_variation_is_refused_naming_it(tmp_path: Path) -> None:
    checkpoint = Learner(TINY, LearnerConfig(progress=False, tensorboard=False)).save_checkpoint(
        tmp_path / "c"
    )
    with pytest.raises(ValueError, match="variation"):
        SimRollouts(variation="foggy")(str(checkpoint), 1, 0, None)
