"""Policies: register, list, the lineage tree, promote, roll back, and the champion's checkpoint download."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from qtopt_finetune.checkpoint import CheckpointError
from qtopt_finetune.checkpoint_archive import archive_bytes
from services.api.deps import DB, Operator, RobotKey, Viewer
from services.api.schemas import (
    LineageNodeOut,
    PolicyOut,
    PolicyRegister,
    PromoteIn,
    PromotionOut,
    RollbackIn,
)
from services.auth.keys import Principal
from services.db.models import Policy, PromotionEvent
from services.domain import promotion
from services.domain.policies import PolicyError, champion, lineage_forest, register_checkpoint

router = APIRouter(prefix="/api", tags=["policies"])
SHA_HEADER = "X-Checkpoint-SHA256"


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(422 if isinstance(exc, PolicyError) else 400, str(exc))


@router.get("/policies", response_model=list[PolicyOut])
def list_policies(session: Session = DB, _: Principal = Viewer) -> list[Policy]:
    return list(session.scalars(select(Policy).order_by(Policy.created_at)))


@router.post("/policies", response_model=PolicyOut, status_code=201)
def register(body: PolicyRegister, session: Session = DB, _: Principal = Operator) -> Policy:
    """Register a checkpoint folder on the server as a candidate lineage node."""
    try:
        return register_checkpoint(session, body.checkpoint_path, body.name)
    except PolicyError as exc:
        raise _bad(exc) from exc


@router.get("/lineage", response_model=list[LineageNodeOut])
def lineage(session: Session = DB, _: Principal = Viewer) -> list[LineageNodeOut]:
    return [LineageNodeOut.model_validate(asdict(node)) for node in lineage_forest(session)]


@router.get("/promotions", response_model=list[PromotionOut])
def promotions(session: Session = DB, _: Principal = Viewer) -> list[PromotionEvent]:
    return promotion.history(session)


@router.post("/promote", response_model=PromotionOut, status_code=201)
def promote(body: PromoteIn, session: Session = DB, who: Principal = Operator) -> PromotionEvent:
    try:
        return promotion.promote(session, body.policy_id, who.name, body.evidence)
    except PolicyError as exc:
        raise _bad(exc) from exc


@router.post("/rollback", response_model=PromotionOut, status_code=201)
def rollback(body: RollbackIn, session: Session = DB, who: Principal = Operator) -> PromotionEvent:
    try:
        return promotion.roll_back(session, who.name, body.evidence, body.policy_id)
    except PolicyError as exc:
        raise _bad(exc) from exc


@router.get("/champion", response_model=PolicyOut)
def get_champion(session: Session = DB, _: Principal = RobotKey) -> Policy:
    found = champion(session)
    if found is None:
        raise HTTPException(404, "no champion yet: register a policy and promote it")
    return found


@router.get(
    "/champion/checkpoint",
    response_class=Response,
    responses={
        200: {"content": {"application/x-tar": {}}, "description": "the champion's checkpoint as tar"}
    },
)
async def download_champion(session: Session = DB, _: Principal = RobotKey) -> Response:
    """The champion's checkpoint folder as a deterministic tar; its sha256 is in X-Checkpoint-SHA256."""
    found = champion(session)
    if found is None:
        raise HTTPException(404, "no champion yet: register a policy and promote it")
    try:
        data = await asyncio.to_thread(archive_bytes, found.checkpoint_path)
    except (CheckpointError, OSError) as exc:
        raise HTTPException(409, f"the champion's checkpoint on disk is unusable: {exc}") from exc
    sha = hashlib.sha256(data).hexdigest()
    if sha != found.checkpoint_sha256:
        raise HTTPException(
            409, f"the champion's checkpoint changed on disk since it was registered ({sha[:16]}...)"
        )
    headers = {SHA_HEADER: sha, "X-Policy-Id": found.id}
    return Response(data, media_type="application/x-tar", headers=headers)
