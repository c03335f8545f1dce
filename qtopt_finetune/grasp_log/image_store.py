"""Fetch image bytes straight from the data files with `os.pread` (no Parquet decoding, no mmap: pages read
this way do not count in the process's RSS). Keeps at most `max_open` files open (least recently used)."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from qtopt_finetune.grasp_log.codec import JPEG_MAGIC, PNG_MAGIC


class ImageStore:
    def __init__(self, paths: dict[int, Path], max_open: int = 256) -> None:
        self._paths = paths
        self._fds: OrderedDict[int, int] = OrderedDict()
        self._max_open = max_open
        self._lock = threading.Lock()

    def _fd(self, shard: int) -> int:  # call with the lock held
        fd = self._fds.get(shard)
        if fd is not None:
            self._fds.move_to_end(shard)
            return fd
        fd = os.open(self._paths[shard], os.O_RDONLY)
        self._fds[shard] = fd
        while len(self._fds) > self._max_open:
            os.close(self._fds.popitem(last=False)[1])
        return fd

    def fetch(self, shards: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> list[bytes]:
        out = []
        with self._lock:
            for shard, offset, length in zip(
                shards.tolist(), offsets.tolist(), lengths.tolist(), strict=True
            ):
                out.append(os.pread(self._fd(shard), length, offset))
        for shard, offset, length, blob in zip(
            shards.tolist(), offsets.tolist(), lengths.tolist(), out, strict=True
        ):
            if len(blob) != length or not (blob.startswith(JPEG_MAGIC) or blob.startswith(PNG_MAGIC)):
                raise ValueError(f"{self._paths[shard]}: no image at byte {offset} (file changed or corrupt)")
        return out

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()
