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


def _fingertips_in_image(world: GraspWorld, yaw: float) -> np.ndarray:
    """Where the real fingertips project in the camera's image (normalised device coordinates x, y), with the
    gripper turned to `yaw` at 8 cm above the floor."""
    world.reset(seed=3)
    tool = np.array([BIN_CENTER[0], BIN_CENTER[1], BIN_FLOOR_Z + 0.08])
    world.arm.move_to(tool, yaw, 400)
    tcp = world.arm.tcp_position()
    tips = tcp + world.arm.fingertip_offset()
    assert isinstance(world.camera, WristCamera)
    view = np.array(world.camera.view(tcp, yaw)).reshape(4, 4).T
    projection = np.array(world.camera.projection).reshape(4, 4).T
    clip = projection @ view @ np.array([*tips, 1.0])
    return clip[:2] / clip[3]


def test_the_hand_camera_turns_with_the_wrist_so_the_fingers_stay_put_in_its_image() -> None:
    """An offset gripper's fingertips (5 cm off the wrist axis) turn with the yaw: the world-aligned wrist
    camera sees them move around its image, the hand camera (bolted to the flange) sees them in one place."""
    yaws = (-1.2, 0.0, 1.2)
    with GraspWorld(WorldConfig(camera="hand", variation="offset_gripper")) as w:
        hand = [_fingertips_in_image(w, yaw) for yaw in yaws]
    with GraspWorld(WorldConfig(camera="wrist", variation="offset_gripper")) as w:
        wrist = [_fingertips_in_image(w, yaw) for yaw in yaws]
    assert max(float(np.abs(h - hand[1]).max()) for h in hand) < 0.03, hand
    assert float(np.linalg.norm(hand[1])) > 0.3  # off the image's centre, as the gripper is off the axis
    assert min(float(np.linalg.norm(w - wrist[1])) for w in (wrist[0], wrist[2])) > 0.3, wrist
    with pytest.raises(ValueError, match="hand"):
        WorldConfig(camera="elbow")
