"""A RealSense camera through pyrealsense2: live by serial number, or a recording played back.

Colour always; depth optionally, aligned to the colour image (rs.align) and converted to metres.
Playback runs as fast as it is read (not in real time) and ends with CameraClosedError.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from robot_drivers.camera.protocol import CameraClosedError, CameraFrame
from robot_drivers.extras import require

FORMATS = {"rgb8": "rgb", "bgr8": "bgr"}


@dataclass(frozen=True)
class RealSenseConfig:
    serial: str | None = None  # live device; None: the first one found
    playback: str | None = None  # a recording (.bag / .db3) to play instead of a device
    width: int = 640
    height: int = 480
    fps: int = 30
    color_format: str = "rgb8"  # rgb8 or bgr8
    depth: bool = False  # also stream depth, aligned to colour

    def __post_init__(self) -> None:
        if self.color_format not in FORMATS:
            raise ValueError(f"RealSenseConfig.color_format must be one of {sorted(FORMATS)}")
        if min(self.width, self.height, self.fps) < 1:
            raise ValueError("RealSenseConfig.width, height and fps must be >= 1")
        if self.playback is not None and not Path(self.playback).is_file():
            raise ValueError(f"RealSenseConfig.playback: no recording at {self.playback}")


class RealSenseCamera:
    """Implements robot_drivers.camera.Camera."""

    def __init__(self, config: RealSenseConfig | None = None) -> None:
        self.config = config or RealSenseConfig()
        self._rs: Any = require("pyrealsense2", "the RealSense camera")
        rs = self._rs
        self._pipeline: Any = None
        self._playback: Any = None
        if self.config.playback is not None:
            device = self._start_playback(self.config.playback)
        else:
            device = self._start_live()
        self._align = rs.align(rs.stream.color) if self.config.depth else None
        self._depth_scale = self._find_depth_scale(device) if self.config.depth else 1.0
        self._closed = False

    def _start_live(self) -> Any:
        rs, c = self._rs, self.config
        cfg = rs.config()
        if c.serial:
            cfg.enable_device(c.serial)
        cfg.enable_stream(rs.stream.color, c.width, c.height, getattr(rs.format, c.color_format), c.fps)
        if c.depth:
            cfg.enable_stream(rs.stream.depth, c.width, c.height, rs.format.z16, c.fps)
        self._pipeline = rs.pipeline()
        return self._pipeline.start(cfg).get_device()

    def _start_playback(self, path: str) -> Any:
        """Real time is switched off before the first frame, so a loaded machine drops no frame. Colour only:
        the colour sensor straight into a frame queue. With depth: a pipeline (its syncer pairs colour and
        depth for rs.align), resolved before it starts so that it plays the device we configured."""
        rs = self._rs
        if self.config.depth:
            cfg = rs.config()
            cfg.enable_device_from_file(path, repeat_playback=False)
            cfg.enable_stream(rs.stream.color)
            cfg.enable_stream(rs.stream.depth)
            self._pipeline = rs.pipeline()
            # resolve first: the pipeline then starts this very device, with real time already off
            device = cfg.resolve(rs.pipeline_wrapper(self._pipeline)).get_device()
            self._playback = device.as_playback()
            self._playback.set_real_time(False)
            self._pipeline.start(cfg)
            return device
        device = rs.context().load_device(path)
        self._playback = device.as_playback()
        self._playback.set_real_time(False)
        self._queue = rs.frame_queue(1024, keep_frames=True)
        for sensor in device.query_sensors():
            profiles = [p for p in sensor.get_stream_profiles() if p.stream_type() == rs.stream.color]
            if profiles:
                sensor.open(profiles[0])
                sensor.start(self._queue)
                self._sensor = sensor
        return device

    def _wait(self, timeout_s: float) -> tuple[bool, Any]:
        ms = int(timeout_s * 1000)
        if self._pipeline is not None:
            return self._pipeline.try_wait_for_frames(ms)
        ok, frame = self._queue.try_wait_for_frame(ms)
        return ok, (frame if ok else None)

    def _find_depth_scale(self, device: Any) -> float:
        for sensor in device.query_sensors():
            if sensor.supports(self._rs.option.depth_units):
                return float(sensor.get_option(self._rs.option.depth_units))
        return 0.001

    def read(self, timeout_s: float = 1.0) -> CameraFrame:
        if self._closed:
            raise CameraClosedError("the RealSense camera is closed")
        ok, frames = self._wait(timeout_s)
        if not ok:
            if self._playback is not None:
                raise CameraClosedError(f"end of the recording {self.config.playback}")
            raise TimeoutError(f"no RealSense frame within {timeout_s} s")
        if self._align is not None:
            frames = self._align.process(frames)
        color = frames.first_or_default(self._rs.stream.color) if frames.is_frameset() else frames
        if not color:
            raise TimeoutError("a RealSense frameset without a colour frame")
        color = color.as_video_frame()
        fmt = str(color.get_profile().format()).split(".")[-1]
        if fmt not in FORMATS:
            raise ValueError(f"RealSense colour format {fmt!r} not supported (use one of {sorted(FORMATS)})")
        depth = None
        if self._align is not None:
            depth_frame = frames.first_or_default(self._rs.stream.depth)
            if depth_frame:
                depth = np.asanyarray(depth_frame.get_data()).astype(np.float32) * self._depth_scale
        return CameraFrame(
            color=np.array(np.asanyarray(color.get_data()), dtype=np.uint8),
            color_order=FORMATS[fmt],
            timestamp=float(color.get_timestamp()) / 1000.0,
            frame_number=int(color.get_frame_number()),
            depth=depth,
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pipeline is not None:
            self._pipeline.stop()
        elif getattr(self, "_sensor", None) is not None:
            self._sensor.stop()
            self._sensor.close()

    def __enter__(self) -> RealSenseCamera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
