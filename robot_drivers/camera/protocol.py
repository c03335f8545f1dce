"""What the grasp agent needs of a camera: frames of RGB (and optionally aligned depth) on demand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class CameraFrame:
    """One frame. `color` is uint8 (H, W, 3) in `color_order`; `depth` (metres, float32, aligned to colour)
    when the camera was asked for it."""

    color: np.ndarray
    color_order: str  # "rgb" or "bgr"
    timestamp: float  # seconds (the camera's clock)
    frame_number: int
    depth: np.ndarray | None = None


class CameraClosedError(RuntimeError):
    """The camera ended (a finished recording) or was closed."""


class Camera(Protocol):
    def read(self, timeout_s: float = 1.0) -> CameraFrame:
        """The next frame; TimeoutError when none comes in time, CameraClosedError at the end."""
        ...

    def close(self) -> None: ...
