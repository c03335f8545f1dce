"""QT-Opt's grasp success detection, from what a real robot can measure.

After the lift: the gripper must not be fully closed (something is between the fingers). Then the object is
dropped: the camera image must change where it fell (an image difference), which rules out a gripper
jammed half open on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SuccessDetector:
    closed_opening: float = 0.004  # metres: a finger opening at or below this is "fully closed"
    pixel_threshold: int = 30  # a pixel changed if any channel moved by more than this
    changed_fraction: float = 0.003  # ... and a drop changed at least this fraction of the pixels

    def __post_init__(self) -> None:
        if self.closed_opening < 0 or not 0 < self.pixel_threshold < 255 or not 0 < self.changed_fraction < 1:
            raise ValueError(f"SuccessDetector: bad thresholds {self}")

    def holding(self, finger_opening: float) -> bool:
        return finger_opening > self.closed_opening

    def changed(self, before: np.ndarray, after: np.ndarray) -> float:
        """Fraction of pixels that changed between two uint8 RGB images of the same size."""
        if before.shape != after.shape:
            raise ValueError(f"image difference of different sizes {before.shape} and {after.shape}")
        diff = np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=-1)
        return float((diff > self.pixel_threshold).mean())

    def dropped(self, before: np.ndarray, after: np.ndarray) -> bool:
        return self.changed(before, after) >= self.changed_fraction
