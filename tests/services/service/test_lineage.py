"""Lineage, promotion and roll-back (append-only events), and the champion's download with its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from qtopt_finetune.checkpoint import load_checkpoint
from robot_drivers.fleet.client import FleetClient
from services.db.models import AppendOnlyError, PromotionEvent, Role
from tests.services.service.conftest import Service, tiny_checkpoint


def _register(service: Service, path: Path, name: str) -> str:
    response = service.client.post(
        "/api/policies",
        json={"checkpoint_path": str(path), "name": name},
        headers=service.headers(Role.operator),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_lineage_promotion_and_rollback(service: Service, champion_policy: str, tmp_path: Path) -> None:
    operator, viewer = service.headers(Role.operator), service.headers(Role.viewer)
    base_path = service.client.get("/api/policies", headers=viewer).json()[0]
    assert base_path["alias"] == "champion"
    child_ckpt = tiny_checkpoint(tmp_path / "child", parent=tmp_path / "base_policy")
    child = _register(service, child_ckpt, "child")
    tree = service.client.get("/api/lineage", headers=viewer).json()
    assert [n["id"] for n in tree] == [champion_policy]
    assert [(c["id"], c["alias"]) for c in tree[0]["children"]] == [(child, "candidate")]

    promoted = service.client.post(
        "/api/promote", json={"policy_id": child, "evidence": {"eval": 0.8}}, headers=operator
    )
    assert promoted.status_code == 201
    assert (
        promoted.json()["previous_champion_id"] == champion_policy
        and promoted.json()["actor"] == "test-operator"
    )
    aliases = {p["id"]: p["alias"] for p in service.client.get("/api/policies", headers=viewer).json()}
    assert aliases == {champion_policy: "retired", child: "champion"}
    again = service.client.post("/api/promote", json={"policy_id": child}, headers=operator)
    assert again.status_code == 422 and "champion already" in again.text

    rolled = service.client.post("/api/rollback", json={"evidence": {"why": "regressed"}}, headers=operator)
    assert rolled.status_code == 201 and rolled.json()["policy_id"] == champion_policy
    events = service.client.get("/api/promotions", headers=viewer).json()
    assert [e["action"] for e in events] == ["rollback", "promote", "promote"]
    with service.sessions() as session:
        event = session.scalars(select(PromotionEvent)).first()
        assert event is not None
        event.actor = "someone else"
        with pytest.raises(AppendOnlyError):
            session.commit()


def test_registration_refuses_what_is_not_a_whole_checkpoint(service: Service, tmp_path: Path) -> None:
    operator = service.headers(Role.operator)
    missing = service.client.post(
        "/api/policies", json={"checkpoint_path": str(tmp_path / "nope")}, headers=operator
    )
    assert missing.status_code == 422 and "checkpoint_path" in missing.text
    ckpt = tiny_checkpoint(tmp_path / "tampered")
    with (ckpt / "model.safetensors").open("r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x01\x02\x03")
    tampered = service.client.post("/api/policies", json={"checkpoint_path": str(ckpt)}, headers=operator)
    assert tampered.status_code == 422 and "sha256" in tampered.text


def test_robots_download_the_champion_with_its_hash(
    service: Service, champion_policy: str, tmp_path: Path
) -> None:
    robot = service.headers(Role.robot)
    response = service.client.get("/api/champion/checkpoint", headers=robot)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == response.headers["X-Checkpoint-SHA256"]
    assert response.headers["X-Policy-Id"] == champion_policy
    assert (
        service.client.get("/api/champion/checkpoint", headers=robot).content == response.content
    )  # deterministic

    client = FleetClient("http://testserver", service.keys[Role.robot])
    client.http = service.client  # the robot's client, over the in-process transport
    client.http.headers["X-API-Key"] = service.keys[Role.robot]
    info, path = client.download_champion(tmp_path / "cache")
    assert info.policy_id == champion_policy
    assert load_checkpoint(path).id == champion_policy
    (tmp_path / "base_policy" / "model.safetensors").write_bytes(b"corrupted")
    changed = service.client.get("/api/champion/checkpoint", headers=robot)
    assert changed.status_code == 409 and "unusable" in changed.text
