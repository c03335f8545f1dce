"""Re-pointing the champion. Every change is an append-only promotion event: who, when, evidence, previous."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.db.models import Alias, Policy, PromotionEvent
from services.domain.policies import PolicyError


def _lock_champion(session: Session) -> Policy | None:
    """The current champion, row-locked on PostgreSQL so two promotions cannot interleave."""
    query = select(Policy).where(Policy.alias == Alias.champion)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def _repoint(
    session: Session, action: str, policy_id: str, actor: str, evidence: dict[str, Any]
) -> PromotionEvent:
    target = session.get(Policy, policy_id)
    if target is None:
        raise PolicyError(f"policy_id: no policy {policy_id!r}")
    previous = _lock_champion(session)
    if previous is not None and previous.id == target.id:
        raise PolicyError(f"policy_id: {policy_id} is the champion already")
    if previous is not None:
        previous.alias = Alias.retired
        session.flush()
    target.alias = Alias.champion
    event = PromotionEvent(
        action=action,
        policy_id=target.id,
        previous_champion_id=previous.id if previous else None,
        actor=actor,
        evidence=evidence,
    )
    session.add(event)
    session.flush()
    return event


def promote(session: Session, policy_id: str, actor: str, evidence: dict[str, Any]) -> PromotionEvent:
    """Make a policy the champion; the old champion is retired."""
    return _repoint(session, "promote", policy_id, actor, evidence)


def roll_back(
    session: Session, actor: str, evidence: dict[str, Any], policy_id: str | None = None
) -> PromotionEvent:
    """Re-point the champion to `policy_id`, or by default to the champion before the current one."""
    if policy_id is None:
        last = session.scalar(select(PromotionEvent).order_by(PromotionEvent.id.desc()).limit(1))
        if last is None or last.previous_champion_id is None:
            raise PolicyError("policy_id: there is no earlier champion to roll back to; name one")
        policy_id = last.previous_champion_id
    return _repoint(session, "rollback", policy_id, actor, evidence)


def history(session: Session, limit: int = 100) -> list[PromotionEvent]:
    query = select(PromotionEvent).order_by(PromotionEvent.id.desc()).limit(limit)
    return list(session.scalars(query))
