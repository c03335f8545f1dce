"""The wrist camera: it moves with the tool point, looking straight down, its image on the base's axes."""

import math

import numpy as np
import pytest

from robot_drivers.policies import ScriptedGraspPolicy
from robot_drivers.sim import GraspWorld, WorldConfig
from robot_drivers.sim.scene import (
    BASE_LIGHTING,
    BIN_CENTER,
    BIN_FLOOR_Z,
    WRIST_CAMERA_ABOVE_TCP,
    WRIST_CAMERA_FOV,
    WristCamera,
)


def best_shift(a: np.ndarray, b: np.ndarray, reach: int = 12) -> tuple[int, int]:
    """(rows, cols) that b's content moved by against a's, by the least mean difference over the overlap."""
    a, b = a.astype(np.float32), b.astype(np.float32)
    n = a.shape[0]
    best, arg = math.inf, (0, 0)
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            ra, rb = slice(max(0, -dr), n - max(0, dr)), slice(max(0, dr), n - max(0, -dr))
            ca, cb = slice(max(0, -dc), n - max(0, dc)), slice(max(0, dc), n - max(0, -dc))
            diff = float(np.abs(a[ra, ca] - b[rb, cb]).mean())
            if diff < best:
                best, arg = diff, (dr, dc)
    return arg


@pytest.fixture(scope="module")
def wrist_world():
    with GraspWorld(WorldConfig(camera="wrist")) as w:
        yield w


def test_moving_the_tool_shifts_the_image_as_the_lens_predicts(wrist_world: GraspWorld) -> None:
    wrist_world.reset(seed=3)
    camera, size, height = WristCamera(64), 64, 0.12
    tool = np.array([BIN_CENTER[0], BIN_CENTER[1], BIN_FLOOR_Z + height])
    # metres of bin floor per pixel, seen from the camera's height above the floor
    span = 2 * (height + WRIST_CAMERA_ABOVE_TCP) * math.tan(math.radians(WRIST_CAMERA_FOV / 2))
    for axis, move in ((1, 0.03), (0, 0.03)):  # +y, then +x
        moved = tool.copy()
        moved[axis] += move
        before = camera.capture(wrist_world.client, BASE_LIGHTING, size, tool)
        after = camera.capture(wrist_world.client, BASE_LIGHTING, size, moved)
        rows, cols = best_shift(before, after)
        expected = move / span * size
        if axis == 1:  # +y is right in the image: the content moves left
            assert rows == 0 and abs(cols + expected) <= 1.5, (rows, cols, expected)
        else:  # +x is down in the image (up is towards the robot base): the content moves up
            assert cols == 0 and abs(rows + expected) <= 1.5, (rows, cols, expected)


def test_the_wrist_image_follows_the_gripper_and_the_fixed_one_does_not() -> None:
    images = {}
    for camera in ("fixed", "wrist"):
        with GraspWorld(WorldConfig(camera=camera)) as world:
            first, _ = world.reset(seed=5)
            moved, *_ = world.step(np.array([0.5, 0.5, -0.5, 0, 0, 0], dtype=np.float32))
            images[camera] = np.abs(first.image.astype(np.float32) - moved.image).mean()
    # the fixed camera sees only the arm move; from the wrist, the whole view moves and grows
    assert images["wrist"] > 2 * images["fixed"], images


def test_scripted_episodes_run_and_see_the_bin_up_close(wrist_world: GraspWorld) -> None:
    policy = ScriptedGraspPolicy(wrist_world, noise=0.0, seed=1)
    obs, _ = wrist_world.reset(seed=1)
    policy.reset(seed=1)
    first, done = obs.image, False
    while not done:
        obs, _, done, _, info = wrist_world.step(policy.act(obs))
    assert obs.image.shape == first.shape == (64, 64, 3)
    assert isinstance(info["success"], bool)


def test_the_wrist_camera_needs_the_tool_point(wrist_world: GraspWorld) -> None:
    with pytest.raises(ValueError, match="tool point"):
        WristCamera(64).capture(wrist_world.client, BASE_LIGHTING)
