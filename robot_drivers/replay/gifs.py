"""Short GIFs of a checkpoint's grasps on a variation: a frame at the start and after every action, a
caption with the episode's seed and outcome."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from robot_drivers.checkpoint_world import checkpoint_world
from robot_drivers.policies.factory import make_policy
from robot_drivers.sim.world import GraspWorld

FRAME_MS = 300
CAPTION = 14


def _captioned(frame: np.ndarray, text: str, colour: str) -> Image.Image:
    image = Image.new("RGB", (frame.shape[1], frame.shape[0] + CAPTION), "white")
    image.paste(Image.fromarray(frame), (0, CAPTION))
    ImageDraw.Draw(image).text((3, 1), text, fill=colour)
    return image


def grasp_gif(
    checkpoint: str,
    variation: str,
    seeds: Sequence[int],
    path: str | Path,
    objects: str = "test",
    size: int = 128,
) -> tuple[int, int]:
    """Run one episode per seed with the checkpoint's greedy policy and write them as one GIF at `path`.

    Returns (episodes, successes). The episodes are the evaluation's own (same seeds, same policy)."""
    # WorldConfig checks the object split, naming the field
    config = checkpoint_world(checkpoint, variation=variation, objects=objects)
    frames: list[Image.Image] = []
    successes = 0
    with GraspWorld(config) as world:
        policy = make_policy(checkpoint, world)
        for seed in seeds:
            obs, _ = world.reset(seed=seed)
            policy.reset(seed=seed)
            frames.append(_captioned(world.render(size), f"seed {seed}", "black"))
            done, info = False, dict[str, object]()
            while not done:
                obs, _, done, _, info = world.step(policy.act(obs))
                frames.append(_captioned(world.render(size), f"seed {seed}", "black"))
            success = bool(info.get("success"))
            successes += success
            verdict = "grasped" if success else "missed"
            last = _captioned(world.render(size), f"seed {seed}: {verdict}", "green" if success else "red")
            frames.extend([last] * 3)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".gif.tmp")
    frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=FRAME_MS, loop=0)
    tmp.replace(out)
    return len(seeds), successes
