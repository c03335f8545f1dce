"""One distributed fine-tuning job, as a frozen dataclass: data, steps, topology and where things go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig


@dataclass(frozen=True)
class DistributedJobConfig:
    """A fine-tuning (or, without `parent`, from-scratch) job on Ray core actors.

    Topology: `replay_shards` replay actors sample mixed batches from the logs, `updaters` Bellman updater
    actors label them with CEM targets from lagged target networks, one learner actor trains on the
    labelled batches and publishes `(weights, version)` to a registry every `sync_every` steps.
    `queue_size` bounds the labelled batches waiting for the learner plus those being labelled, so memory
    stays flat however long the job runs.
    """

    logs: Sequence[str]
    steps: int
    out: str  # folder of the final checkpoint (must not exist)
    run_dir: str  # job state, metrics, periodic checkpoints, Ray temp dir (when it fits AF_UNIX limits)
    parent: str | None = None  # checkpoint to fine-tune from; None trains from scratch
    weights: Sequence[float] | None = None  # share of each log in a batch; default equal
    updaters: int = 2
    replay_shards: int = 1
    batch_size: int = 64
    queue_size: int = 8  # labelled batches in flight or waiting, all updaters together
    sync_every: int = 10  # learner steps between weight publications
    seed: int = 0
    ray_address: str | None = None  # None: a local Ray started (and stopped) by the job
    actor_cpus: float = 1.0  # CPUs each learner / updater actor asks Ray for (and torch threads)
    learner_gpus: float | str = "auto"  # "auto": 1 when the cluster has a GPU, else 0
    max_restarts: int = 10  # per role (updater, learner, collector) before the job fails
    eval_episodes: int = 0  # sim episodes to evaluate the final checkpoint on (needs a sim runner)
    collectors: int = 1  # collector actors for evaluation / exploration
    network: QNetworkConfig = field(default_factory=QNetworkConfig)
    learner: LearnerConfig = field(default_factory=lambda: LearnerConfig(progress=False))

    def __post_init__(self) -> None:
        if not self.logs:
            raise ValueError("finetune-distributed: logs: give at least one grasp log")
        if self.weights is not None and len(self.weights) != len(self.logs):
            raise ValueError(f"finetune-distributed: weights: {len(self.weights)} for {len(self.logs)} logs")
        positive = {
            "steps": self.steps,
            "updaters": self.updaters,
            "replay_shards": self.replay_shards,
            "batch_size": self.batch_size,
            "queue_size": self.queue_size,
            "sync_every": self.sync_every,
            "collectors": self.collectors,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"finetune-distributed: {name} must be >= 1, got {value}")
        if self.actor_cpus <= 0:
            raise ValueError(f"finetune-distributed: actor_cpus must be > 0, got {self.actor_cpus}")
        if self.learner_gpus != "auto" and not (
            isinstance(self.learner_gpus, int | float) and self.learner_gpus >= 0
        ):
            raise ValueError(
                f"finetune-distributed: learner_gpus must be 'auto' or >= 0, got {self.learner_gpus}"
            )
        if self.eval_episodes < 0 or self.max_restarts < 0:
            raise ValueError("finetune-distributed: eval_episodes and max_restarts must be >= 0")

    @property
    def mix(self) -> list[float]:
        return list(self.weights) if self.weights is not None else [1.0 / len(self.logs)] * len(self.logs)

    @property
    def state_path(self) -> Path:
        return Path(self.run_dir) / "job_state.json"

    @property
    def cancel_path(self) -> Path:
        """Create this file (any content) to cancel the job from outside; it stops cleanly."""
        return Path(self.run_dir) / "CANCEL"

    @property
    def checkpoint_dir(self) -> Path:
        return Path(self.run_dir) / "checkpoints"
