"""The labelling pipeline: replay shards -> Bellman updaters -> a bounded queue of labelled batches.

At most `queue_size` batches are being labelled or wait for the learner at any time (ray.wait over the
small receipts), so memory stays flat. Batches travel replay -> updater -> learner through Ray's object
store; the driver only holds references. A dead updater (or replay shard) is replaced and the batches in
flight on it are dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qtopt_finetune.distributed.actors import actor_id, is_alive, kill_quietly

Spawn = Callable[[int], Any]  # slot index -> new actor handle


@dataclass
class Pending:
    slot: int
    generation: int
    replay: int
    replay_generation: int
    data: Any  # ObjectRef of the LabelledBatch


class ActorPool:
    """Actors in numbered slots; `replace(slot)` swaps a dead one for a new one (counted)."""

    def __init__(self, ray: Any, spawn: Spawn, size: int, role: str, max_restarts: int) -> None:
        self.ray, self.spawn, self.role, self.max_restarts = ray, spawn, role, max_restarts
        self.handles = [spawn(k) for k in range(size)]
        self.generations = [0] * size
        self.restarts = 0

    def replace(self, slot: int, generation: int) -> bool:
        """Replace the actor in `slot` if it is still the `generation` that failed; True if replaced."""
        if self.generations[slot] != generation:
            return False
        if self.restarts >= self.max_restarts:
            raise RuntimeError(f"{self.role} actors died more than max_restarts={self.max_restarts} times")
        kill_quietly(self.ray, self.handles[slot])
        self.handles[slot] = self.spawn(slot)
        self.generations[slot] += 1
        self.restarts += 1
        return True

    def kill_all(self) -> None:
        for handle in self.handles:
            kill_quietly(self.ray, handle)


class LabelPipeline:
    def __init__(self, ray: Any, updaters: ActorPool, replays: ActorPool, queue_size: int) -> None:
        self.ray, self.updaters, self.replays, self.queue_size = ray, updaters, replays, queue_size
        self.pending: dict[Any, Pending] = {}  # receipt ref -> what it belongs to
        self.ready: deque[tuple[dict[str, float], Any]] = deque()
        self._next_replay = 0

    def in_flight(self) -> int:
        return len(self.pending) + len(self.ready)

    def fill(self) -> None:
        """Start labelling batches until the queue bound is reached; the least busy updater first."""
        while self.in_flight() < self.queue_size:
            load = [0] * len(self.updaters.handles)
            for p in self.pending.values():
                load[p.slot] += 1
            slot = min(range(len(load)), key=load.__getitem__)
            r = self._next_replay % len(self.replays.handles)
            self._next_replay += 1
            sample = self.replays.handles[r].sample.remote()
            receipt, data = self.updaters.handles[slot].label.options(num_returns=2).remote(sample)
            self.pending[receipt] = Pending(
                slot, self.updaters.generations[slot], r, self.replays.generations[r], data
            )

    def collect(self, refs: list[Any]) -> None:
        """Move finished receipts among `refs` to the ready queue; replace actors that died."""
        for ref in refs:
            item = self.pending.pop(ref, None)
            if item is None:
                continue
            try:
                receipt = self.ray.get(ref)
            except (self.ray.exceptions.RayActorError, self.ray.exceptions.RayTaskError) as exc:
                self._recover(item, exc)
                continue
            self.ready.append((receipt, item.data))

    def _recover(self, item: Pending, exc: Exception) -> None:
        """Replace whichever of the batch's updater and replay shard died; re-raise a genuine error."""
        stale = (
            item.generation != self.updaters.generations[item.slot]
            or item.replay_generation != self.replays.generations[item.replay]
        )
        if stale:  # its actor was replaced already (after an earlier batch of it failed)
            return
        if not isinstance(exc, self.ray.exceptions.RayActorError):  # the code raised: not a dead actor
            raise RuntimeError(f"labelling a batch failed: {exc}") from exc
        updater, replay = self.updaters.handles[item.slot], self.replays.handles[item.replay]
        dead = exc.actor_id  # hex id of the actor that died (the updater, or the replay shard it waited on)
        if dead is None:  # Ray did not say which: ask them
            dead = actor_id(updater) if not is_alive(self.ray, updater) else actor_id(replay)
        if dead == actor_id(updater):
            self.updaters.replace(item.slot, item.generation)
        elif dead == actor_id(replay):
            self.replays.replace(item.replay, item.replay_generation)

    def take(self) -> tuple[dict[str, float], Any] | None:
        return self.ready.popleft() if self.ready else None

    def drop_all(self) -> None:
        self.pending.clear()
        self.ready.clear()
