"""Find a log's committed shards; skip (with a warning naming it) any shard that is truncated or corrupt."""

from __future__ import annotations

import logging
import warnings
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from qtopt_finetune.grasp_log import schema

log = logging.getLogger(__name__)


class GraspLogWarning(UserWarning):
    """Part of a grasp log could not be read and was skipped."""


# Episode tables in memory at once (~160 kB each at 500 episodes a shard): a log's size never shows in a
# reader's memory. With 32, a 100k-transition log (25 shards) sat wholly in the cache and a 1M one filled
# it, so the larger log sampled in 6 MB more peak RSS; with 8 both peak the same (benchmarks/RESULTS.md).
# The price: a second pass over a log's tables reads them again (0.8 s more to open a 10k-grasp log).
CACHED_TABLES = 8


class ShardChangedError(RuntimeError):
    """A shard's episode table changed or vanished after the log was opened (committed shards never do)."""


@lru_cache(maxsize=CACHED_TABLES)
def _load_episodes(path: Path, size: int, mtime_ns: int) -> pa.Table:
    return pq.read_table(path).select(schema.EPISODES_SCHEMA.names).cast(schema.EPISODES_SCHEMA)


def _read_episodes(path: Path) -> pa.Table:
    """An episode table through the cache (keyed by size and mtime, so a changed file is read again)."""
    st = path.stat()
    return _load_episodes(path, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class Shard:
    number: int
    data_path: Path
    episodes_path: Path
    num_episodes: int

    @property
    def episodes(self) -> pa.Table:
        """Its episode table (EPISODES_SCHEMA), read again from disk when it has left the small cache."""
        try:
            table = _read_episodes(self.episodes_path)
        except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
            raise ShardChangedError(
                f"{self.episodes_path}: unreadable since the log was opened ({exc})"
            ) from exc
        if table.num_rows != self.num_episodes:
            raise ShardChangedError(
                f"{self.episodes_path}: {table.num_rows} episodes, "
                f"{self.num_episodes} when the log was opened"
            )
        return table


def skip(path: Path, reason: str) -> None:
    message = f"grasp log: skipping shard {path}: {reason}"
    log.warning(message)
    warnings.warn(message, GraspLogWarning, stacklevel=3)


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _check(shard: int, ep_path: Path, data: Path, verify_checksums: bool) -> Shard | None:
    try:
        table = _read_episodes(ep_path)
    except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
        skip(ep_path, f"unreadable episode table ({exc})")
        return None
    if table.num_rows == 0:
        skip(ep_path, "empty episode table")
        return None
    expected = int(table["data_file_bytes"][0].as_py())
    size = data.stat().st_size
    if size != expected:
        skip(data, f"truncated or modified: {size} bytes, the writer committed {expected}")
        return None
    try:
        rows = pq.ParquetFile(data).metadata.num_rows
    except (OSError, pa.ArrowException) as exc:
        skip(data, f"unreadable Parquet file ({exc})")
        return None
    if rows != sum(table["length"].to_pylist()):
        skip(data, f"{rows} rows, its episode table says {sum(table['length'].to_pylist())}")
        return None
    if verify_checksums and _crc32(data) != int(table["data_file_crc32"][0].as_py()):
        skip(data, "CRC32 mismatch (corrupt)")
        return None
    return Shard(shard, data, ep_path, table.num_rows)


def scan_shards(root: Path, verify_checksums: bool = False) -> list[Shard]:
    """Committed shards in shard-number order (a shard is committed once its data file exists)."""
    found = []
    for ep_path in sorted((root / "meta" / "episodes").glob("chunk-*/file-*.parquet")):
        number = schema.shard_of_path(ep_path)
        if number is None:
            continue
        data = schema.data_path(root, number)
        if not data.exists():
            log.debug("shard %d not committed (no data file): ignored", number)
            continue
        shard = _check(number, ep_path, data, verify_checksums)
        if shard is not None:
            found.append(shard)
    return sorted(found, key=lambda s: s.number)
