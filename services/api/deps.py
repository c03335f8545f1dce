"""Request dependencies: a database session, and the caller's key checked against the role it needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from services.auth.keys import Principal, lookup
from services.db.models import Role
from services.db.session import session_scope

KEY_HEADER = "X-API-Key"
api_key_header = APIKeyHeader(name=KEY_HEADER, auto_error=False, description="an API key; see `qtopt keys`")


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.sessions) as session:
        yield session


# The session commits when the endpoint returns, before the response is sent ("function" scope): a client
# that got 200 can rely on its write being committed (the default, "request", commits after sending).
DB = Depends(get_session, scope="function")


def principal_for(request: Request, key: str | None) -> Principal | None:
    if not key:
        return None
    with session_scope(request.app.state.sessions) as session:
        return lookup(session, key)


def require(role: Role) -> Callable[..., Principal]:
    """401 without a valid key, 403 with a key whose role may not do this.

    The key is looked up in the request's own session (FastAPI caches `DB` per request, so the endpoint
    gets the same one): one pool checkout and one commit per request, not two."""

    def check(key: str | None = Security(api_key_header), session: Session = DB) -> Principal:
        principal = lookup(session, key) if key else None
        if principal is None:
            raise HTTPException(
                401, f"a valid {KEY_HEADER} header is required", {"WWW-Authenticate": "ApiKey"}
            )
        if not principal.may(role):
            raise HTTPException(403, f"a {principal.role.value} key may not do this; it needs {role.value}")
        return principal

    return check


Viewer = Depends(require(Role.viewer))
RobotKey = Depends(require(Role.robot))
Operator = Depends(require(Role.operator))
Admin = Depends(require(Role.admin))
