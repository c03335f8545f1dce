"""Auto-descend mode: the robot descends and closes; the policy moves in the plane and turns."""

import numpy as np
import pytest

from qtopt_finetune.spaces import Observation
from robot_drivers.policies.auto_descend import CLOSE_HEIGHT, DESCEND_STEP, AutoDescend
from robot_drivers.policies.factory import make_policy, policy_id
from robot_drivers.policies.scripted import ScriptedOptions
from robot_drivers.sim import GraspWorld


class _Planar:
    """Asks to go up, open and carry on; only its dx, dy and rotation should survive."""

    def reset(self, seed: int | None = None) -> None:
        pass

    def act(self, observation: Observation) -> np.ndarray:
        return np.array([0.3, -0.2, 1.0, 0.4, 0.0, 0.0], np.float32)


def _obs(height: float) -> Observation:
    return Observation(np.zeros((64, 64, 3), np.uint8), False, height)


def test_the_wrapper_descends_a_fixed_step_and_closes_at_the_grasp_height() -> None:
    policy = AutoDescend(_Planar(), max_translation=0.08)
    high = policy.act(_obs(0.25))
    np.testing.assert_allclose(high, [0.3, -0.2, -DESCEND_STEP / 0.08, 0.4, 0.0, 0.0], rtol=1e-6)
    last = policy.act(_obs(CLOSE_HEIGHT + DESCEND_STEP / 2))  # the next step would pass the grasp height
    np.testing.assert_allclose(last[[0, 1, 3]], [0.3, -0.2, 0.4])
    assert last[2] == pytest.approx(-DESCEND_STEP / 2 / 0.08, rel=1e-5)  # exactly down to it
    assert last[4] == last[5] == 1.0
    with pytest.raises(ValueError, match="step"):
        AutoDescend(_Planar(), max_translation=0.02)  # a 4 cm step cannot be commanded


def test_in_the_sim_every_episode_ends_with_its_own_grasp_at_the_grasp_height() -> None:
    with GraspWorld() as world:
        policy = make_policy("random", world, seed=0, auto_descend=True)
        for seed in range(3):
            obs, _ = world.reset(seed=seed)
            policy.reset(seed)
            start, steps, done, info = obs.gripper_height, 0, False, {}
            while not done:
                action = policy.act(obs)
                obs, _, done, _, info = world.step(action)
                steps += 1
            assert not info["forced_terminate"] and action[4] == action[5] == 1.0
            assert steps == int(np.ceil((start - CLOSE_HEIGHT) / DESCEND_STEP - 1e-6))
            assert world.tool_pose[0][2] - 0.015 == pytest.approx(
                CLOSE_HEIGHT, abs=0.01
            )  # the arm lags a little
    assert (
        policy_id("scripted", 0.1, auto_descend=True, scripted=ScriptedOptions(1.0))
        == "scripted(noise=1, epsilon=0.1, auto-descend)"
    )


def test_a_checkpoint_is_run_in_the_mode_it_was_trained_for(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qtopt_finetune.learner import Learner
    from qtopt_finetune.networks import QNetworkConfig
    from qtopt_finetune.spaces import AUTO_DESCEND_ACTIONS

    auto = Learner(QNetworkConfig(ignored_actions=AUTO_DESCEND_ACTIONS)).save_checkpoint(tmp_path / "auto")
    full = Learner().save_checkpoint(tmp_path / "full")
    with GraspWorld() as world:
        assert isinstance(make_policy(str(auto), world, seed=0), AutoDescend)
        assert not isinstance(make_policy(str(full), world, seed=0), AutoDescend)
        with pytest.raises(ValueError, match="controls its own descent"):
            make_policy(str(full), world, seed=0, auto_descend=True)
