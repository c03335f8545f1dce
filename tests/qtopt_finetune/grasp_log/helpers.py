"""Episodes whose steps can be recognised after a round trip: state = (episode number, step number)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter, Step

SHAPE = (16, 16)


def smooth_image(seed: int, shape: tuple[int, int] = SHAPE) -> np.ndarray:
    """A smooth RGB image (JPEG keeps it close) that differs per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]] / max(shape)
    phase = rng.uniform(0, 6, size=3)
    chans = [127 + 100 * np.sin(2 * x + phase[c]) * np.cos(3 * y + phase[c]) for c in range(3)]
    return np.stack(chans, axis=-1).astype(np.uint8)


def make_steps(episode: int, length: int = 4, shape: tuple[int, int] = SHAPE) -> list[Step]:
    return [
        Step(
            image=smooth_image(episode * 1000 + t, shape),
            state=np.array([episode, t], dtype=np.float32),
            action=np.array([0.1 * t, -0.2, 0.3, 0.01 * episode, 0.0, float(t == length - 1)], np.float32),
            reward=float(t == length - 1) - 0.05,
            done=t == length - 1,
        )
        for t in range(length)
    ]


def make_meta(episode: int, **overrides: object) -> EpisodeMeta:
    fields: dict[str, object] = {
        "robot": f"robot-{episode % 2}",
        "variation": ["base", "checkerboard", "harsh_light"][episode % 3],
        "policy_id": f"policy-{episode % 4}",
        "source": "sim" if episode % 5 else "real",
        "start_time": 1_700_000_000.0 + 60.0 * episode,
        "success": episode % 2 == 0,
    }
    fields.update(overrides)
    return EpisodeMeta(**fields)  # type: ignore[arg-type]


def write_log(
    root: Path,
    episodes: int,
    *,
    image_format: str = "png",
    episodes_per_shard: int = 3,
    first: int = 0,
    length_of=lambda e: 3 + e % 3,
    shape: tuple[int, int] = SHAPE,
    **meta: object,
) -> dict[str, list[Step]]:
    """Write episodes `first .. first + episodes - 1`; returns {episode_id: steps}."""
    written = {}
    with GraspLogWriter(root, image_format=image_format, episodes_per_shard=episodes_per_shard) as w:
        for e in range(first, first + episodes):
            steps = make_steps(e, length_of(e), shape)
            written[w.add_episode(steps, make_meta(e, **meta))] = steps
    return written


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (path -> bytes), to check that nothing was touched."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
