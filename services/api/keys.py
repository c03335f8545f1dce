"""Admins create and revoke API keys (the first admin key comes from `qtopt keys create`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path
from sqlalchemy.orm import Session

from services.api.deps import DB, Admin
from services.api.schemas import PRINTABLE, KeyIn, KeyOut
from services.auth.keys import Principal, create_key, revoke

router = APIRouter(prefix="/api/keys", tags=["keys"])


@router.post("", response_model=KeyOut, status_code=201)
def new_key(body: KeyIn, session: Session = DB, _: Principal = Admin) -> KeyOut:
    try:
        key = create_key(session, body.name, body.role)
    except ValueError as exc:
        raise HTTPException(409, f"name: {exc}") from exc
    return KeyOut(name=body.name, role=body.role, key=key)


@router.post("/{name}/revoke", status_code=204)
def revoke_key(
    name: str = Path(max_length=64, pattern=PRINTABLE),
    session: Session = DB,
    _: Principal = Admin,
) -> None:
    if not revoke(session, name):
        raise HTTPException(404, f"no active key named {name!r}")
