"""Contact sheets of simulated episodes: one PNG per variation, a row per episode, a column per step."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from robot_drivers.policies.scripted import ScriptedGraspPolicy
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.world import GraspWorld

LABEL_HEIGHT = 14


def episode_frames(world: GraspWorld, seed: int, noise: float, size: int) -> tuple[list[np.ndarray], bool]:
    """Frames (the start and after every action) of one scripted episode, rendered at `size`."""
    policy = ScriptedGraspPolicy(world, noise=noise, seed=seed)
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    frames = [world.render(size)]
    done, success = False, False
    while not done:
        obs, _, done, _, info = world.step(policy.act(obs))
        frames.append(world.render(size))
        success = bool(info["success"])
    return frames, success


def contact_sheet(rows: list[tuple[list[np.ndarray], bool]], title: str, size: int) -> Image.Image:
    columns = max(len(frames) for frames, _ in rows)
    sheet = Image.new("RGB", (columns * size, LABEL_HEIGHT + len(rows) * (size + LABEL_HEIGHT)), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((4, 1), title, fill="black")
    for r, (frames, success) in enumerate(rows):
        top = LABEL_HEIGHT + r * (size + LABEL_HEIGHT)
        draw.text(
            (4, top + 1),
            f"episode {r}: {'success' if success else 'failure'}",
            fill="darkgreen" if success else "darkred",
        )
        for c, frame in enumerate(frames):
            sheet.paste(Image.fromarray(frame), (c * size, top + LABEL_HEIGHT))
    return sheet


def write_contact_sheets(
    variations: list[str],
    out_dir: str,
    episodes: int = 3,
    size: int = 128,
    noise: float = 0.0,
    seed: int = 0,
    base: WorldConfig | None = None,
) -> list[str]:
    """Write `<out_dir>/<variation>.png` for each variation (and every frame under a subfolder)."""
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for variation in variations:
        config = replace(base or WorldConfig(), variation=variation)
        with GraspWorld(config) as world:
            rows = [episode_frames(world, seed + e, noise, size) for e in range(episodes)]
        frame_dir = os.path.join(out_dir, variation)
        os.makedirs(frame_dir, exist_ok=True)
        for e, (frames, _) in enumerate(rows):
            for s, frame in enumerate(frames):
                Image.fromarray(frame).save(os.path.join(frame_dir, f"episode{e:02d}_step{s:02d}.png"))
        path = os.path.join(out_dir, f"{variation}.png")
        contact_sheet(rows, f"variation: {variation} (scripted policy, noise {noise})", size).save(path)
        written.append(path)
    return written
