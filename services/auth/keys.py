"""Creating, hashing and looking up API keys.

A key is 32 random bytes (url-safe base64) with a readable prefix. It has full entropy, so a plain sha256
is the right hash at rest (a slow password hash buys nothing for random tokens and would cost every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.db.models import ApiKey, Role, utcnow

KEY_PREFIX = "qtk_"

# Which roles may do what a given role may do: admin can do everything.
GRANTS: dict[Role, frozenset[Role]] = {
    Role.viewer: frozenset({Role.viewer, Role.operator, Role.admin}),
    Role.robot: frozenset({Role.robot, Role.admin}),
    Role.operator: frozenset({Role.operator, Role.admin}),
    Role.admin: frozenset({Role.admin}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name and role (never the key)."""

    name: str
    role: Role

    def may(self, needed: Role) -> bool:
        return self.role in GRANTS[needed]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, role: Role | str) -> str:
    """Store a new key's hash and return the key itself (shown once, never stored)."""
    role = Role(role)
    if not name or len(name) > 64:
        raise ValueError(f"key name must be 1..64 characters, got {name!r}")
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise ValueError(f"a key named {name!r} exists already")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, role=role, key_hash=hash_key(key), prefix=key[:10]))
    try:
        session.flush()  # a concurrent creation of the same name fails here; the caller rolls back
    except IntegrityError as exc:
        raise ValueError(f"a key named {name!r} exists already") from exc
    return key


def lookup(session: Session, key: str) -> Principal | None:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(row.name, row.role)


def revoke(session: Session, name: str, when: datetime | None = None) -> bool:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = when or utcnow()
    return True
