"""RealSense: a recording written by pyrealsense2's software device, played back and preprocessed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from robot_drivers.camera.preprocess import PreprocessConfig, preprocess
from robot_drivers.camera.protocol import CameraClosedError
from robot_drivers.camera.realsense import RealSenseCamera, RealSenseConfig
from robot_drivers.camera.synthetic_recording import (
    recording_suffix,
    write_synthetic_recording,
)

W, H, N = 96, 72, 6


def _color(i: int, order: str) -> np.ndarray:
    """Left half red, right half blue, brightness 30 * (i + 1); in `order`."""
    img = np.zeros((H, W, 3), np.uint8)
    level = 30 * (i + 1)
    img[:, : W // 2, 0] = level  # red in RGB
    img[:, W // 2 :, 2] = level  # blue in RGB
    return img[..., ::-1].copy() if order == "bgr" else img


def _play(path: Path, depth: bool) -> list:
    frames = []
    with (
        RealSenseCamera(RealSenseConfig(playback=str(path), depth=depth)) as cam,
        pytest.raises(CameraClosedError),
    ):
        while True:
            frames.append(cam.read(timeout_s=1.0))
    return frames


def _check(frame, order: str) -> None:
    i = frame.frame_number
    assert frame.color.shape == (H, W, 3) and frame.color_order == order
    out = preprocess(frame.color, PreprocessConfig(size=32), frame.color_order)
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    level = 30 * (i + 1)
    # centre square crop then resize: left half red, right half blue, in RGB whatever the camera's order
    np.testing.assert_array_equal(out[:, :15], np.broadcast_to([level, 0, 0], (32, 15, 3)))
    np.testing.assert_array_equal(out[:, 17:], np.broadcast_to([0, 0, level], (32, 15, 3)))


@pytest.mark.parametrize("order", ["rgb", "bgr"])
def test_playback_gives_every_frame_preprocessed_to_expected_size_and_content(
    tmp_path: Path, order: str
) -> None:
    path = tmp_path / f"synthetic{recording_suffix()}"
    write_synthetic_recording(path, [_color(i, order) for i in range(N)], color_format=f"{order}8")
    frames = _play(path, depth=False)
    assert [f.frame_number for f in frames] == list(range(N))
    for frame in frames:
        _check(frame, order)
        assert frame.depth is None


def test_playback_with_depth_aligned_to_colour(tmp_path: Path) -> None:
    path = tmp_path / f"depth{recording_suffix()}"
    depths = [np.full((H, W), 500 + 10 * i, np.uint16) for i in range(N)]
    write_synthetic_recording(path, [_color(i, "rgb") for i in range(N)], depths)
    frames = _play(path, depth=True)
    assert [f.frame_number for f in frames] == list(range(N))
    for frame in frames:
        _check(frame, "rgb")
        assert frame.depth is not None and frame.depth.shape == (H, W)
        assert frame.depth[H // 2, W // 2] == pytest.approx((500 + 10 * frame.frame_number) * 0.001, abs=1e-6)


def test_crop_selects_the_region_and_bad_crop_names_the_problem(tmp_path: Path) -> None:
    img = _color(2, "rgb")
    right = preprocess(img, PreprocessConfig(size=8, crop=(60, 0, 36, 36)))
    assert (right[..., 2] == 90).all() and (right[..., 0] == 0).all()
    with pytest.raises(ValueError, match="does not fit"):
        preprocess(img, PreprocessConfig(size=8, crop=(80, 0, 36, 36)))
    with pytest.raises(ValueError, match="crop"):
        PreprocessConfig(crop=(0, 0, 0, 5))


def test_recording_suffix_is_checked(tmp_path: Path) -> None:
    wrong = ".bag" if recording_suffix() == ".db3" else ".db3"
    with pytest.raises(ValueError, match="records"):
        write_synthetic_recording(tmp_path / f"x{wrong}", [_color(0, "rgb")])
