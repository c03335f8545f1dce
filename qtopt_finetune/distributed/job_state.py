"""The job's state as a JSON file in its run folder, replaced atomically so a reader never sees half of it.

A service polls `<run_dir>/job_state.json`: phase, step, latest metrics, last checkpoint, restarts.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Phase = Literal["starting", "training", "evaluating", "done", "cancelled", "failed"]
FINAL_PHASES = ("done", "cancelled", "failed")


@dataclass
class JobState:
    phase: Phase = "starting"
    step: int = 0
    steps: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    last_checkpoint: str | None = None
    final_checkpoint: str | None = None
    labelled_transitions: int = 0
    restarts: dict[str, int] = field(default_factory=lambda: {"updater": 0, "learner": 0, "collector": 0})
    resumed_from: list[int] = field(default_factory=list)  # the step each learner restart resumed at
    evaluation: dict[str, float] | None = None
    ray_address: str | None = None
    error: str | None = None
    started_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: str | Path) -> None:
        """Write atomically: a temp file in the same folder, fsync, rename over the old one."""
        self.updated_at = time.time()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "w") as f:
            json.dump(self.to_dict(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)


def read_job_state(path: str | Path) -> dict[str, Any]:
    """The state a job last wrote (as a dict), e.g. for a service; FileNotFoundError before it starts."""
    return dict(json.loads(Path(path).read_text()))
