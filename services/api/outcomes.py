"""Robots report grasp outcomes; anyone with a viewer key asks for success rates with 95% intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.api.deps import DB, RobotKey, Viewer
from services.api.schemas import PRINTABLE, BucketOut, IngestOut, OutcomeBatch, RateOut, RobotOut
from services.auth.keys import Principal
from services.db.models import Robot
from services.domain.ingest import Outcome, UnknownPolicyError, ingest
from services.domain.success import Filters, success_by, success_series

router = APIRouter(prefix="/api", tags=["outcomes"])

MAX_HOURS = 24 * 365


@router.post("/outcomes", response_model=IngestOut)
def report_outcomes(batch: OutcomeBatch, session: Session = DB, _: Principal = RobotKey) -> IngestOut:
    """Store a batch of grasp outcomes; attempts stored before (same attempt_id) count as duplicates."""
    try:
        result = ingest(session, [Outcome(**o.model_dump()) for o in batch.outcomes])
    except UnknownPolicyError as exc:
        raise HTTPException(422, str(exc)) from exc
    return IngestOut(accepted=result.accepted, duplicates=result.duplicates)


def window_filters(
    hours: float = Query(24.0, gt=0, le=MAX_HOURS, description="window ending now"),
    robot: str | None = Query(None, max_length=64, pattern=PRINTABLE),
    policy_id: str | None = Query(None, max_length=64, pattern=PRINTABLE),
    variation: str | None = Query(None, max_length=128, pattern=PRINTABLE),
) -> Filters:
    now = datetime.now(UTC)
    return Filters(now - timedelta(hours=hours), now + timedelta(seconds=1), robot, policy_id, variation)


@router.get("/success", response_model=list[RateOut])
def success(
    group_by: Literal["robot", "policy", "variation"] = "robot",
    filters: Filters = Depends(window_filters),
    session: Session = DB,
    _: Principal = Viewer,
) -> list[RateOut]:
    """Success rate per robot, policy or variation over the window, with 95% Wilson intervals."""
    return [RateOut(**vars(rate)) for rate in success_by(session, group_by, filters)]


@router.get("/success/series", response_model=list[BucketOut])
def success_over_time(
    bucket_minutes: float = Query(60.0, ge=1.0 / 60, le=MAX_HOURS * 60),
    filters: Filters = Depends(window_filters),
    session: Session = DB,
    _: Principal = Viewer,
) -> list[BucketOut]:
    """Success in consecutive time buckets (empty buckets left out), each with its 95% Wilson interval."""
    buckets = success_series(session, filters, timedelta(minutes=bucket_minutes))
    return [BucketOut(**vars(b)) for b in buckets]


@router.get("/robots", response_model=list[RobotOut])
def robots(session: Session = DB, _: Principal = Viewer) -> list[Robot]:
    return list(session.scalars(select(Robot).order_by(Robot.name)))
