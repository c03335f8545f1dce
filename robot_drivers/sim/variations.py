"""Named variations of the grasping world, the five of "Never Stop Learning" plus `base`.

A variation spec is one name or several joined by '+', e.g. ``"checkerboard+harsh_lighting"``. Visual
variations change only what the camera sees; gripper variations change the gripper's geometry while the
robot's reported state keeps describing the *nominal* tool, as a real controller that was not told about
new fingers would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

# Bumped whenever a variation's look or geometry changes, so that measurements of one revision are never
# mixed with another's (an experiment's work dir records the revision its cells were measured under).
#   1: until 2026-12-05: a saturated six-colour checkerboard, fully floor-toned objects, fingers 75% longer,
#      the gripper 15 cm off axis. They cost the wrist-camera base policy (0.83) 47 to 81 points.
#   2: severities matched to the paper's drops (~35-55 points): muted checkerboard, objects tinted 90% to
#      the floor, fingers 40% longer, 5 cm offset. They cost the same policy 32 to 47 points (measured
#      in runs of 100 episodes; see README "Variations").
VARIATIONS_REVISION = 2


@dataclass(frozen=True)
class VariationParams:
    checkerboard: bool = False  # high-contrast pattern under the objects
    harsh_lighting: bool = False  # low, strong, coloured key light with hard shadows
    transparent: bool = False  # objects tinted like the bin and see-through
    finger_length_scale: float = 1.0  # extended_gripper: longer fingers
    gripper_offset: float = 0.0  # offset_gripper: metres off the wrist axis


@dataclass(frozen=True)
class Variation:
    name: str
    description: str
    apply: Callable[[VariationParams], VariationParams]


VARIATIONS: dict[str, Variation] = {
    v.name: v
    for v in (
        Variation("base", "the bin as in pretraining", lambda p: p),
        Variation(
            "checkerboard",
            "a checkerboard mat of six muted colours under the objects",
            lambda p: replace(p, checkerboard=True),
        ),
        Variation(
            "harsh_lighting",
            "a strong, warm, low-angle light with hard shadows and glare, little ambient light",
            lambda p: replace(p, harsh_lighting=True),
        ),
        Variation(
            "transparent",
            "objects tinted 90% of the way to the bin floor's tone and see-through",
            lambda p: replace(p, transparent=True),
        ),
        Variation(
            "extended_gripper",
            "fingers 40% longer than the nominal tool the controller believes in",
            lambda p: replace(p, finger_length_scale=1.4),
        ),
        Variation(
            "offset_gripper",
            "the gripper mounted 5 cm off the wrist axis",
            lambda p: replace(p, gripper_offset=0.05),
        ),
    )
}


def variation_names(spec: str) -> tuple[str, ...]:
    """Split and check a variation spec; raise ValueError naming the unknown part."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("variation: expected a name such as 'base' or 'checkerboard+harsh_lighting'")
    names = tuple(part.strip() for part in spec.split("+"))
    for name in names:
        if name not in VARIATIONS:
            known = ", ".join(VARIATIONS)
            raise ValueError(f"variation: unknown name {name!r}; known variations: {known}")
    if len(set(names)) != len(names):
        raise ValueError(f"variation: {spec!r} names a variation twice")
    if "base" in names and len(names) > 1:
        raise ValueError("variation: 'base' cannot be combined with other variations")
    return names


def parse_variation(spec: str) -> VariationParams:
    params = VariationParams()
    for name in variation_names(spec):
        params = VARIATIONS[name].apply(params)
    return params
