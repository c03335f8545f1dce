"""Which episodes to read: a filter on the episode metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import pyarrow as pa
import pyarrow.compute as pc

Choice = str | Sequence[str] | None


@dataclass(frozen=True)
class EpisodeFilter:
    """Every given field must match: strings (or any of a list of strings), start <= start_time < end."""

    variation: Choice = None
    policy_id: Choice = None
    robot: Choice = None
    source: Choice = None
    start: float | None = None
    end: float | None = None
    success: bool | None = None

    def mask(self, episodes: pa.Table) -> pa.ChunkedArray | pa.Array:
        keep: pa.ChunkedArray | pa.Array = pa.array([True] * episodes.num_rows, pa.bool_())
        for name in ("variation", "policy_id", "robot", "source"):
            wanted = getattr(self, name)
            if wanted is not None:
                values = [wanted] if isinstance(wanted, str) else list(wanted)
                keep = pc.and_(keep, pc.is_in(episodes[name], value_set=pa.array(values, pa.string())))
        if self.start is not None:
            keep = pc.and_(keep, pc.greater_equal(episodes["start_time"], self.start))
        if self.end is not None:
            keep = pc.and_(keep, pc.less(episodes["start_time"], self.end))
        if self.success is not None:
            keep = pc.and_(keep, pc.equal(episodes["success"], self.success))
        return keep

    def apply(self, episodes: pa.Table) -> pa.Table:
        return episodes.filter(self.mask(episodes)) if episodes.num_rows else episodes

    def and_(self, other: EpisodeFilter) -> EpisodeFilter:
        """Both filters at once (a field set in both must be set equal; `other` wins on a clash)."""
        merged = {f.name: getattr(self, f.name) for f in fields(self)}
        merged.update(
            {f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) is not None}
        )
        return EpisodeFilter(**merged)
