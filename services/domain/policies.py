"""Policies as lineage nodes: registering a checkpoint, the lineage tree, champion / candidate / retired."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.checkpoint_archive import archive_sha256
from services.db.models import Alias, Policy


class PolicyError(ValueError):
    """A request about policies that cannot be carried out; the message names the bad field."""


def register_checkpoint(
    session: Session,
    checkpoint: str | Path,
    name: str | None = None,
    alias: Alias | None = Alias.candidate,
    metrics: dict[str, Any] | None = None,
) -> Policy:
    """Add the checkpoint folder as a lineage node (its parent is the manifest's parent id, if known)."""
    try:
        folder = Path(checkpoint).resolve()
        manifest = read_manifest(folder)
        sha = archive_sha256(folder)  # verifies every file's own hash too
    except (ValueError, OSError) as exc:  # CheckpointError is a ValueError; so is a NUL in a path
        raise PolicyError(f"checkpoint_path: {exc}") from exc
    ident = str(manifest["id"])
    if session.get(Policy, ident) is not None:
        raise PolicyError(f"checkpoint_path: policy {ident} is registered already")
    parent = manifest.get("parent_id")
    if parent is not None and session.get(Policy, parent) is None:
        parent = None  # trained from a checkpoint this service never saw: a root here
    if alias == Alias.champion:
        raise PolicyError("alias: a policy becomes champion only by promotion")
    policy = Policy(
        id=ident,
        name=name or folder.name,
        parent_id=parent,
        checkpoint_path=str(folder),
        checkpoint_sha256=sha,
        data_manifest=manifest.get("data_manifest") or {},
        config=manifest.get("config") or {},
        metrics=metrics or {},
        alias=alias,
    )
    session.add(policy)
    session.flush()
    return policy


def champion(session: Session) -> Policy | None:
    return session.scalar(select(Policy).where(Policy.alias == Alias.champion))


@dataclass
class LineageNode:
    id: str
    name: str
    alias: str | None
    metrics: dict[str, Any]
    created_at: str
    children: list[LineageNode] = field(default_factory=list)


def lineage_forest(session: Session) -> list[LineageNode]:
    """Every policy as a tree node under its parent; roots (no known parent) first-created first."""
    policies = session.scalars(select(Policy).order_by(Policy.created_at, Policy.id)).all()
    nodes = {
        p.id: LineageNode(
            p.id, p.name, p.alias.value if p.alias else None, p.metrics, p.created_at.isoformat()
        )
        for p in policies
    }
    roots: list[LineageNode] = []
    for policy in policies:
        parent = nodes.get(policy.parent_id) if policy.parent_id else None
        (parent.children if parent else roots).append(nodes[policy.id])
    return roots


def find_policy(session: Session, ident: str) -> Policy:
    """The policy with this id, id prefix (8+ characters are always enough) or unique name."""
    exact = session.get(Policy, ident)
    if exact is not None:
        return exact
    found = session.scalars(select(Policy).where(Policy.id.startswith(ident, autoescape=True))).all()
    if not found:
        found = session.scalars(select(Policy).where(Policy.name == ident)).all()
    if len(found) != 1:
        what = "no policy" if not found else f"{len(found)} policies"
        raise PolicyError(f"policy_id: {what} match {ident!r}")
    return found[0]


def ancestry(session: Session, ident: str) -> list[Policy]:
    """The lineage chain from its root down to the policy `ident` (see find_policy), root first."""
    chain = [find_policy(session, ident)]
    seen = {chain[0].id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = session.get(Policy, chain[-1].parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        chain.append(parent)
    return chain[::-1]
