"""The sampling index on disk: one fixed-size record per transition (s, a, r, s', done and where both images
are), in an anonymous temporary file read with `os.pread`.

A sampler's memory must not grow with the log (issue: 1M transitions sample in no more RSS than 100k). The
in-memory index costs ~53 bytes a transition; this file holds the same numbers plus the next step's, so one
`pread` of one record gives a whole transition. Pages read with `pread` sit in the page cache, not in the
process's RSS, and the file is deleted by the OS when closed (or when the process dies). Building it reads
one shard's numbers at a time.
"""

from __future__ import annotations

import os
import tempfile
import threading
import weakref
from collections.abc import Iterable
from typing import IO

import numpy as np

from qtopt_finetune.grasp_log.index import TransitionIndex
from qtopt_finetune.grasp_log.shortcuts import SHORTCUT, ShortcutSpec, shortcut_chunks
from qtopt_finetune.spaces import ACTION_DIM, STATE_DIM

RECORD = np.dtype(
    [
        ("offset", "<i8"),  # the image's byte offset in its shard's data file
        ("next_offset", "<i8"),  # the next observation's image (the same image where done)
        ("shard", "<i4"),
        ("length", "<i4"),
        ("next_length", "<i4"),
        ("reward", "<f4"),
        ("state", "<f4", (STATE_DIM,)),
        ("next_state", "<f4", (STATE_DIM,)),
        ("action", "<f4", (ACTION_DIM,)),
        ("done", "u1"),
    ],
    align=True,
)
RETURN = np.dtype("<f4")


_CHUNK_ROWS = 1 << 14  # rows per sequential read or write


def _read_rows(fd: int, dtype: np.dtype, rows: np.ndarray, total: int) -> np.ndarray:
    """Fixed-size items `rows` (any order, repeats allowed) of a file of `total` items, one `pread` each."""
    size = dtype.itemsize
    buf = b"".join([os.pread(fd, size, r * size) for r in rows.tolist()])
    if len(buf) != len(rows) * size:
        raise ValueError(f"index file: rows {rows.min()}..{rows.max()} beyond its {total} rows")
    return np.frombuffer(buf, dtype)


def _close_all(file: IO[bytes], columns: dict[object, IndexFile._Column]) -> None:
    for column in columns.values():
        column.file.close()
    columns.clear()
    file.close()


def records_of(part: TransitionIndex) -> np.ndarray:
    """The records of one in-memory part (whole episodes: each ends with done)."""
    n = len(part)
    nxt = part.next_rows(np.arange(n))
    rec = np.zeros(n, RECORD)
    rec["shard"], rec["offset"], rec["length"] = part.shard, part.offset, part.length
    rec["next_offset"], rec["next_length"] = part.offset[nxt], part.length[nxt]
    rec["state"], rec["next_state"] = part.state, part.state[nxt]
    rec["action"], rec["reward"], rec["done"] = part.action, part.reward, part.done
    return rec


class IndexFile:
    """Records of the selected transitions, row i at byte i * RECORD.itemsize."""

    def __init__(self, parts: Iterable[TransitionIndex], directory: str | None = None) -> None:
        self._directory = directory
        # owned by this object until close() (deleted by the OS then, or when the process dies)
        self._file = tempfile.TemporaryFile(prefix="qtopt_index_", dir=directory)  # noqa: SIM115
        self._fd = self._file.fileno()
        self._columns: dict[object, IndexFile._Column] = {}  # per gamma (returns) or ShortcutSpec
        weakref.finalize(self, _close_all, self._file, self._columns)  # dropped without close(): no leak
        self._lock = threading.Lock()
        rows = 0
        try:
            for part in parts:
                if len(part):
                    self._file.write(records_of(part).tobytes())
                    rows += len(part)
            self._file.flush()
        except BaseException:
            self._file.close()
            raise
        self.rows = rows

    def __len__(self) -> int:
        return self.rows

    def read(self, rows: np.ndarray) -> np.ndarray:
        """The records at `rows` (any order, repeats allowed), one `pread` each."""
        return _read_rows(self._fd, RECORD, rows, self.rows)

    def chunks(self, reverse: bool = False) -> Iterable[tuple[int, np.ndarray]]:
        """(first row, records) in order (or from the end), at most _CHUNK_ROWS records at a time."""
        starts = range(0, self.rows, _CHUNK_ROWS)
        for start in reversed(starts) if reverse else starts:
            n = min(_CHUNK_ROWS, self.rows - start)
            data = os.pread(self._fd, n * RECORD.itemsize, start * RECORD.itemsize)
            yield start, np.frombuffer(data, RECORD)

    # -- per-row columns computed on demand: discounted returns per gamma, shortcuts per spec -------------
    class _Column:
        """One `dtype` item per row in its own anonymous file."""

        def __init__(self, directory: str | None, rows: int, dtype: np.dtype) -> None:
            self.file = tempfile.TemporaryFile(prefix="qtopt_column_", dir=directory)  # noqa: SIM115
            self.rows, self.dtype = rows, dtype
            os.ftruncate(self.file.fileno(), rows * dtype.itemsize)

        def read(self, rows: np.ndarray) -> np.ndarray:
            return _read_rows(self.file.fileno(), self.dtype, rows, self.rows)

        def write(self, start: int, values: np.ndarray) -> None:
            os.pwrite(
                self.file.fileno(),
                np.ascontiguousarray(values, self.dtype.base).tobytes(),
                start * self.dtype.itemsize,
            )

    def discounted_returns(self, gamma: float, rows: np.ndarray) -> np.ndarray:
        """float32: reward_t + gamma * reward_t+1 + ... to the end of each row's episode."""
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma}")
        with self._lock:
            column = self._columns.get(gamma)
            if column is None:
                column = self._columns[gamma] = self._returns_column(gamma)
        return column.read(rows)

    def shortcuts(self, spec: ShortcutSpec, rows: np.ndarray) -> np.ndarray:
        """float32 (len(rows), SHORTCUT_WIDTH): each row's hindsight shortcut (see grasp_log.shortcuts)."""
        with self._lock:
            column = self._columns.get(spec)
            if column is None:
                column = self._columns[spec] = self._shortcut_column(spec)
        return column.read(rows).reshape(len(rows), -1)

    def _shortcut_column(self, spec: ShortcutSpec) -> IndexFile._Column:
        column = IndexFile._Column(self._directory, self.rows, SHORTCUT)
        chunks = ((start, r["action"], r["state"], r["reward"], r["done"]) for start, r in self.chunks(True))
        for start, values in shortcut_chunks(chunks, spec):
            column.write(start, values)
        return column

    def _returns_column(self, gamma: float) -> IndexFile._Column:
        column = IndexFile._Column(self._directory, self.rows, RETURN)
        running = 0.0
        for start, rec in self.chunks(reverse=True):  # episodes are contiguous and end at done
            out = np.empty(len(rec), RETURN)
            reward, done = rec["reward"].tolist(), rec["done"].tolist()
            for i in range(len(rec) - 1, -1, -1):
                running = reward[i] + (0.0 if done[i] else gamma * running)
                out[i] = running
            column.write(start, out)
        return column

    def close(self) -> None:
        with self._lock:
            _close_all(self._file, self._columns)
            self._fd = -1  # a read after close fails (EBADF) instead of reading whatever reuses the number
