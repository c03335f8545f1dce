"""Configuration of the simulated grasping world, validated on construction."""

from __future__ import annotations

import math
from dataclasses import dataclass

from robot_drivers.sim.objects import ObjectSplit, object_indices
from robot_drivers.sim.variations import VariationParams, parse_variation

MAX_IMAGE_SIZE = 472
CAMERAS = ("fixed", "wrist", "hand")  # see WorldConfig.camera
APPEARANCES = ("fixed", "randomized")  # see WorldConfig.appearance


@dataclass(frozen=True)
class WorldConfig:
    variation: str = "base"
    image_size: int = 64  # square RGB images, 1 .. 472
    num_objects: int = 5
    objects: ObjectSplit = "train"  # "train" (900 objects), "test" (100 unseen objects) or "all"
    max_steps: int = 10  # the episode ends with a grasp check after this many actions
    step_penalty: float = 0.0  # added to the reward at every step (QT-Opt used about -0.05); <= 0
    max_translation: float = 0.08  # metres per step for a displacement component of 1
    max_rotation: float = math.pi / 6  # radians per step for a rotation of 1
    object_scale: float = 0.8  # global scale of the procedural objects (pybullet_data random_urdfs)
    success_height: float = 0.1  # an object above this height (m above the floor) after the lift is held
    lift_height: float = 0.2  # how far the grasp check lifts the gripper (m)
    # "fixed": across the bin, looking at the robot (scene.CAMERA_EYE); "wrist": on the wrist, looking down
    # between the fingers, keeping the world's orientation (scene.WristCamera); "hand": the same camera
    # turning with the wrist's yaw, as one bolted to the flange does (the fingers stay put in its image)
    camera: str = "fixed"
    # "fixed": one look, as deployed; "randomized": a new light and bin tint at every episode, for diverse
    # pretraining data (robot_drivers/sim/appearance.py); never a variation's look
    appearance: str = "fixed"

    def __post_init__(self) -> None:
        _check_int("image_size", self.image_size, 1, MAX_IMAGE_SIZE)
        _check_int("num_objects", self.num_objects, 1, 20)
        _check_int("max_steps", self.max_steps, 1, 100)
        object_indices(self.objects)  # raises for an unknown split
        parse_variation(self.variation)  # raises for an unknown variation
        if self.appearance not in APPEARANCES:
            raise ValueError(
                f"WorldConfig.appearance must be one of {', '.join(APPEARANCES)}, got {self.appearance!r}"
            )
        if self.camera not in CAMERAS:
            raise ValueError(f"WorldConfig.camera must be one of {', '.join(CAMERAS)}, got {self.camera!r}")
        if not math.isfinite(self.step_penalty) or self.step_penalty > 0:
            raise ValueError(f"WorldConfig.step_penalty must be a finite value <= 0, got {self.step_penalty}")
        for name in ("max_translation", "max_rotation", "object_scale", "success_height", "lift_height"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"WorldConfig.{name} must be a positive number, got {value!r}")
        if self.lift_height <= self.success_height:
            raise ValueError("WorldConfig.lift_height must exceed success_height")

    @property
    def variation_params(self) -> VariationParams:
        return parse_variation(self.variation)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"WorldConfig.{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"WorldConfig.{name} must be between {low} and {high}, got {value}")
