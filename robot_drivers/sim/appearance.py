"""Randomised appearance for pretraining data: a new look of the bin and its light at every episode.

Real base logs (QT-Opt's 580k grasps) come from several robots over months: the light, the bin's tone and
the camera's white balance drift. A sim base log from one fixed look teaches a network features that
hold for that look only. `WorldConfig.appearance = "randomized"` draws, per episode, a moderate change of
the base look: an overhead light from a random direction within ~35 degrees of vertical, near-white, with
ambient and diffuse strengths around the base's, no shadows; and a darker or tinted bin (tray and floor):
one gain for brightness and a small one per channel.

It stays clear of the five variations, which must stay new to a base policy: no pattern under the objects
(checkerboard), no low, coloured, shadow-casting light (harsh_lighting, 14-27 degrees above the horizon,
warm, shadows), object colours untouched (transparent), the gripper untouched.

The draws come from their own generator seeded by the episode's seed, so an episode's objects, start pose
and outcome-relevant physics are the same as with the fixed look; only what the camera sees changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from robot_drivers.sim.scene import BASE_LIGHTING, Lighting

# A stream id mixed into the episode's seed, so the look never shares draws with the episode's layout.
APPEARANCE_STREAM = 0xA11CE

MAX_LIGHT_TILT = 0.7  # horizontal over vertical component of the light direction: up to ~35 degrees off
LIGHT_CHANNEL = (0.85, 1.0)  # each channel of the light's colour
AMBIENT = (0.45, 0.75)  # base 0.6
DIFFUSE = (0.3, 0.6)  # base 0.45
SPECULAR = (0.0, 0.15)  # base 0.05
# Gains only darken: pybullet's TinyRenderer wraps a colour above 1 around (coloured speckles and bars).
BIN_BRIGHTNESS = (0.72, 1.0)  # one gain for the tray and the floor
BIN_CHANNEL = (0.88, 1.0)  # and one per channel on top, scaled so the largest is 1


@dataclass(frozen=True)
class Look:
    """What one episode looks like: its light and the tint of the bin (RGB gains on the URDF colours)."""

    lighting: Lighting
    bin_tint: tuple[float, float, float]


FIXED_LOOK = Look(BASE_LIGHTING, (1.0, 1.0, 1.0))


def random_look(seed: int | None) -> Look:
    """The look of the episode with this seed (None: a fresh draw)."""
    rng = np.random.default_rng(None if seed is None else [APPEARANCE_STREAM, seed])
    azimuth = rng.uniform(0.0, 2 * math.pi)
    tilt = rng.uniform(0.0, MAX_LIGHT_TILT)
    colour = rng.uniform(*LIGHT_CHANNEL, size=3)
    lighting = Lighting(
        (tilt * math.cos(azimuth), tilt * math.sin(azimuth), 1.0),
        (float(colour[0]), float(colour[1]), float(colour[2])),
        float(rng.uniform(*AMBIENT)),
        float(rng.uniform(*DIFFUSE)),
        float(rng.uniform(*SPECULAR)),
        0,
    )
    channels = rng.uniform(*BIN_CHANNEL, size=3)
    tint = rng.uniform(*BIN_BRIGHTNESS) * channels / channels.max()
    return Look(lighting, (float(tint[0]), float(tint[1]), float(tint[2])))
