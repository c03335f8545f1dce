"""The sim world a checkpoint's policy runs in: its network's camera and image size, always."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from qtopt_finetune.adapters.loading import network_config_of
from robot_drivers.sim.config import WorldConfig


def checkpoint_world(checkpoint: str | Path, base: WorldConfig | None = None, **changes: Any) -> WorldConfig:
    """`base` (default WorldConfig()) with `changes`, rendering what the checkpoint learned from: a network
    is blind on another camera's images, so its camera and image size are never left to a default."""
    network = network_config_of(checkpoint)
    return replace(base or WorldConfig(), **changes, image_size=network.image_size, camera=network.camera)
