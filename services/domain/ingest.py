"""Batched grasp-outcome ingest, idempotent by attempt id: a batch sent twice is stored once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.db.models import GraspAttempt, Policy, Robot, Variation, utcnow
from services.domain.names import ids_by_name, insert_ignoring_duplicates


@dataclass(frozen=True)
class Outcome:
    attempt_id: str
    robot: str
    policy_id: str
    variation: str
    success: bool
    time: datetime
    failure_reason: str | None = None


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


class UnknownPolicyError(ValueError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"outcomes[].policy_id: unknown policies {missing}; register them first")
        self.missing = missing


def ingest(session: Session, outcomes: list[Outcome]) -> IngestResult:
    policy_ids = sorted({o.policy_id for o in outcomes})
    known = set(session.scalars(select(Policy.id).where(Policy.id.in_(policy_ids))))
    missing = [p for p in policy_ids if p not in known]
    if missing:
        raise UnknownPolicyError(missing)
    robots = ids_by_name(session, Robot, (o.robot for o in outcomes))
    variations = ids_by_name(session, Variation, (o.variation for o in outcomes))
    now = utcnow()
    rows: list[dict[str, object]] = [
        {
            "attempt_id": o.attempt_id,
            "robot_id": robots[o.robot],
            "policy_id": o.policy_id,
            "variation_id": variations[o.variation],
            "success": o.success,
            "failure_reason": o.failure_reason,
            "time": o.time,
            "received_at": now,
        }
        for o in outcomes
    ]
    unique = list({row["attempt_id"]: row for row in rows}.values())
    inserted = insert_ignoring_duplicates(session, GraspAttempt, unique)
    session.execute(update(Robot).where(Robot.id.in_(set(robots.values()))).values(last_seen=now))
    return IngestResult(accepted=inserted, duplicates=len(outcomes) - inserted)
