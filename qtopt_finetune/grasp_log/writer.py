"""`GraspLogWriter`: append episodes to a grasp log; many writers (processes, robots) may share one log.

How concurrent writers never clash, and how a crash never leaves a half-visible shard:
1. Every writer has its own id (uuid4) and names its temp files after it, under `.grasp_log/tmp/`.
2. To commit a shard, a writer first *claims* a shard number N by creating `.grasp_log/claims/N` with
   `O_CREAT | O_EXCL`: exactly one process gets each number, so no two writers ever touch the same file.
3. It writes the data file and the episode table to temp files and fsyncs them, then publishes the episode
   table, then the data file, each by `os.link` to its final name (which refuses to overwrite) plus an
   fsync of the folder. The data file appearing is the commit: the reader only reads shards whose data file
   and episode table both exist, so a crash leaves either nothing visible or a whole shard.
4. `meta/info.json` and `meta/tasks.parquet` are created once by whichever writer commits first (again by
   `os.link`, so never overwritten); later writers only check that their format and image size agree.
No file is ever modified after it is published, so there is no shared file to race on, and readers may
read while writers write. Needs a POSIX file system with hard links (local disks, NFSv3+).
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from qtopt_finetune.grasp_log import durable, schema
from qtopt_finetune.grasp_log.codec import encode_image
from qtopt_finetune.grasp_log.info import LogInfo, load_info
from qtopt_finetune.grasp_log.records import EpisodeMeta, Step, new_episode_id
from qtopt_finetune.grasp_log.shard_files import EncodedEpisode, episode_table, locate_images, write_data_file
from qtopt_finetune.grasp_log.validation import check_episode


class GraspLogWriter:
    """Buffers episodes and commits a shard every `episodes_per_shard` episodes and on flush()/close()."""

    def __init__(
        self,
        root: str | Path,
        image_format: str = "jpeg",
        fps: int = 10,
        episodes_per_shard: int = 100,
        jpeg_quality: int = 95,
        *,
        row_group_rows: int = 512,
        camera: str = "fixed",
    ) -> None:
        if image_format not in schema.IMAGE_FORMATS:
            raise ValueError(f"image_format must be one of {schema.IMAGE_FORMATS}, got {image_format!r}")
        if not 1 <= episodes_per_shard <= schema.EPISODES_PER_SHARD_MAX:
            raise ValueError(f"episodes_per_shard must be in [1, {schema.EPISODES_PER_SHARD_MAX}]")
        if fps <= 0 or not 1 <= jpeg_quality <= 100:
            raise ValueError(f"need fps > 0 and jpeg_quality in [1, 100], got {fps}, {jpeg_quality}")
        self.root = Path(root)
        if not camera:
            raise ValueError("camera must name the camera that takes the images")
        self.image_format, self.fps, self.jpeg_quality = image_format, int(fps), int(jpeg_quality)
        self.camera = camera
        self.episodes_per_shard, self.row_group_rows = episodes_per_shard, row_group_rows
        self.writer_id = uuid.uuid4().hex
        self._buffer: list[EncodedEpisode] = []
        self._ids: set[str] = set()
        self._log_info: LogInfo | None = (
            load_info(self.root) if schema.info_path(self.root).exists() else None
        )
        self._shape: tuple[int, int] | None = self._log_info.image_shape if self._log_info else None
        if self._log_info is not None:
            LogInfo(image_format, self._log_info.image_shape, self.fps, camera).check_compatible(
                self._log_info, str(root)
            )
        self._next_shard = 0
        self._closed = False
        for sub in ("claims", "tmp"):
            (schema.private_dir(self.root) / sub).mkdir(parents=True, exist_ok=True)

    # -- public API -------------------------------------------------------------------------------------
    def add_episode(self, steps: list[Step], meta: EpisodeMeta) -> str:
        """Validate and buffer one episode; return its id. Malformed: ValueError, nothing touched."""
        if self._closed:
            raise ValueError("this GraspLogWriter is closed")
        shape = check_episode(steps, meta, self._shape)
        episode_id = meta.episode_id or new_episode_id()
        if episode_id in self._ids:
            raise ValueError(f"episode_id {episode_id!r} was already added by this writer")
        encoded = EncodedEpisode(
            episode_id=episode_id,
            meta=meta,
            images=[encode_image(s.image, self.image_format, self.jpeg_quality) for s in steps],
            state=np.stack([np.asarray(s.state, dtype=np.float32).reshape(-1) for s in steps]),
            action=np.stack([np.asarray(s.action, dtype=np.float32).reshape(-1) for s in steps]),
            reward=np.array([s.reward for s in steps], dtype=np.float32),
            done=np.array([bool(s.done) for s in steps], dtype=bool),
        )
        self._shape = shape
        self._buffer.append(encoded)
        self._ids.add(episode_id)
        if len(self._buffer) >= self.episodes_per_shard:
            self.flush()
        return episode_id

    def flush(self) -> None:
        """Commit the buffered episodes as one shard (durable and visible when this returns)."""
        if not self._buffer:
            return
        self._ensure_log_files()
        shard = self._claim_shard()
        self._commit(shard, self._buffer)
        self._buffer = []

    def close(self) -> None:
        if not self._closed:
            self.flush()
            self._closed = True

    def __enter__(self) -> GraspLogWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
            return
        with contextlib.suppress(Exception):  # keep the valid buffered episodes; report the first error
            self.close()

    # -- internals --------------------------------------------------------------------------------------
    def _tmp(self, name: str) -> Path:
        return schema.private_dir(self.root) / "tmp" / f"{self.writer_id}-{name}"

    def _ensure_log_files(self) -> None:
        assert self._shape is not None
        mine = LogInfo(self.image_format, self._shape, self.fps, self.camera)
        if self._log_info is None:
            info_tmp = self._tmp("info.json")
            durable.write_durable(info_tmp, json.dumps(mine.to_json(), indent=2).encode())
            durable.publish(info_tmp, schema.info_path(self.root))  # loses the race harmlessly
            tasks_tmp = self._tmp("tasks.parquet")
            pq.write_table(pa.table({"task_index": [0], "task": [schema.TASK]}), tasks_tmp)
            durable.fsync_file(tasks_tmp)
            durable.publish(tasks_tmp, self.root / "meta" / "tasks.parquet")
            self._log_info = load_info(self.root)
        mine.check_compatible(self._log_info, str(self.root))

    def _claim_shard(self) -> int:
        claims = schema.private_dir(self.root) / "claims"
        if self._next_shard == 0:
            taken = [int(p.name) for p in claims.iterdir() if p.name.isdigit()]
            self._next_shard = max(taken, default=-1) + 1
        while not durable.claim(claims / f"{self._next_shard:09d}"):
            self._next_shard += 1
        shard = self._next_shard
        self._next_shard += 1
        return shard

    def _commit(self, shard: int, episodes: list[EncodedEpisode]) -> None:
        data_tmp, ep_tmp = self._tmp(f"{shard}.data.parquet"), self._tmp(f"{shard}.episodes.parquet")
        try:
            write_data_file(data_tmp, episodes, shard, self.fps, self.row_group_rows)
            durable.fsync_file(data_tmp)
            offsets, size, crc = locate_images(data_tmp, episodes)
            pq.write_table(episode_table(episodes, shard, self.writer_id, offsets, size, crc), ep_tmp)
            durable.fsync_file(ep_tmp)
            for tmp, final in (
                (ep_tmp, schema.episodes_path(self.root, shard)),
                (data_tmp, schema.data_path(self.root, shard)),
            ):
                if not durable.publish(tmp, final):
                    raise RuntimeError(f"{final} exists although shard {shard} was claimed by this writer")
        finally:
            for tmp in (data_tmp, ep_tmp):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
