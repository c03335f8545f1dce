"""`MixedSampler`: batches mixing several logs in exact fixed proportions (e.g. 50/50 base and target).

Each batch takes exactly `counts[k]` transitions from reader k (the proportions rounded by largest
remainder, so they always sum to `batch_size`), in reader order, with `source` = k. One seeded generator
drives every draw, in order, so the same seed gives identical batches, with or without prefetch. With
`prefetch > 0` a background thread prepares that many batches ahead (fetching and decoding images while
the learner trains).

With `window` > 1 each reader's share of a batch comes from that many `WindowStreams` (grasp_log.windows):
every transition still equally likely and every batch's transitions from independent windows, but each
batch takes the step after the previous batch's, whose image it already decoded as that batch's next image
(~1.2 decodes a transition at window 4 against ~1.9).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from types import TracebackType

import numpy as np

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.grasp_log.decoding import ImageDecoder
from qtopt_finetune.grasp_log.draw import Draw, ImageKey, assemble, next_image_keys
from qtopt_finetune.grasp_log.reader import GraspLogReader
from qtopt_finetune.grasp_log.shortcuts import ShortcutSpec
from qtopt_finetune.grasp_log.windows import WindowStreams


def exact_counts(weights: Sequence[float], batch_size: int) -> list[int]:
    """Split `batch_size` in proportion to `weights` (largest remainder; ties go to the earlier source)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or len(w) == 0 or np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be finite, >= 0 and not all 0, got {list(weights)}")
    exact = w / w.sum() * batch_size
    counts = np.floor(exact).astype(int)
    order = sorted(range(len(w)), key=lambda k: (-(exact[k] - counts[k]), k))
    for k in order[: batch_size - int(counts.sum())]:
        counts[k] += 1
    return [int(c) for c in counts]


class MixedSampler:
    def __init__(
        self,
        sources: Sequence[tuple[GraspLogReader, float]],
        batch_size: int = 64,
        seed: int = 0,
        *,
        prefetch: int = 0,
        decode_threads: int | None = None,
        return_gamma: float | None = None,
        shortcut: ShortcutSpec | None = None,
        window: int = 1,
        variation_logs: Sequence[int] = (),
    ) -> None:
        if not sources:
            raise ValueError("MixedSampler needs at least one (reader, weight) source")
        if any(not 0 <= k < len(sources) for k in variation_logs):
            raise ValueError(f"variation_logs {list(variation_logs)}: indices of the {len(sources)} sources")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        shapes = {r.image_shape for r, _ in sources}
        if len(shapes) != 1:
            raise ValueError(f"all logs must have the same image shape, got {sorted(shapes)}")
        self.readers = [r for r, _ in sources]
        self.batch_size = batch_size
        self.return_gamma = return_gamma  # not None: batches carry each transition's discounted return
        self.shortcut = shortcut  # not None: batches carry each transition's hindsight shortcut
        self.window = window
        # not empty: batches carry the variation input (QNetworkConfig.variation_input): 1.0 on these logs
        self.variation_logs = tuple(variation_logs)
        self._streams: list[WindowStreams | None] = [None] * len(self.readers)
        self._known: dict[ImageKey, np.ndarray] = {}  # the previous batch's next images, decoded
        self.counts = exact_counts([w for _, w in sources], batch_size)
        self._rng = np.random.default_rng(seed)
        self._decoder = ImageDecoder(shapes.pop(), decode_threads)
        self._source = np.repeat(np.arange(len(self.counts), dtype=np.int64), self.counts)
        self._queue: queue.Queue[TransitionBatch | BaseException] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if prefetch > 0:
            self._queue = queue.Queue(maxsize=prefetch)
            self._thread = threading.Thread(target=self._produce, name="grasp-log-sampler", daemon=True)
            self._thread.start()

    def _draw(self, k: int) -> Draw:
        reader, n = self.readers[k], self.counts[k]
        if self.window == 1:
            return reader.draw(n, self._rng, self.return_gamma, self.shortcut)
        windows = reader.episode_windows(self.window)
        streams = self._streams[k]
        if streams is None or streams.windows is not windows:  # first batch, or the index was rebuilt
            streams = self._streams[k] = WindowStreams(windows, n)
        return reader.draw_rows(streams.rows(self._rng), self.return_gamma, self.shortcut)

    def _make(self) -> TransitionBatch:
        draws = [self._draw(k) for k, n in enumerate(self.counts) if n > 0]
        shape = self._decoder.shape
        batch = assemble(draws, self._decoder.decode, shape, self._source.copy(), self._known)
        if self.variation_logs:
            batch.variation = np.isin(self._source, self.variation_logs).astype(np.float32)
        if self.window > 1:
            images = batch.next_image.copy()  # the learner may change the batch's own arrays
            self._known = dict(zip(next_image_keys(draws), images, strict=True))
        return batch

    def _produce(self) -> None:
        assert self._queue is not None
        while not self._stop.is_set():
            try:
                item: TransitionBatch | BaseException = self._make()
            except BaseException as exc:  # handed to the consumer, which re-raises it
                item = exc
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if isinstance(item, BaseException):
                return

    def sample(self) -> TransitionBatch:
        if self._queue is None:
            return self._make()
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def __iter__(self) -> Iterator[TransitionBatch]:
        while True:
            yield self.sample()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._decoder.close()

    def __enter__(self) -> MixedSampler:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
