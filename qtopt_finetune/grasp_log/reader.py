"""`GraspLogReader`: episode metadata with filters, streaming transitions, and random-access sampling.

Opening a log reads `meta/info.json` and the episode tables only (kilobytes per shard). Sampling builds the
transition index on first use, in a temporary file (see `index_file.py`: small numbers, never images, so the
sampler's memory does not grow with the log); each sampled transition is one `pread` of its record and one
of each distinct image, decoded on a thread pool. Shards a writer is committing right now are not seen by an
open reader; call `refresh()` (or open a new reader) to pick them up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.grasp_log import schema, streaming
from qtopt_finetune.grasp_log.catalog import Shard, scan_shards
from qtopt_finetune.grasp_log.codec import decode_image
from qtopt_finetune.grasp_log.decoding import ImageDecoder
from qtopt_finetune.grasp_log.draw import Draw, assemble
from qtopt_finetune.grasp_log.filters import EpisodeFilter
from qtopt_finetune.grasp_log.image_store import ImageStore
from qtopt_finetune.grasp_log.index import build_index, shard_indexes
from qtopt_finetune.grasp_log.index_file import IndexFile
from qtopt_finetune.grasp_log.info import LogInfo, load_info
from qtopt_finetune.grasp_log.records import Step
from qtopt_finetune.grasp_log.shortcuts import ShortcutSpec
from qtopt_finetune.grasp_log.windows import EpisodeWindows, episode_starts


class GraspLogReader:
    def __init__(
        self,
        root: str | Path,
        *,
        decode_threads: int | None = None,
        verify_checksums: bool = False,
        where: EpisodeFilter | None = None,
        _shards: list[Shard] | None = None,
    ) -> None:
        self.root = Path(root)
        self.info: LogInfo = load_info(self.root)
        self.where = where or EpisodeFilter()
        self._decode_threads, self._verify = decode_threads, verify_checksums
        self._shards: list[Shard] = scan_shards(self.root, verify_checksums) if _shards is None else _shards
        self._lock = threading.Lock()
        self._index: IndexFile | None = None
        self._store: ImageStore | None = None
        self._decoder: ImageDecoder | None = None
        # per window length: the index its episodes were read from, and the windows
        self._windows: dict[int, tuple[IndexFile, EpisodeWindows]] = {}

    # -- metadata -----------------------------------------------------------------------------------------
    @property
    def image_shape(self) -> tuple[int, int]:
        return self.info.image_shape

    def _all_episodes(self) -> pa.Table:
        if not self._shards:
            return schema.EPISODES_SCHEMA.empty_table()
        return pa.concat_tables([s.episodes for s in self._shards])

    def episodes(self, **filters: Any) -> pa.Table:
        """Episode records matching this reader's filter and `filters` (fields of EpisodeFilter)."""
        table = self.where.and_(EpisodeFilter(**filters)).apply(self._all_episodes())
        return table.drop_columns(list(schema.INTERNAL_COLUMNS))

    def select(self, **filters: Any) -> GraspLogReader:
        """A reader of the same shards restricted to the matching episodes (for sampling and streaming)."""
        return GraspLogReader(
            self.root,
            decode_threads=self._decode_threads,
            verify_checksums=self._verify,
            where=self.where.and_(EpisodeFilter(**filters)),
            _shards=self._shards,
        )

    def refresh(self) -> None:
        """Pick up shards committed since this reader was opened."""
        with self._lock:
            self._shards = scan_shards(self.root, self._verify)
            # not closed here: a prefetching sampler may still read it; its file goes with its last user
            self._index = None
            self._windows = {}
            if self._store is not None:
                self._store.close()
                self._store = None

    def selected_shards(self) -> Iterator[tuple[Shard, pa.Table]]:
        """Each readable shard with the rows of its episode table that this reader's filter selects, one
        shard at a time (a log's episode tables are never all in memory at once)."""
        for shard in self._shards:
            yield shard, self.where.apply(shard.episodes)

    @property
    def num_episodes(self) -> int:
        return sum(sel.num_rows for _, sel in self.selected_shards())

    @property
    def num_transitions(self) -> int:
        return sum(sum(sel["length"].to_pylist()) for _, sel in self.selected_shards())

    def __len__(self) -> int:
        return self.num_transitions

    def read_episode(self, episode_id: str) -> list[Step]:
        """All steps of one episode, images decoded."""
        for shard in self._shards:
            episodes = shard.episodes
            hit = episodes.filter(pc.equal(episodes["episode_id"], episode_id))
            if hit.num_rows:
                rows = build_index([(shard, hit)])
                store = ImageStore({shard.number: shard.data_path})
                try:
                    blobs = store.fetch(rows.shard, rows.offset, rows.length)
                finally:
                    store.close()
                return [
                    Step(
                        image=decode_image(b, self.image_shape),
                        state=rows.state[t],
                        action=rows.action[t],
                        reward=float(rows.reward[t]),
                        done=bool(rows.done[t]),
                    )
                    for t, b in enumerate(blobs)
                ]
        raise KeyError(f"no episode {episode_id!r} in {self.root}")

    # -- transitions ----------------------------------------------------------------------------------------
    def _parts(self) -> tuple[IndexFile, ImageStore, ImageDecoder]:
        with self._lock:
            if self._index is None:
                self._index = IndexFile(shard_indexes(self.selected_shards()))
            if self._store is None:
                self._store = ImageStore({s.number: s.data_path for s in self._shards})
            if self._decoder is None:
                self._decoder = ImageDecoder(self.image_shape, self._decode_threads)
            return self._index, self._store, self._decoder

    def iter_transitions(self, batch_size: int = 256) -> Iterator[TransitionBatch]:
        """Every transition of the selected episodes once, in log order (bounded memory)."""
        _, _, decoder = self._parts()
        yield from streaming.iter_transitions(self.selected_shards(), decoder, batch_size)

    def draw(
        self,
        batch_size: int,
        rng: np.random.Generator,
        return_gamma: float | None = None,
        shortcut: ShortcutSpec | None = None,
    ) -> Draw:
        """Pick `batch_size` transitions uniformly (with replacement) and fetch their image bytes; with
        `return_gamma`, also each one's discounted return to the end of its episode; with `shortcut`, each
        one's hindsight shortcut (grasp_log.shortcuts)."""
        n = len(self._sampling_index())
        return self.draw_rows(rng.integers(0, n, size=batch_size), return_gamma, shortcut)

    def draw_rows(
        self, rows: np.ndarray, return_gamma: float | None = None, shortcut: ShortcutSpec | None = None
    ) -> Draw:
        """The transitions at these rows of the sampling index (as `draw`, rows chosen by the caller)."""
        index, store, _ = self._parts()
        rec = index.read(rows)
        shard = np.concatenate([rec["shard"], rec["shard"]])
        offset = np.concatenate([rec["offset"], rec["next_offset"]])
        length = np.concatenate([rec["length"], rec["next_length"]])
        # an image is known by (shard, offset); offsets stay far below 2**40 bytes
        key = (shard.astype(np.int64) << 40) | offset
        keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        blobs = store.fetch(shard[first], offset[first], length[first])
        return Draw(
            blobs,
            inverse,
            rec["state"],
            rec["action"],
            rec["reward"],
            rec["next_state"],
            rec["done"].astype(bool),
            None if return_gamma is None else index.discounted_returns(return_gamma, rows),
            None if shortcut is None else index.shortcuts(shortcut, rows),
            keys,
        )

    def _sampling_index(self) -> IndexFile:
        index = self._parts()[0]
        if len(index) == 0:
            raise ValueError(f"{self.root}: no transitions to sample (filter: {self.where})")
        return index

    def episode_windows(self, window: int) -> EpisodeWindows:
        """Windows of up to `window` consecutive steps over the sampling index's episodes (grasp_log.windows);
        the same object until the index is rebuilt (`refresh`)."""
        index = self._sampling_index()
        with self._lock:
            cached = self._windows.get(window)
            if cached is None or cached[0] is not index:
                cached = self._windows[window] = (index, EpisodeWindows(episode_starts(index), window))
            return cached[1]

    def sample(self, batch_size: int, rng: np.random.Generator) -> TransitionBatch:
        draw = self.draw(batch_size, rng)
        decoder = self._parts()[2]
        return assemble([draw], decoder.decode, decoder.shape)

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            self._windows = {}
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._decoder is not None:
                self._decoder.close()
                self._decoder = None

    def __enter__(self) -> GraspLogReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
