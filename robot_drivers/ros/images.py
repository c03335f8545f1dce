"""sensor_msgs/Image <-> numpy. Unsupported encodings raise UnsupportedEncodingError naming the topic."""

from __future__ import annotations

from typing import Any

import numpy as np

from qtopt_finetune.grasp_log.rosbag_import import image_from_msg

ENCODINGS = ("bgr8", "bgra8", "mono8", "rgb8", "rgba8")


class UnsupportedEncodingError(ValueError):
    """An image we cannot turn into RGB (unknown encoding or inconsistent size)."""


def rgb_from_msg(msg: Any, topic: str) -> np.ndarray:
    """-> uint8 (H, W, 3) RGB."""
    if msg.encoding not in ENCODINGS:
        raise UnsupportedEncodingError(
            f"image on {topic}: encoding {msg.encoding!r} is not supported (use one of {list(ENCODINGS)})"
        )
    try:
        return image_from_msg(msg)
    except ValueError as exc:
        raise UnsupportedEncodingError(
            f"image on {topic}: {msg.width}x{msg.height} {msg.encoding} with step {msg.step} does not match "
            f"its {len(msg.data)} data bytes ({exc})"
        ) from exc


def fill_image_msg(msg: Any, rgb: np.ndarray, encoding: str = "rgb8") -> Any:
    """Fill a sensor_msgs/Image with uint8 (H, W, 3) RGB, as rgb8 or bgr8."""
    if encoding not in ("rgb8", "bgr8"):
        raise ValueError(f"fill_image_msg: encoding must be rgb8 or bgr8, got {encoding!r}")
    h, w = rgb.shape[:2]
    pixels = rgb if encoding == "rgb8" else rgb[..., ::-1]
    msg.height, msg.width, msg.encoding, msg.is_bigendian, msg.step = h, w, encoding, 0, w * 3
    msg.data = np.ascontiguousarray(pixels, dtype=np.uint8).tobytes()
    return msg
