from typing import Any

import numpy as np
import pytest

from qtopt_finetune.spaces import ACTION_DIM, Observation
from robot_drivers.policies import RandomPolicy, ScriptedGraspPolicy
from robot_drivers.policies.epsilon_random import EpsilonRandomPolicy
from robot_drivers.policies.factory import policy_id
from robot_drivers.policies.scripted import ScriptedOptions, plan_grasp
from robot_drivers.sim import GraspWorld, WorldConfig

OBS = Observation(np.zeros((64, 64, 3), np.uint8), False, 0.25)


def _episode(
    world: GraspWorld, policy: ScriptedGraspPolicy, seed: int
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """One episode from `seed`: the policy's actions and the last step's info."""
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    actions: list[np.ndarray] = []
    info: dict[str, Any] = {}
    for _ in range(world.config.max_steps):
        actions.append(policy.act(obs))
        obs, _, done, _, info = world.step(actions[-1])
        if done:
            break
    return actions, info


def test_random_policy_is_seeded_and_in_range() -> None:
    a, b = RandomPolicy(seed=3), RandomPolicy(seed=3)
    acts = np.stack([a.act(OBS) for _ in range(200)])
    assert np.array_equal(acts, np.stack([b.act(OBS) for _ in range(200)]))
    assert acts.shape == (200, ACTION_DIM) and np.abs(acts[:, :4]).max() <= 1.0
    assert set(np.unique(acts[:, 4:])) == {0.0, 1.0}
    never = RandomPolicy(p_terminate=0.0, seed=0)
    assert all(never.act(OBS)[5] == 0.0 for _ in range(50))


def test_bad_policy_parameters() -> None:
    with pytest.raises(ValueError, match="p_close"):
        RandomPolicy(p_close=1.5)
    with GraspWorld() as w, pytest.raises(ValueError, match="noise"):
        ScriptedGraspPolicy(w, noise=-1)


def test_grasp_plan_crosses_the_narrow_side() -> None:
    with GraspWorld() as w:
        w.reset(seed=0)
        obj = w.object_states()[0]
    point, yaw = plan_grasp(obj)
    close_axis = np.array([np.sin(yaw), -np.cos(yaw)])
    along_axis = np.array([np.cos(yaw), np.sin(yaw)])
    width = np.ptp(obj.footprint @ close_axis)
    assert width <= np.ptp(obj.footprint @ along_axis) + 1e-9
    assert np.linalg.norm(point[:2] - obj.footprint.mean(axis=0)) < 0.05


class _Constant:
    """A policy that always returns the same action and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def reset(self, seed: int | None = None) -> None:
        pass

    def act(self, observation: Observation) -> np.ndarray:
        self.calls += 1
        return np.zeros(ACTION_DIM, dtype=np.float32)


def _observation() -> Observation:
    return Observation(np.zeros((64, 64, 3), np.uint8), False, 0.2)


def test_epsilon_random_replaces_about_epsilon_of_the_actions() -> None:
    inner = _Constant()
    policy = EpsilonRandomPolicy(inner, epsilon=0.3, seed=0)
    policy.reset(seed=5)
    actions = np.stack([policy.act(_observation()) for _ in range(2000)])
    replaced = np.any(actions != 0.0, axis=1).mean()
    assert 0.25 < replaced < 0.35
    assert inner.calls == 2000  # the wrapped policy is asked every step, so its own state moves on
    assert np.all(np.abs(actions[:, :4]) <= 1.0)
    policy.reset(seed=5)
    again = np.stack([policy.act(_observation()) for _ in range(2000)])
    np.testing.assert_array_equal(actions, again)


def test_epsilon_random_refuses_a_bad_epsilon() -> None:
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonRandomPolicy(_Constant(), epsilon=1.5)


def test_scripted_collection_with_exploration_is_named_in_the_log() -> None:
    assert policy_id("scripted", 0.2, scripted=ScriptedOptions(1.0)) == "scripted(noise=1, epsilon=0.2)"
    assert policy_id("scripted", scripted=ScriptedOptions(1.0)) == "scripted(noise=1)"


def test_a_noise_range_draws_each_episodes_noise_within_it_and_repeats_under_a_seed() -> None:
    with GraspWorld() as w:
        policy = ScriptedGraspPolicy(w, noise=0.5, noise_max=2.5, seed=0)
        levels = []
        for seed in range(40):
            policy.reset(seed=seed)
            levels.append(policy.noise)
        assert all(0.5 <= level <= 2.5 for level in levels)
        assert min(levels) < 1.0 and max(levels) > 2.0  # spread over the range, not one level
        policy.reset(seed=3)
        assert policy.noise == levels[3]
        fixed = ScriptedGraspPolicy(w, noise=1.0, seed=0)
        fixed.reset(seed=3)
        assert fixed.noise == 1.0


def test_a_bad_noise_range_is_refused_naming_it() -> None:
    with GraspWorld() as w:
        with pytest.raises(ValueError, match="noise_max must be >= noise"):
            ScriptedGraspPolicy(w, noise=1.0, noise_max=0.5)
        with pytest.raises(ValueError, match="noise_max"):
            ScriptedGraspPolicy(w, noise=0.0, noise_max=float("nan"))


def test_a_noise_range_is_named_in_the_log() -> None:
    assert (
        policy_id("scripted", 0.1, scripted=ScriptedOptions(0.0, noise_max=2.5))
        == "scripted(noise=0-2.5, epsilon=0.1)"
    )
    assert policy_id("scripted", scripted=ScriptedOptions(1.0, noise_max=1.0)) == "scripted(noise=1)"


def _closing_error(world: GraspWorld, policy: ScriptedGraspPolicy, seed: int) -> tuple[np.ndarray, float]:
    """(the first planned grasp point, the closing point's distance to the nearest object's true one)."""
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    first = None
    for _ in range(world.config.max_steps):
        action = policy.act(obs)
        if first is None:
            assert policy._target is not None
            first = policy._target[0].copy()
        obs, _, done, _, _ = world.step(action)
        if action[4] > 0.5 or done:
            break
    tool, _ = world.tool_pose
    nearest = min(world.object_states(), key=lambda o: float(np.linalg.norm(o.position[:2] - tool[:2])))
    true_point, _ = plan_grasp(nearest)
    assert first is not None
    return first, float(np.linalg.norm(tool[:2] - true_point[:2]))


def test_a_correcting_episode_closes_nearer_the_true_grasp_point_than_one_that_does_not() -> None:
    with GraspWorld() as w:
        # the same seeds draw the same first (noisy) grasp point with and without the correction
        plain = [_closing_error(w, ScriptedGraspPolicy(w, noise=2.0, seed=0), s) for s in range(8)]
        fixed = [
            _closing_error(w, ScriptedGraspPolicy(w, noise=2.0, seed=0, correction=1.0), s) for s in range(8)
        ]
    np.testing.assert_array_equal([p[0] for p in plain], [f[0] for f in fixed])
    assert np.median([p[1] for p in plain]) > 0.03  # without the correction it closes well off the object
    nearer = sum(f[1] < p[1] for f, p in zip(fixed, plain, strict=True))
    assert nearer >= 6, (plain, fixed)
    assert np.median([f[1] for f in fixed]) < 0.6 * np.median([p[1] for p in plain])


def test_a_bad_correction_share_is_refused_naming_it() -> None:
    with GraspWorld() as w, pytest.raises(ValueError, match="correction"):
        ScriptedGraspPolicy(w, noise=1.0, correction=1.5)
    assert (
        policy_id("scripted", scripted=ScriptedOptions(0.0, 2.0, correction=0.5))
        == "scripted(noise=0-2, correction=0.5)"
    )


def test_a_reaching_episode_grasps_in_one_sideways_action_from_beside_the_grasp_point() -> None:
    with GraspWorld() as w:
        policy = ScriptedGraspPolicy(w, noise=0.0, seed=0, reach=1.0)
        sideways, successes = [], 0
        for seed in range(6):
            actions, info = _episode(w, policy, seed)
            action = actions[-1]
            assert action[4] == 1.0 and action[5] == 1.0  # the last action closes and ends the episode
            sideways.append(float(np.linalg.norm(action[:2])) * w.config.max_translation)
            successes += info["success"]
    assert min(sideways) > 0.015  # every closing action also moved the gripper 2-7 cm to the side
    assert max(sideways) < 0.08
    assert successes >= 4  # noise-free reaching grasps still grasp


def test_a_bad_reach_share_is_refused_naming_it() -> None:
    with GraspWorld() as w, pytest.raises(ValueError, match="reach"):
        ScriptedGraspPolicy(w, noise=1.0, reach=-0.1)
    assert policy_id("scripted", scripted=ScriptedOptions(1.0, reach=0.5)) == "scripted(noise=1, reach=0.5)"


def test_a_wandering_episode_moves_sideways_at_grasp_height_then_closes_in_place() -> None:
    with GraspWorld() as w:
        policy = ScriptedGraspPolicy(w, noise=0.0, seed=0, wander=1.0)
        moves, successes = [], 0
        for seed in range(6):
            actions, info = _episode(w, policy, seed)
            last, wander = actions[-1], actions[-2]
            np.testing.assert_array_equal(last, [0, 0, 0, 0, 1, 1])  # closes where it is and ends
            assert wander[2] == 0.0 and wander[3] == 0.0 and wander[4] == 0.0  # sideways only, fingers open
            moves.append(float(np.linalg.norm(wander[:2])) * w.config.max_translation)
            successes += info["success"]
    assert min(moves) > 0.0099 and max(moves) < 0.0601
    assert 0 < successes < 6  # some random moves still land on the object, some do not


def test_no_wander_leaves_the_scripted_grasps_as_they_were() -> None:
    with GraspWorld() as w:
        plain = _episode(w, ScriptedGraspPolicy(w, noise=1.0, seed=0), 4)[0]
        no_wander = _episode(w, ScriptedGraspPolicy(w, noise=1.0, seed=0, wander=0.0), 4)[0]
    np.testing.assert_array_equal(np.stack(plain), np.stack(no_wander))


def test_a_bad_wander_share_is_refused_naming_it() -> None:
    with GraspWorld() as w, pytest.raises(ValueError, match="wander"):
        ScriptedGraspPolicy(w, noise=1.0, wander=2.0)
    assert policy_id("scripted", scripted=ScriptedOptions(1.0, wander=0.5)) == "scripted(noise=1, wander=0.5)"


def _fingertips_at_close(world: GraspWorld, policy: ScriptedGraspPolicy, seed: int) -> tuple[float, float]:
    """Where the fingertips are when the grasper closes: (xy distance to its planned grasp point, height above
    the planned grasp height)."""
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    for _ in range(world.config.max_steps):
        action = policy.act(obs)
        if action[4] > 0.5:
            break
        obs, _, done, _, _ = world.step(action)
        if done:
            break
    assert policy._target is not None
    goal = policy._target[0]
    tips = world.tool_pose[0] + world.arm.fingertip_offset()
    return float(np.linalg.norm(tips[:2] - goal[:2])), float(tips[2] - goal[2])


def test_fingertip_offset_follows_the_mounted_gripper() -> None:
    for variation, expected_xy, expected_z in (
        ("base", 0.0, 0.0),
        ("extended_gripper", 0.0, -0.024),
        ("offset_gripper", 0.05, 0.0),
    ):
        with GraspWorld(WorldConfig(variation=variation)) as w:
            w.reset(seed=0)
            offset = w.arm.fingertip_offset()
        assert abs(float(np.linalg.norm(offset[:2])) - expected_xy) < 0.005, (variation, offset)
        assert abs(float(offset[2]) - expected_z) < 0.004, (variation, offset)


def test_a_tool_aware_grasper_closes_its_real_fingertips_on_the_grasp_point() -> None:
    """Under the offset gripper the plain grasper closes its nominal tool point on the grasp point, so the
    fingertips close 5 cm away; the tool-aware one puts the fingertips there. With longer fingers the plain
    one's fingertips end lower than planned (pressed into the floor), the tool-aware one's at the planned
    height."""
    with GraspWorld(WorldConfig(variation="offset_gripper")) as w:
        plain = [_fingertips_at_close(w, ScriptedGraspPolicy(w, noise=0.0, seed=0), s)[0] for s in range(4)]
        aware = [
            _fingertips_at_close(w, ScriptedGraspPolicy(w, noise=0.0, seed=0, tool_aware=True), s)[0]
            for s in range(4)
        ]
    assert min(plain) > 0.035 and max(aware) < 0.015, (plain, aware)
    with GraspWorld(WorldConfig(variation="extended_gripper")) as w:
        plain = [_fingertips_at_close(w, ScriptedGraspPolicy(w, noise=0.0, seed=0), s)[1] for s in range(4)]
        aware = [
            _fingertips_at_close(w, ScriptedGraspPolicy(w, noise=0.0, seed=0, tool_aware=True), s)[1]
            for s in range(4)
        ]
    assert max(abs(a) for a in aware) < 0.013 and min(plain) < -0.01, (plain, aware)
    assert ScriptedOptions(0.0, tool_aware=True).describe() == "noise=0, tool-aware"
