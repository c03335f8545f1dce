"""Running one adaptation job against the database: load it, run the pipeline, record what happened.

The progress reporter writes each stage to the job's row, so any process (a thread in the service, a Ray
worker elsewhere) that can reach the database can run a job.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from services.db.models import (
    TERMINAL_STATES,
    AdaptationJob,
    Alias,
    JobState,
    Policy,
    Robot,
    Variation,
    utcnow,
)
from services.db.session import session_scope
from services.domain.policies import register_checkpoint
from services.jobs.protocol import AdaptationPipeline, AdaptationSpec, Budget, JobCancelled

log = logging.getLogger(__name__)


class DatabaseProgress:
    """JobProgress that records progress in the job's row and reads the operator's cancel flag from it."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self.sessions, self.job_id = sessions, job_id

    def stage(self, state: JobState, fraction: float, detail: str = "") -> None:
        with session_scope(self.sessions) as session:
            job = session.get(AdaptationJob, self.job_id)
            assert job is not None
            job.state, job.progress, job.detail = state, min(max(fraction, 0.0), 1.0), detail[:500]
            job.updated_at = utcnow()

    def cancelled(self) -> bool:
        with session_scope(self.sessions) as session:
            job = session.get(AdaptationJob, self.job_id)
            return job is None or job.cancel_requested


def load_spec(session: Session, job_id: int, data_dir: str, base_log: str | None) -> AdaptationSpec:
    job = session.get(AdaptationJob, job_id)
    if job is None:
        raise LookupError(f"no adaptation job {job_id}")
    parent = session.get(Policy, job.parent_policy_id)
    robot = session.get(Robot, job.robot_id)
    variation = session.get(Variation, job.variation_id)
    assert parent is not None and robot is not None and variation is not None
    return AdaptationSpec(
        job_id=job.id,
        robot=robot.name,
        variation=variation.name,
        parent_policy_id=parent.id,
        parent_checkpoint=parent.checkpoint_path,
        work_dir=str(Path(data_dir).resolve() / "jobs" / f"job_{job.id:06d}"),
        base_log=base_log,
        budget=Budget(**job.budget),
    )


def _finish(sessions: sessionmaker[Session], job_id: int, state: JobState, error: str | None = None) -> None:
    with session_scope(sessions) as session:
        job = session.get(AdaptationJob, job_id)
        assert job is not None
        job.state, job.error, job.finished_at = state, error, utcnow()
        job.updated_at = job.finished_at
        if state == JobState.done:
            job.progress = 1.0


def execute_job(
    sessions: sessionmaker[Session],
    job_id: int,
    pipeline: AdaptationPipeline,
    data_dir: str,
    base_log: str | None = None,
) -> JobState:
    """Run a queued job to its end; returns the final state. Never raises for a pipeline's failure."""
    with session_scope(sessions) as session:
        job = session.get(AdaptationJob, job_id)
        if job is None or job.state != JobState.queued:
            return job.state if job else JobState.failed
        if job.cancel_requested:
            job.state, job.finished_at = JobState.cancelled, utcnow()
            return JobState.cancelled
        spec = load_spec(session, job_id, data_dir, base_log)
    progress = DatabaseProgress(sessions, job_id)
    try:
        result = pipeline.run(spec, progress)
    except JobCancelled:
        _finish(sessions, job_id, JobState.cancelled, "cancelled by an operator")
        return JobState.cancelled
    except Exception as exc:  # a failed job records why; the service goes on
        log.warning("adaptation job %s failed:\n%s", job_id, traceback.format_exc())
        _finish(sessions, job_id, JobState.failed, f"{type(exc).__name__}: {exc}"[:2000])
        return JobState.failed
    with session_scope(sessions) as session:
        child = register_checkpoint(
            session, result.checkpoint, f"{spec.variation}-job{job_id}", Alias.candidate, result.metrics
        )
        job = session.get(AdaptationJob, job_id)
        assert job is not None
        job.child_policy_id = child.id
    _finish(sessions, job_id, JobState.done)
    return JobState.done


def mark_failed(sessions: sessionmaker[Session], job_id: int, error: str) -> None:
    """Record that a job could not run (its runner failed outside the pipeline); finished jobs stay so."""
    with session_scope(sessions) as session:
        job = session.get(AdaptationJob, job_id)
        if job is None or job.state in TERMINAL_STATES:
            return
    _finish(sessions, job_id, JobState.failed, error[:2000])
