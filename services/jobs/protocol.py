"""The contract between the service and an adaptation pipeline.

The service hands a pipeline an `AdaptationSpec` and a `JobProgress`; the pipeline reports each stage
(collecting -> training -> evaluating) with a fraction done, polls `cancelled()` between units of work, and
returns the child checkpoint with its evidence. The full adaptation recipe (issue 6) plugs in here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from services.db.models import JobState


class JobCancelled(Exception):
    """Raised by a pipeline that saw `cancelled()` become true."""


@dataclass(frozen=True)
class Budget:
    """How much work an adaptation may do. The defaults follow Never Stop Learning, scaled to the sim."""

    exploration_grasps: int = 200
    exploration: float = 0.2  # probability of a random action while exploring
    train_steps: int = 2000
    batch_size: int = 32
    lr: float = 1e-4
    eval_episodes: int = 50
    workers: int = 2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AdaptationSpec:
    job_id: int
    robot: str
    variation: str
    parent_policy_id: str
    parent_checkpoint: str
    work_dir: str
    base_log: str | None = None
    budget: Budget = field(default_factory=Budget)


@dataclass(frozen=True)
class AdaptationResult:
    checkpoint: str
    metrics: dict[str, Any]


class JobProgress(Protocol):
    def stage(self, state: JobState, fraction: float, detail: str = "") -> None:
        """Enter or advance a stage; `fraction` is the whole job's progress in [0, 1]."""

    def cancelled(self) -> bool:
        """True once an operator asked to cancel."""


class AdaptationPipeline(Protocol):
    def run(self, spec: AdaptationSpec, progress: JobProgress) -> AdaptationResult:
        """Collect, train, evaluate; raise JobCancelled when cancelled, any other error to fail the job."""
