"""A replay shard actor: serves mixed batches (fixed share per log) from its part of the grasp logs.

Replay actor k of n owns the Parquet shards k, k+n, k+2n, ... of every log (all of a log's shards when
it has fewer than n), samples them through its own `MixedSampler` with its own seed stream, and
prefetches a few batches in a background thread. So n actors multiply read and decode throughput and
split the index memory. Batches go into Ray's object store and on to an updater.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.grasp_log import GraspLogReader, MixedSampler
from qtopt_finetune.grasp_log.catalog import scan_shards


def shard_reader(path: str, shard: int, shards: int) -> GraspLogReader:
    """A reader of the log's Parquet shards `shard`, `shard + shards`, ... (all of them if there are few)."""
    if not 0 <= shard < shards:
        raise ValueError(f"replay: shard must be in [0, {shards}), got {shard}")
    found = scan_shards(Path(path), False)
    if len(found) < shards:
        return GraspLogReader(path)
    return GraspLogReader(path, _shards=found[shard::shards])


class ReplayShard:
    def __init__(
        self,
        logs: Sequence[str],
        weights: Sequence[float],
        batch_size: int,
        seed: int,
        shard: int,
        shards: int = 1,
        prefetch: int = 2,
        return_gamma: float | None = None,
        window: int = 1,
    ) -> None:
        self.readers = [shard_reader(path, shard, shards) for path in logs]
        self.sampler = MixedSampler(
            list(zip(self.readers, weights, strict=True)),
            batch_size,
            seed=seed * 10_007 + shard,
            prefetch=prefetch,
            return_gamma=return_gamma,
            window=window,
        )
        self.served = 0

    def sample(self) -> TransitionBatch:
        self.served += 1
        return self.sampler.sample()

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        self.sampler.close()
        for reader in self.readers:
            reader.close()
