"""Clips of frames from grasp logs, reading only the image column (and where each frame belongs).

A grasp log is used here as a video archive: every episode is one clip. Actions, rewards, states and
success labels are never read, so a recording without them (a camera log, another robot's video) turned
into this layout serves as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qtopt_finetune.grasp_log import schema
from qtopt_finetune.grasp_log.catalog import skip
from qtopt_finetune.grasp_log.codec import decode_image
from qtopt_finetune.grasp_log.info import load_info

FRAME_COLUMNS = (schema.IMAGE, schema.EPISODE_INDEX, schema.FRAME_INDEX)


def read_clips(
    roots: str | Path | Sequence[str | Path], max_clips: int | None = None, min_frames: int = 2
) -> list[np.ndarray]:
    """Clips (uint8 (T, H, W, 3), frames in order) of the logs at `roots`, at most `max_clips` of them
    (taken evenly from each log). Clips shorter than `min_frames` are left out."""
    paths = [roots] if isinstance(roots, str | Path) else list(roots)
    per_log = None if max_clips is None else -(-max_clips // len(paths))
    clips: list[np.ndarray] = []
    for root in paths:
        clips += _log_clips(Path(root), per_log, min_frames)
    return clips[:max_clips] if max_clips is not None else clips


def _log_clips(root: Path, limit: int | None, min_frames: int) -> list[np.ndarray]:
    load_info(root)  # a clear error for a folder that is not a grasp log (or of an unknown schema)
    out: list[np.ndarray] = []
    # data files appear only once complete (written aside, then renamed), so no episode table is needed
    # to find them: the episode tables hold success labels, which video pretraining must not see.
    files = sorted(root.glob("data/chunk-*/file-*.parquet"), key=lambda p: schema.shard_of_path(p) or 0)
    for path in files:
        try:
            table = pq.read_table(path, columns=list(FRAME_COLUMNS))
        except (OSError, ValueError) as exc:  # pyarrow's errors for truncated or corrupt files
            skip(path, f"unreadable ({exc})")
            continue
        episodes = table[schema.EPISODE_INDEX].to_numpy()
        frames = table[schema.FRAME_INDEX].to_numpy()
        blobs = pc.struct_field(table[schema.IMAGE], "bytes").to_pylist()
        for episode in np.unique(episodes):
            rows = np.flatnonzero(episodes == episode)
            rows = rows[np.argsort(frames[rows], kind="stable")]
            if len(rows) < min_frames:
                continue
            out.append(np.stack([decode_image(blobs[i]) for i in rows]))
            if limit is not None and len(out) >= limit:
                return out
    return out
