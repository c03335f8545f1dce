"""Success rates with 95% Wilson intervals, per robot / policy / variation, over a window or in buckets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from qtopt_finetune.stats import wilson_interval
from services.db.models import GraspAttempt, Policy, Robot, Variation

GroupBy = Literal["robot", "policy", "variation"]


@dataclass(frozen=True)
class Filters:
    since: datetime
    until: datetime
    robot: str | None = None
    policy_id: str | None = None
    variation: str | None = None


@dataclass(frozen=True)
class Rate:
    key: str
    successes: int
    attempts: int
    rate: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Bucket:
    start: datetime
    end: datetime
    successes: int
    attempts: int
    rate: float
    ci_low: float
    ci_high: float


def _rate(successes: int, attempts: int) -> tuple[float, float, float]:
    low, high = wilson_interval(successes, attempts)
    return (successes / attempts if attempts else 0.0), low, high


def _filtered(query: Any, filters: Filters) -> Any:
    query = query.where(GraspAttempt.time >= filters.since, GraspAttempt.time < filters.until)
    if filters.robot is not None:
        query = query.where(Robot.name == filters.robot)
    if filters.policy_id is not None:
        query = query.where(GraspAttempt.policy_id == filters.policy_id)
    if filters.variation is not None:
        query = query.where(Variation.name == filters.variation)
    return query


def _joined(query: Any) -> Any:
    return query.join(Robot, Robot.id == GraspAttempt.robot_id).join(
        Variation, Variation.id == GraspAttempt.variation_id
    )


def _successes() -> ColumnElement[Any]:
    return func.sum(cast(GraspAttempt.success, Integer))


def success_by(session: Session, group_by: GroupBy, filters: Filters) -> list[Rate]:
    column: Any = {"robot": Robot.name, "policy": GraspAttempt.policy_id, "variation": Variation.name}[
        group_by
    ]
    query = _filtered(_joined(select(column, _successes(), func.count())), filters).group_by(column)
    rows = sorted(session.execute(query).all(), key=lambda r: str(r[0]))
    return [Rate(str(key), int(s or 0), int(n), *_rate(int(s or 0), int(n))) for key, s, n in rows]


def _epoch(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", GraspAttempt.time)), Integer)
    return cast(func.strftime("%s", GraspAttempt.time), Integer)


def success_series(session: Session, filters: Filters, bucket: timedelta) -> list[Bucket]:
    """Consecutive buckets of `bucket` from `filters.since`; buckets without attempts are left out."""
    width = int(bucket.total_seconds())
    if width < 1:
        raise ValueError(f"bucket must be at least one second, got {bucket}")
    start = int(filters.since.timestamp())
    index = cast(func.floor((_epoch(session) - start) / float(width)), Integer).label("bucket")
    query = _filtered(_joined(select(index, _successes(), func.count())), filters).group_by(index)
    out = []
    for i, s, n in sorted(session.execute(query).all()):
        begin = filters.since + timedelta(seconds=int(i) * width)
        out.append(Bucket(begin, begin + bucket, int(s or 0), int(n), *_rate(int(s or 0), int(n))))
    return out


def policy_names(session: Session) -> dict[str, str]:
    return {ident: name for ident, name in session.execute(select(Policy.id, Policy.name)).all()}
