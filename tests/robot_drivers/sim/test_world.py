import numpy as np
import pytest

from robot_drivers.policies import ScriptedGraspPolicy
from robot_drivers.sim import GraspWorld, WorldConfig


def run_scripted(world: GraspWorld, seed: int, noise: float = 1.0) -> tuple[np.ndarray, list[float], bool]:
    policy = ScriptedGraspPolicy(world, noise=noise, seed=seed)
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    images, rewards, done, info = [obs.image], [], False, {}
    while not done:
        obs, reward, done, _, info = world.step(policy.act(obs))
        images.append(obs.image)
        rewards.append(reward)
    return np.stack(images), rewards, bool(info["success"])


def test_observation_shape_and_dtype(world: GraspWorld) -> None:
    obs, info = world.reset(seed=0)
    assert obs.image.shape == (64, 64, 3) and obs.image.dtype == np.uint8
    assert obs.state.shape == (2,) and obs.state.dtype == np.float32
    assert not obs.gripper_closed and 0.2 < obs.gripper_height < 0.3
    assert len(info["object_ids"]) == 5


def test_image_size_is_configurable() -> None:
    with GraspWorld(WorldConfig(image_size=96, num_objects=2)) as w:
        obs, info = w.reset(seed=1)
    assert obs.image.shape == (96, 96, 3) and len(info["object_ids"]) == 2


def test_same_seed_same_episode_in_any_fresh_world(world: GraspWorld) -> None:
    first = run_scripted(world, seed=11)
    again = run_scripted(world, seed=11)  # the same seed straight after: bit for bit
    with GraspWorld(WorldConfig()) as fresh:
        fresh_run = run_scripted(fresh, seed=11)
    for other in (again, fresh_run):
        assert np.array_equal(first[0], other[0])
        assert first[1] == other[1] and first[2] == other[2]


def test_same_seed_after_other_episodes_same_outcome_and_nearly_same_images() -> None:
    # pybullet's broadphase keeps some history (it cleans its pair cache incrementally), so after other
    # episodes the objects can come to rest micrometres from where they rest in a fresh world
    with GraspWorld(WorldConfig()) as fresh:
        reference = {seed: run_scripted(fresh, seed) for seed in (11, 12)}
    with GraspWorld(WorldConfig()) as busy:
        for seed in (3, 4, 11, 5, 12):
            episode = run_scripted(busy, seed)
            if seed in reference:
                images, rewards, success = reference[seed]
                assert rewards == episode[1] and success == episode[2]
                assert images.shape == episode[0].shape
                grey_levels = np.abs(images.astype(np.float32) - episode[0]).mean()
                assert grey_levels < 0.5, f"seed {seed}: images differ by {grey_levels:.2f} grey levels"


def test_different_seeds_differ(world: GraspWorld) -> None:
    a, _ = world.reset(seed=1)
    b, _ = world.reset(seed=2)
    assert not np.array_equal(a.image, b.image)


def test_episode_ends_after_max_steps_with_a_grasp_check() -> None:
    with GraspWorld(WorldConfig(max_steps=3, step_penalty=-0.05)) as w:
        w.reset(seed=0)
        hover = np.array([0, 0, 0, 0, 0, 0], dtype=np.float32)
        for k in range(3):
            _, reward, done, truncated, info = w.step(hover)
            assert reward == pytest.approx(-0.05)
            assert done == (k == 2) and not truncated
        assert info["forced_terminate"] and not info["success"]
        with pytest.raises(RuntimeError, match="reset"):
            w.step(hover)


def test_bad_actions_are_refused(world: GraspWorld) -> None:
    world.reset(seed=0)
    with pytest.raises(ValueError, match="6 entries"):
        world.step(np.zeros(5))
    with pytest.raises(ValueError, match="dz"):
        world.step(np.array([0, 0, np.nan, 0, 0, 0]))


def test_moving_down_lowers_the_reported_height(world: GraspWorld) -> None:
    obs, _ = world.reset(seed=5)
    after, *_ = world.step(np.array([0, 0, -1, 0, 0, 0], dtype=np.float32))
    assert obs.gripper_height - after.gripper_height == pytest.approx(0.08, abs=0.01)


def test_a_restored_snapshot_repeats_the_same_grasp_and_forgets_the_tries_between() -> None:
    with GraspWorld(WorldConfig()) as w:
        policy = ScriptedGraspPolicy(w, noise=0.0, seed=3)
        obs, _ = w.reset(seed=3)
        policy.reset(seed=3)
        while obs.gripper_height > 0.1:  # the scripted approach, stopped above its grasp
            obs = w.step(policy.act(obs))[0]
        snapshot = w.snapshot()
        grasp = np.array([0.0, 0.0, -1.0, 0.0, 1.0, 1.0], dtype=np.float32)
        miss = np.array([1.0, 1.0, -1.0, 0.0, 1.0, 1.0], dtype=np.float32)
        outcomes = []
        for action in (grasp, miss, grasp):  # a grasp, a try elsewhere, the first grasp again
            again = w.restore(snapshot)
            assert not again.gripper_closed and abs(again.gripper_height - obs.gripper_height) < 1e-6
            assert np.abs(again.image.astype(np.float32) - obs.image).mean() < 0.5
            _, _, done, _, info = w.step(action)
            assert done
            outcomes.append(info["success"])
        w.release(snapshot)
    # the try in between left no trace: without re-driving the motors after a restore, the fingers kept
    # the closed target of the last try and closed on the way down (seed 3: the repeat failed)
    assert outcomes == [True, False, True]
