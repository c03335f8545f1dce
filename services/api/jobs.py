"""Adaptation jobs: operators trigger, watch and cancel them."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.api.deps import DB, Operator, Viewer
from services.api.schemas import AdaptationIn, JobOut
from services.auth.keys import Principal
from services.db.models import TERMINAL_STATES, AdaptationJob, Robot, Variation
from services.domain.adaptations import AdaptationError, cancel_job, create_job, job_view

router = APIRouter(prefix="/api/adaptations", tags=["adaptations"])
JobId = Path(ge=1, le=2**31 - 1, description="the job's number")


@router.post("", response_model=JobOut, status_code=201)
def trigger(body: AdaptationIn, request: Request, session: Session = DB, who: Principal = Operator) -> JobOut:
    """Queue an adaptation of the champion (or the given parent) to a robot's new variation."""
    try:
        job = create_job(
            session, body.robot, body.variation, body.parent_policy_id, body.budget.model_dump(), who
        )
    except AdaptationError as exc:
        raise HTTPException(422, str(exc)) from exc
    view = JobOut.model_validate(job_view(session, job))
    session.commit()
    request.app.state.jobs.submit(job.id)
    return view


@router.get("", response_model=list[JobOut])
def list_jobs(
    limit: int = Query(50, ge=1, le=500), session: Session = DB, _: Principal = Viewer
) -> list[JobOut]:
    query = (
        select(AdaptationJob, Robot.name, Variation.name)
        .join(Robot, Robot.id == AdaptationJob.robot_id)
        .join(Variation, Variation.id == AdaptationJob.variation_id)
        .order_by(AdaptationJob.id.desc())
        .limit(limit)
    )
    return [JobOut.model_validate(job_view(session, job, r, v)) for job, r, v in session.execute(query).all()]


def _get(session: Session, job_id: int) -> AdaptationJob:
    job = session.get(AdaptationJob, job_id)
    if job is None:
        raise HTTPException(404, f"no adaptation job {job_id}")
    return job


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: int = JobId, session: Session = DB, _: Principal = Viewer) -> JobOut:
    return JobOut.model_validate(job_view(session, _get(session, job_id)))


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel(job_id: int = JobId, session: Session = DB, _: Principal = Operator) -> JobOut:
    """Cancel a job: a queued one at once, a running one at its next check (between units of work)."""
    job = _get(session, job_id)
    if job.state in TERMINAL_STATES:
        raise HTTPException(409, f"job {job_id} is {job.state.value} already")
    cancel_job(job)
    return JobOut.model_validate(job_view(session, job))
