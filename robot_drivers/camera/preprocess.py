"""OpenCV preprocessing from a camera frame to the policy's input: crop, resize, colour order.

The policy takes uint8 (S, S, 3) RGB. A real camera gives e.g. 640x480 BGR; we crop a region of interest
(default: the centred square), resize with area averaging (no aliasing when shrinking) and reorder colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from robot_drivers.extras import require

COLOR_ORDERS = ("rgb", "bgr")


@dataclass(frozen=True)
class PreprocessConfig:
    size: int = 64  # output is size x size
    crop: tuple[int, int, int, int] | None = None  # x, y, width, height in input pixels; None: centre square

    def __post_init__(self) -> None:
        if not 1 <= self.size <= 1024:
            raise ValueError(f"PreprocessConfig.size must be in [1, 1024], got {self.size}")
        if self.crop is not None:
            if len(self.crop) != 4 or any(int(v) != v for v in self.crop):
                raise ValueError(f"PreprocessConfig.crop must be 4 integers (x, y, w, h), got {self.crop}")
            x, y, w, h = self.crop
            if x < 0 or y < 0 or w < 1 or h < 1:
                raise ValueError(f"PreprocessConfig.crop needs x, y >= 0 and w, h >= 1, got {self.crop}")


def crop_box(shape: tuple[int, ...], crop: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    if crop is None:
        side = min(h, w)
        return (w - side) // 2, (h - side) // 2, side, side
    x, y, cw, ch = crop
    if x + cw > w or y + ch > h:
        raise ValueError(f"crop {crop} (x, y, w, h) does not fit in a {w}x{h} image")
    return crop


def preprocess(image: np.ndarray, config: PreprocessConfig, color_order: str = "rgb") -> np.ndarray:
    """uint8 (H, W, 3) in `color_order` (or (H, W) grey) -> uint8 (size, size, 3) RGB, C-contiguous."""
    cv2 = require("cv2", "image preprocessing")
    if color_order not in COLOR_ORDERS:
        raise ValueError(f"color_order must be one of {COLOR_ORDERS}, got {color_order!r}")
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected uint8 (H, W, 3) or (H, W), got {image.dtype} {image.shape}")
    x, y, w, h = crop_box(image.shape, config.crop)
    roi = image[y : y + h, x : x + w]
    interpolation = cv2.INTER_AREA if w >= config.size and h >= config.size else cv2.INTER_LINEAR
    out = cv2.resize(roi, (config.size, config.size), interpolation=interpolation)
    if out.ndim == 2:
        out = cv2.cvtColor(out, cv2.COLOR_GRAY2RGB)
    elif color_order == "bgr":
        out = cv2.cvtColor(out, cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(out, dtype=np.uint8)
