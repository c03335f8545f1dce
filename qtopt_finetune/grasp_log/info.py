"""`meta/info.json`: what a log holds (format version, fps, camera, image format and shape)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qtopt_finetune.grasp_log import schema


class GraspLogFormatError(ValueError):
    """The folder is not a grasp log this code can read (missing or unknown `meta/info.json`)."""


@dataclass(frozen=True)
class LogInfo:
    image_format: str  # "jpeg" | "png"
    image_shape: tuple[int, int]  # (height, width); images are RGB
    fps: int
    # Which camera took the images (a sim's WorldConfig.camera, or a robot's mount): a network trained on one
    # camera's images is blind on another's, so logs of different cameras never mix. Logs written before this
    # field existed are "fixed".
    camera: str = "fixed"

    def to_json(self) -> dict[str, Any]:
        return {
            "codebase_version": schema.CODEBASE_VERSION,
            "grasp_log_schema_version": schema.SCHEMA_VERSION,
            "robot_type": None,
            "fps": self.fps,
            "image_format": self.image_format,
            "camera": self.camera,
            "chunks_size": schema.CHUNKS_SIZE,
            "data_path": schema.DATA_PATH,
            "episodes_path": schema.EPISODES_PATH,
            "video_path": None,
            # Totals are not kept here: many writers commit at once and info.json is never rewritten.
            # The reader counts from the episode tables; `export_lerobot` writes a plain v3 info with totals.
            "total_episodes": None,
            "total_frames": None,
            "features": schema.lerobot_features(self.image_shape),
        }

    def check_compatible(self, other: LogInfo, where: str) -> None:
        for name in ("image_format", "image_shape", "fps", "camera"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                raise ValueError(f"{where}: the log has {name}={theirs!r}, this writer uses {mine!r}")


def parse_info(raw: dict[str, Any], where: str) -> LogInfo:
    version = raw.get("grasp_log_schema_version")
    if version not in schema.SUPPORTED_SCHEMA_VERSIONS:
        known = ", ".join(str(v) for v in sorted(schema.SUPPORTED_SCHEMA_VERSIONS))
        raise GraspLogFormatError(
            f"{where}: grasp_log_schema_version {version!r} is not one this code reads (known: {known}); "
            "upgrade qtopt_finetune or convert the log"
        )
    try:
        shape = raw["features"][schema.IMAGE]["shape"]
        return LogInfo(
            image_format=str(raw["image_format"]),
            image_shape=(int(shape[0]), int(shape[1])),
            fps=int(raw["fps"]),
            camera=str(raw.get("camera", "fixed")),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise GraspLogFormatError(f"{where}: malformed info.json ({exc!r})") from exc


def load_info(root: Path) -> LogInfo:
    path = schema.info_path(root)
    if not path.is_file():
        raise GraspLogFormatError(f"{root} is not a grasp log (no meta/info.json; nothing committed yet?)")
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise GraspLogFormatError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(raw, dict):
        raise GraspLogFormatError(f"{path}: expected a JSON object")
    return parse_info(raw, str(path))
