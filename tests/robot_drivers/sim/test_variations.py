"""Each variation changes what it claims: pixels for the visual ones, geometry for the gripper ones."""

import numpy as np
import pybullet as p
import pytest

from robot_drivers.sim import GraspWorld, WorldConfig
from robot_drivers.sim.robot_urdf import (
    GRIPPER_BASE_LINK,
    LEFT_FINGER,
    NOMINAL_FINGER_LENGTH,
    NOMINAL_TCP_LINK,
)
from robot_drivers.sim.scene import (
    BIN_FLOOR_TONE,
    CHECKERBOARD_CELLS,
    CHECKERBOARD_COLOURS,
    CHECKERBOARD_SATURATED,
    TRANSPARENT_TINT,
    checkerboard_image,
    transparent_rgba,
)
from robot_drivers.sim.variations import parse_variation


def first_image(variation: str, seed: int = 3) -> np.ndarray:
    with GraspWorld(WorldConfig(variation=variation)) as w:
        obs, _ = w.reset(seed=seed)
        return obs.image.astype(np.float32)


def _dilate(mask: np.ndarray, pixels: int) -> np.ndarray:
    out = mask.copy()
    for _ in range(pixels):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def object_contrast(variation: str, seed: int = 3) -> float:
    """Mean colour distance between each object and the bin floor in a thin ring around it."""
    with GraspWorld(WorldConfig(variation=variation, image_size=128)) as w:
        w.reset(seed=seed)
        _, _, rgba, _, seg = p.getCameraImage(
            128,
            128,
            w.camera.view,
            w.camera.projection,
            renderer=p.ER_TINY_RENDERER,
            physicsClientId=w.client,
        )
        rgb = np.asarray(rgba, dtype=np.float32).reshape(128, 128, 4)[..., :3]
        seg = np.asarray(seg).reshape(128, 128)
        distances = []
        for body in w.scene.objects:
            inside = seg == body
            ring = _dilate(inside, 3) & ~inside & (seg == w.scene.tray)
            if inside.sum() >= 10 and ring.sum() >= 10:
                distances.append(np.linalg.norm(rgb[inside].mean(axis=0) - rgb[ring].mean(axis=0)))
        return float(np.mean(distances))


@pytest.mark.parametrize(
    ("variation", "min_diff"),
    # transparent changes only the objects' pixels (a few % of the image); its own test checks those
    [("checkerboard", 5.0), ("harsh_lighting", 5.0), ("transparent", 1.0)],
)
def test_visual_variations_change_pixels(variation: str, min_diff: float) -> None:
    diff = np.abs(first_image(variation) - first_image("base")).mean()
    assert diff > min_diff, f"{variation} changed the image by only {diff:.1f} grey levels"


def test_checkerboard_lays_coloured_cells_under_the_objects() -> None:
    floor = (slice(40, 60), slice(12, 52))  # the bin floor around the objects, as the camera sees it
    base, board = first_image("base")[floor], first_image("checkerboard")[floor]

    def colourful(image: np.ndarray) -> float:  # share of pixels whose channels differ by > 40 grey levels
        return float((image.max(axis=-1) - image.min(axis=-1) > 40).mean())

    # the base floor is speckled grey (only the objects are colourful, ~12%); the muted cells cover it
    assert colourful(base) < 0.25 and colourful(board) > 0.5
    assert not np.array_equal(base, board)


def test_checkerboard_colours_are_muted_towards_the_floor() -> None:
    def chroma(colours: np.ndarray) -> np.ndarray:
        return colours.max(axis=-1).astype(float) - colours.min(axis=-1)

    saturated = chroma(CHECKERBOARD_SATURATED)
    muted = chroma(CHECKERBOARD_COLOURS)
    colourful = saturated > 100  # red, green, blue, yellow (white and black have no chroma to lose)
    assert colourful.sum() == 4 and np.all(muted[colourful] < 0.5 * saturated[colourful])
    assert np.all(muted < 75)


def test_transparent_tint_moves_colours_to_the_floor_tone() -> None:
    red = transparent_rgba((1.0, 0.0, 0.0, 1.0))
    assert red[3] < 1.0  # see-through
    expected = (1 - TRANSPARENT_TINT) * np.array([1.0, 0.0, 0.0]) + TRANSPARENT_TINT * BIN_FLOOR_TONE
    assert np.allclose(red[:3], expected)
    assert np.linalg.norm(np.array(red[:3]) - BIN_FLOOR_TONE) < 0.15


def test_checkerboard_texture_is_fixed() -> None:
    image = checkerboard_image()
    assert image.shape == (256, 256, 3) and np.array_equal(image, checkerboard_image())
    cell = 256 // CHECKERBOARD_CELLS
    colours = {tuple(int(c) for c in image[i * cell, j * cell]) for i in range(16) for j in range(16)}
    assert len(colours) == len(CHECKERBOARD_COLOURS)


@pytest.mark.parametrize("seed", [3, 4])
def test_transparent_objects_are_hard_to_see(seed: int) -> None:
    assert object_contrast("transparent", seed) < 0.5 * object_contrast("base", seed)


def test_harsh_lighting_is_seeded() -> None:
    assert np.array_equal(first_image("harsh_lighting", 4), first_image("harsh_lighting", 4))
    assert not np.array_equal(first_image("harsh_lighting", 4), first_image("harsh_lighting", 5))


def test_visual_variations_keep_the_physics() -> None:
    poses = {}
    for variation in ("base", "checkerboard+transparent+harsh_lighting"):
        with GraspWorld(WorldConfig(variation=variation)) as w:
            w.reset(seed=8)
            poses[variation] = np.stack([s.position for s in w.object_states()])
    assert np.array_equal(*poses.values())


def _gripper_geometry(variation: str) -> tuple[float, float]:
    """(finger length along the tool axis, palm distance from the nominal tool axis)."""
    with GraspWorld(WorldConfig(variation=variation)) as w:
        w.reset(seed=0)
        lo, hi = p.getAABB(w.arm.body, LEFT_FINGER, physicsClientId=w.client)
        palm = np.array(p.getLinkState(w.arm.body, GRIPPER_BASE_LINK, physicsClientId=w.client)[4])
        tcp = np.array(p.getLinkState(w.arm.body, NOMINAL_TCP_LINK, physicsClientId=w.client)[4])
        return hi[2] - lo[2], float(np.linalg.norm(palm[:2] - tcp[:2]))


def test_gripper_variations_change_geometry() -> None:
    base_len, base_off = _gripper_geometry("base")
    long_len, long_off = _gripper_geometry("extended_gripper")
    off_len, off_off = _gripper_geometry("offset_gripper")
    longer = (parse_variation("extended_gripper").finger_length_scale - 1) * NOMINAL_FINGER_LENGTH
    assert longer >= 0.02 and long_len - base_len == pytest.approx(longer, abs=2e-3)
    assert long_off == pytest.approx(base_off, abs=1e-3)
    offset = parse_variation("offset_gripper").gripper_offset
    assert base_off < 0.005 and offset >= 0.03 and off_off == pytest.approx(offset, abs=0.005)
    assert off_len == pytest.approx(base_len, abs=1e-3)
