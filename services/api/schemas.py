"""Request and response bodies. Every limit is stated here, so the OpenAPI schema tells clients the rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from services.db.models import Alias, JobState, Role

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)
Name = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:+\-]+$")
PolicyId = Field(min_length=1, max_length=64, pattern=PRINTABLE)


def utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{value.isoformat()} is out of range in UTC") from exc


def no_nul(value: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON only: no NaN or infinities, no NUL characters (PostgreSQL refuses both)."""
    if "\\u0000" in json.dumps(value, allow_nan=False):  # raises ValueError on NaN
        raise ValueError("must not contain NUL characters")
    return value


class OutcomeIn(BaseModel):
    attempt_id: str = Field(
        min_length=1, max_length=64, pattern=PRINTABLE, description="unique per grasp; resending is harmless"
    )
    robot: str = Name
    policy_id: str = PolicyId
    variation: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_+\-]+$")
    success: bool
    failure_reason: str | None = Field(default=None, max_length=128, pattern=PRINTABLE)
    time: AwareDatetime

    _utc = field_validator("time")(utc)


class OutcomeBatch(BaseModel):
    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=1000)


class IngestOut(BaseModel):
    accepted: int
    duplicates: int


class RateOut(BaseModel):
    key: str
    successes: int
    attempts: int
    rate: float
    ci_low: float
    ci_high: float


class BucketOut(BaseModel):
    start: datetime
    end: datetime
    successes: int
    attempts: int
    rate: float
    ci_low: float
    ci_high: float


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    parent_id: str | None
    alias: Alias | None
    checkpoint_sha256: str
    data_manifest: dict[str, Any]
    config: dict[str, Any]
    metrics: dict[str, Any]
    created_at: datetime


class PolicyRegister(BaseModel):
    checkpoint_path: str = Field(
        min_length=1,
        max_length=1000,
        pattern=r"^[^\x00-\x1f]+$",
        description="a checkpoint folder on the server",
    )
    name: str | None = Field(default=None, min_length=1, max_length=128, pattern=PRINTABLE)


class LineageNodeOut(BaseModel):
    id: str
    name: str
    alias: str | None
    metrics: dict[str, Any]
    created_at: str
    children: list[LineageNodeOut]


class PromoteIn(BaseModel):
    policy_id: str = PolicyId
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="why: evaluation results, job id, notes"
    )

    _no_nul = field_validator("evidence")(no_nul)


class RollbackIn(BaseModel):
    policy_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="default: the previous champion"
    )
    evidence: dict[str, Any] = Field(default_factory=dict)

    _no_nul = field_validator("evidence")(no_nul)


class PromotionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    action: str
    policy_id: str
    previous_champion_id: str | None
    actor: str
    evidence: dict[str, Any]
    created_at: datetime


class BudgetIn(BaseModel):
    exploration_grasps: int = Field(default=200, ge=1, le=5000)
    exploration: float = Field(default=0.2, ge=0.0, le=1.0)
    train_steps: int = Field(default=2000, ge=1, le=200_000)
    batch_size: int = Field(default=32, ge=1, le=1024)
    lr: float = Field(default=1e-4, gt=0.0, le=1.0)
    eval_episodes: int = Field(default=50, ge=1, le=2000)
    workers: int = Field(default=2, ge=1, le=64)


class AdaptationIn(BaseModel):
    robot: str = Name
    variation: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_+\-]+$")
    parent_policy_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="default: the champion"
    )
    budget: BudgetIn = Field(default_factory=lambda: BudgetIn())


class JobOut(BaseModel):
    id: int
    robot: str
    variation: str
    parent_policy_id: str
    child_policy_id: str | None
    state: JobState
    progress: float
    detail: str
    error: str | None
    budget: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class KeyIn(BaseModel):
    name: str = Name
    role: Role


class KeyOut(BaseModel):
    name: str
    role: Role
    key: str = Field(description="shown once; only its sha256 is stored")


class RobotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    created_at: datetime
    last_seen: datetime | None
