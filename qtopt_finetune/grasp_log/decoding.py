"""Decode many images off the calling thread: a small thread pool, one contiguous chunk per worker."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import numpy as np

from qtopt_finetune.grasp_log.codec import decode_into

P = ParamSpec("P")
R = TypeVar("R")


def default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


class ImageDecoder:
    """`decode(blobs)` -> uint8 (N, H, W, 3). Work is split into `threads` chunks run on the pool."""

    def __init__(self, shape: tuple[int, int], threads: int | None = None) -> None:
        self.shape = shape
        self.threads = default_threads() if threads is None else max(1, threads)
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="grasp-log-decode")

    def decode(
        self, blobs: list[bytes], out: np.ndarray | None = None, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Decode `blobs[i]` into `out[rows[i]]` (`out[i]` without rows; a new array without out)."""
        if out is None:
            out = np.empty((len(blobs), *self.shape, 3), dtype=np.uint8)
        if not blobs:
            return out
        n_chunks = min(self.threads, max(1, len(blobs) // 8))
        if n_chunks == 1:  # one chunk: a hand-off to the pool would only add a wake-up
            decode_into(out, blobs, self.shape, rows)
            return out
        if rows is None:
            rows = np.arange(len(blobs))
        bounds = np.linspace(0, len(blobs), n_chunks + 1).astype(int)
        futures: list[Future[None]] = [
            self._pool.submit(decode_into, out, blobs[a:b], self.shape, rows[a:b])
            for a, b in itertools.pairwise(bounds)
        ]
        for f in futures:
            f.result()
        return out

    def submit(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        return self._pool.submit(fn, *args, **kwargs)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
