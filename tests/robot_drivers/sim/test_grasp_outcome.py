"""Success detection both ways: a real lift scores 1, a miss or an open gripper scores 0."""

import numpy as np

from robot_drivers.sim import GraspWorld
from robot_drivers.sim.scene import BIN_CENTER, BIN_FLOOR_Z
from tests.robot_drivers.sim.test_world import run_scripted


def test_scripted_grasps_lift_objects(world: GraspWorld) -> None:
    successes = 0
    for seed in range(10):
        _, rewards, success = run_scripted(world, seed=seed, noise=0.0)
        assert rewards[-1] == float(success)
        if success:  # the object is really up there, between the fingers
            held = [h for h in world.scene.object_heights() if h > world.config.success_height]
            assert held
        successes += success
    assert successes >= 6


def _empty_corner(world: GraspWorld) -> np.ndarray:
    corners = [
        np.array([BIN_CENTER[0] + dx, BIN_CENTER[1] + dy]) for dx in (-0.17, 0.17) for dy in (-0.17, 0.17)
    ]
    objects = [s.footprint for s in world.object_states()]
    return max(corners, key=lambda c: min(np.linalg.norm(f - c, axis=1).min() for f in objects))


def _go_to(world: GraspWorld, xy: np.ndarray, z: float) -> None:
    for _ in range(6):
        tool, _ = world.tool_pose
        delta = np.array([*(xy - tool[:2]), z - tool[2]]) / world.config.max_translation
        world.step(np.array([*np.clip(delta, -1, 1), 0, 0, 0], dtype=np.float32))


def test_closing_on_nothing_scores_zero() -> None:
    with GraspWorld() as world:
        world.reset(seed=2)
        _go_to(world, _empty_corner(world), BIN_FLOOR_Z + 0.01)
        _, reward, done, _, info = world.step(np.array([0, 0, 0, 0, 1, 1], dtype=np.float32))
        assert done and reward == 0.0 and not info["success"]
        assert world.arm.closed and world.arm.finger_opening() < 0.005  # the fingers met: nothing inside


def test_terminating_with_an_open_gripper_scores_zero(world: GraspWorld) -> None:
    world.reset(seed=0)
    _, reward, done, _, info = world.step(np.array([0, 0, -1, 0, 0, 1], dtype=np.float32))
    assert done and reward == 0.0 and not info["success"]
