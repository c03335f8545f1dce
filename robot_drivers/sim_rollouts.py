"""Sim rollouts for distributed jobs: what a collector actor runs, handed to it by the job's caller.

`qtopt_finetune.distributed` imports no simulator; a collector calls a `SimRunner`. `SimRollouts` is the
PyBullet one: it runs a checkpoint's CEM policy in the grasp world in the calling process, for evaluation
(`out_log` None) or exploration (episodes appended to the grasp log at `out_log`).
"""

from __future__ import annotations

from dataclasses import dataclass

from robot_drivers.runner import CollectJob, _worker


class _NoProgress:
    def put(self, item: object) -> None:
        pass


@dataclass(frozen=True)
class SimRollouts:
    """A picklable `SimRunner`: (checkpoint, episodes, seed, out_log) -> (episodes, successes)."""

    variation: str = "base"
    objects: str = "test"
    exploration: float = 0.0  # probability of a random action (exploration collection)
    robot: str = "sim-0"
    image_format: str = "jpeg"

    def __call__(self, checkpoint: str, episodes: int, seed: int, out_log: str | None) -> tuple[int, int]:
        job = CollectJob(
            out_log,
            episodes,
            self.variation,
            policy=str(checkpoint),
            exploration=self.exploration,
            seed=seed,
            objects=self.objects,
            image_format=self.image_format,
            robot=self.robot,
        )
        job.world_config()  # a bad variation or object split fails here, naming the field
        done, successes, *_ = _worker(job, 0, _NoProgress())
        return done, successes
