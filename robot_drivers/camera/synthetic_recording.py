"""Write a RealSense recording from arrays with pyrealsense2's software device (tests, demos, no camera).

librealsense >= 2.59 records ROS 2 bags (sqlite3, `.db3`); older versions ROS 1 `.bag`. `recording_suffix()`
says which one the installed pyrealsense2 writes; `RealSenseCamera(playback=...)` reads either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from robot_drivers.extras import require

DEPTH_UNITS = 0.001  # metres per z16 unit, as on RealSense depth cameras


def recording_suffix() -> str:
    rs: Any = require("pyrealsense2", "RealSense recordings")
    version = tuple(int(v) for v in str(getattr(rs, "__version__", "2.59")).split(".")[:2])
    return ".db3" if version >= (2, 59) else ".bag"


def _intrinsics(rs: Any, width: int, height: int) -> Any:
    intr = rs.intrinsics()
    intr.width, intr.height = width, height
    intr.ppx, intr.ppy = width / 2, height / 2
    intr.fx = intr.fy = float(width)
    intr.model = rs.distortion.none
    intr.coeffs = [0.0] * 5
    return intr


def _stream(rs: Any, kind: Any, uid: int, width: int, height: int, fps: int, bpp: int, fmt: Any) -> Any:
    vs = rs.video_stream()
    vs.type, vs.index, vs.uid = kind, 0, uid
    vs.width, vs.height, vs.fps, vs.bpp, vs.fmt = width, height, fps, bpp, fmt
    vs.intrinsics = _intrinsics(rs, width, height)
    return vs


def _frame(rs: Any, pixels: np.ndarray, bpp: int, index: int, fps: int, profile: Any) -> Any:
    f = rs.software_video_frame()
    f.pixels = np.ascontiguousarray(pixels)
    f.bpp, f.stride = bpp, pixels.shape[1] * bpp
    f.timestamp = index * 1000.0 / fps
    f.domain = rs.timestamp_domain.hardware_clock
    f.frame_number = index
    f.profile = profile.as_video_stream_profile()
    return f


def write_synthetic_recording(
    path: str | Path,
    colors: Sequence[np.ndarray],
    depths: Sequence[np.ndarray] | None = None,
    fps: int = 30,
    color_format: str = "rgb8",
) -> Path:
    """Record uint8 (H, W, 3) colour frames (and uint16 z16 depth frames of the same size) to `path`.

    The path's suffix must be `recording_suffix()`. Returns the path."""
    rs: Any = require("pyrealsense2", "RealSense recordings")
    path = Path(path)
    if path.suffix != recording_suffix():
        raise ValueError(f"this pyrealsense2 records {recording_suffix()} files, got {path.name}")
    if not colors:
        raise ValueError("write_synthetic_recording needs at least one colour frame")
    h, w = colors[0].shape[:2]
    device = rs.software_device()
    color_sensor = device.add_sensor("RGB Camera")
    fmt = getattr(rs.format, color_format)
    color_profile = color_sensor.add_video_stream(_stream(rs, rs.stream.color, 0, w, h, fps, 3, fmt))
    sensors = [(color_sensor, color_profile)]
    if depths is not None:
        depth_sensor = device.add_sensor("Stereo Module")
        depth_profile = depth_sensor.add_video_stream(
            _stream(rs, rs.stream.depth, 1, w, h, fps, 2, rs.format.z16)
        )
        depth_sensor.add_read_only_option(rs.option.depth_units, DEPTH_UNITS)
        sensors.append((depth_sensor, depth_profile))
    recorder = rs.recorder(str(path), device)
    sync = rs.syncer()
    for sensor, profile in sensors:
        sensor.open(profile)
        sensor.start(sync)
    for i, color in enumerate(colors):
        color_sensor.on_video_frame(_frame(rs, color, 3, i, fps, color_profile))
        if depths is not None:
            sensors[1][0].on_video_frame(_frame(rs, depths[i].astype(np.uint16), 2, i, fps, sensors[1][1]))
    for sensor, _ in sensors:
        sensor.stop()
        sensor.close()
    recorder.pause()
    del recorder  # the file is finalised when the recorder is destroyed
    return path
