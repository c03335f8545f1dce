"""A collector actor: runs episodes in a world it does not know, through a runner it is handed.

The learning core imports no simulator: whoever starts the job (robot_drivers, services) passes a
`SimRunner`, a picklable callable that runs `episodes` episodes of a checkpoint's policy from `seed` on,
for evaluation (`out_log` None) or exploration (episodes written into the grasp log at `out_log`), and
returns (episodes, successes).
"""

from __future__ import annotations

from typing import Any, Protocol

from qtopt_finetune.distributed.actors import spawn
from qtopt_finetune.distributed.pipeline import ActorPool

EVAL_SEED = 1_000_000  # evaluation episodes never share a seed with collected training episodes


class SimRunner(Protocol):
    def __call__(self, checkpoint: str, episodes: int, seed: int, out_log: str | None) -> tuple[int, int]: ...


class Collector:
    def __init__(self, runner: SimRunner) -> None:
        self.runner = runner

    def run(self, checkpoint: str, episodes: int, seed: int, out_log: str | None = None) -> tuple[int, int]:
        return self.runner(checkpoint, episodes, seed, out_log)

    def ping(self) -> bool:
        return True


def collector_pool(ray: Any, runner: SimRunner, size: int, max_restarts: int) -> ActorPool:
    """`size` collector actors, one CPU each, replaced when they die (up to `max_restarts` times)."""
    return ActorPool(
        ray, lambda _: spawn(ray, Collector, runner, num_cpus=1), size, "collector", max_restarts
    )


def run_collectors(ray: Any, pool: ActorPool, checkpoint: str, episodes: int) -> tuple[int, int]:
    """Split the evaluation episodes over the collectors; a share whose collector died is rerun."""
    k = len(pool.handles)
    shares = {slot: (episodes * slot // k, episodes * (slot + 1) // k) for slot in range(k)}
    done = successes = 0
    while shares:
        refs = {}
        for slot, (lo, hi) in shares.items():
            if hi > lo:
                ref = pool.handles[slot].run.remote(checkpoint, hi - lo, EVAL_SEED + lo, None)
                refs[ref] = (slot, pool.generations[slot])
        shares_left: dict[int, tuple[int, int]] = {}
        for ref, (slot, generation) in refs.items():
            try:
                e, s = ray.get(ref)
            except ray.exceptions.RayActorError:  # the collector died: a new one reruns its share
                pool.replace(slot, generation)
                shares_left[slot] = shares[slot]
                continue
            done, successes = done + e, successes + s
        shares = shares_left
    return done, successes
