"""Adaptation jobs as records: create (queued), cancel, and a flat view for the API and the dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.auth.keys import Principal
from services.db.models import AdaptationJob, JobState, Policy, Robot, Variation, utcnow
from services.domain.names import ids_by_name
from services.domain.policies import champion


class AdaptationError(ValueError):
    """An adaptation that cannot be queued; the message names the field."""


def _check_variation(name: str) -> None:
    from robot_drivers.sim.variations import variation_names

    try:
        variation_names(name)
    except ValueError as exc:
        raise AdaptationError(f"variation: {exc}") from exc


def create_job(
    session: Session,
    robot: str,
    variation: str,
    parent_policy_id: str | None,
    budget: dict[str, Any],
    who: Principal,
) -> AdaptationJob:
    _check_variation(variation)
    if parent_policy_id is None:
        parent = champion(session)
        if parent is None:
            raise AdaptationError("parent_policy_id: there is no champion; name the policy to adapt")
    else:
        parent = session.get(Policy, parent_policy_id)
        if parent is None:
            raise AdaptationError(f"parent_policy_id: no policy {parent_policy_id!r}")
    robot_id = ids_by_name(session, Robot, [robot])[robot]
    variation_id = ids_by_name(session, Variation, [variation])[variation]
    job = AdaptationJob(
        robot_id=robot_id,
        variation_id=variation_id,
        parent_policy_id=parent.id,
        budget=budget,
        created_by=who.name,
        state=JobState.queued,
        progress=0.0,
        detail="waiting for a slot",
    )
    session.add(job)
    session.flush()
    return job


def cancel_job(job: AdaptationJob) -> None:
    job.cancel_requested = True
    job.updated_at = utcnow()
    if job.state == JobState.queued:
        job.state, job.finished_at, job.error = JobState.cancelled, utcnow(), "cancelled by an operator"
    else:
        job.detail = f"cancelling ({job.detail})"


def job_view(
    session: Session, job: AdaptationJob, robot: str | None = None, variation: str | None = None
) -> dict[str, Any]:
    if robot is None:
        robot_row = session.get(Robot, job.robot_id)
        robot = robot_row.name if robot_row else "?"
    if variation is None:
        variation_row = session.get(Variation, job.variation_id)
        variation = variation_row.name if variation_row else "?"
    return {
        "id": job.id,
        "robot": robot,
        "variation": variation,
        "parent_policy_id": job.parent_policy_id,
        "child_policy_id": job.child_policy_id,
        "state": job.state,
        "progress": job.progress,
        "detail": job.detail,
        "error": job.error,
        "budget": job.budget,
        "created_by": job.created_by,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "finished_at": job.finished_at,
    }
