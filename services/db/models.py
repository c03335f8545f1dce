"""The data model: robots, variations, policies (a lineage tree), adaptation jobs, grasp attempts,
append-only promotion events and hashed API keys."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Enum, Float, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Times are stored in UTC and come back timezone-aware, on SQLite (no zone kept) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give times with a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime()}


class Role(enum.StrEnum):
    robot = "robot"  # report outcomes, fetch the champion
    operator = "operator"  # adapt, cancel, promote, roll back, register policies
    viewer = "viewer"  # read, dashboard
    admin = "admin"  # everything, and manage keys


class Alias(enum.StrEnum):
    champion = "champion"
    candidate = "candidate"
    retired = "retired"


class JobState(enum.StrEnum):
    queued = "queued"
    collecting = "collecting"
    training = "training"
    evaluating = "evaluating"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


TERMINAL_STATES = frozenset({JobState.done, JobState.failed, JobState.cancelled})
RUNNING_STATES = frozenset({JobState.collecting, JobState.training, JobState.evaluating})


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, validate_strings=True)


class Robot(Base):
    __tablename__ = "robots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime | None]


class Variation(Base):
    __tablename__ = "variations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Policy(Base):
    """A lineage node: one checkpoint, its parent, the data and config that made it, its metrics."""

    __tablename__ = "policies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the checkpoint manifest's id
    name: Mapped[str] = mapped_column(String(128))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("policies.id"), index=True)
    checkpoint_path: Mapped[str] = mapped_column(Text)
    checkpoint_sha256: Mapped[str] = mapped_column(String(64))
    data_manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    alias: Mapped[Alias | None] = mapped_column(_enum(Alias, "policy_alias"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdaptationJob(Base):
    __tablename__ = "adaptation_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot_id: Mapped[int] = mapped_column(ForeignKey("robots.id"))
    variation_id: Mapped[int] = mapped_column(ForeignKey("variations.id"))
    parent_policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"))
    child_policy_id: Mapped[str | None] = mapped_column(ForeignKey("policies.id"))
    state: Mapped[JobState] = mapped_column(_enum(JobState, "job_state"), default=JobState.queued, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    detail: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    budget: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class GraspAttempt(Base):
    __tablename__ = "grasp_attempts"
    __table_args__ = (
        Index("ix_grasp_attempts_time", "time"),
        Index("ix_grasp_attempts_policy_time", "policy_id", "time"),
        Index("ix_grasp_attempts_robot_time", "robot_id", "time"),
    )
    attempt_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # chosen by the robot: idempotent
    robot_id: Mapped[int] = mapped_column(ForeignKey("robots.id"))
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"))
    variation_id: Mapped[int] = mapped_column(ForeignKey("variations.id"))
    success: Mapped[bool] = mapped_column(Boolean)
    failure_reason: Mapped[str | None] = mapped_column(String(128))
    time: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PromotionEvent(Base):
    """Who re-pointed the champion, when, on what evidence, and from which policy. Append-only."""

    __tablename__ = "promotion_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # "promote" | "rollback" | "initial"
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"), index=True)
    previous_champion_id: Mapped[str | None] = mapped_column(ForeignKey("policies.id"))
    actor: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "key_role"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256; the key itself is never stored
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell keys apart in lists
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AppendOnlyError(RuntimeError):
    """Promotion events are history: they are never changed or deleted."""


@event.listens_for(Session, "before_flush")
def _promotion_events_are_append_only(session: Session, _ctx: object, _instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, PromotionEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError(f"promotion event {obj.id} is append-only: it cannot be changed or deleted")
