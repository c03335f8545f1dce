"""Guarded imports of hardware libraries: robot_drivers imports without them, and says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

# module -> the optional extra of qtopt-finetune that installs it
EXTRA_OF = {
    "rclpy": "ros",
    "sensor_msgs": "ros",
    "std_msgs": "ros",
    "std_srvs": "ros",
    "geometry_msgs": "ros",
    "rosbags": "ros",
    "pyrealsense2": "realsense",
    "cv2": "realsense",
}


class MissingExtraError(ImportError):
    """A feature needs an optional dependency that is not installed."""


def require(module: str, feature: str) -> ModuleType:
    """Import `module` or raise MissingExtraError naming the extra to install for `feature`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRA_OF.get(module.split(".")[0], module)
        raise MissingExtraError(
            f"{feature} needs the Python module {module!r}: pip install 'qtopt-finetune[{extra}]'"
        ) from exc
