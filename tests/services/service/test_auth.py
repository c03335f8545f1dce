"""No anonymous write of any kind; a key of the wrong role is refused; keys are hashed at rest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from services.cli.main import app as cli
from services.db.models import ApiKey, Role
from services.settings import ServiceSettings
from tests.services.service.conftest import Service
from tests.services.service.live_server import live_service

ALLOWED = {  # write endpoint -> roles that may call it (admin may call everything)
    "/api/outcomes": {Role.robot},
    "/api/policies": {Role.operator},
    "/api/promote": {Role.operator},
    "/api/rollback": {Role.operator},
    "/api/adaptations": {Role.operator},
    "/api/adaptations/{job_id}/cancel": {Role.operator},
    "/api/keys": set(),
    "/api/keys/{name}/revoke": set(),
}


def write_routes(service: Service) -> list[str]:
    """Every path of the OpenAPI schema with a method other than GET."""
    paths = service.client.get("/openapi.json").json()["paths"]
    return [path for path, methods in paths.items() if set(methods) - {"get"}]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_write_needs_a_key_of_the_right_role(service: Service) -> None:
    paths = write_routes(service)
    assert set(paths) == set(ALLOWED), "a new write endpoint needs its roles listed here"
    for path in paths:
        url = path.replace("{job_id}", "1").replace("{name}", "test-viewer")
        anonymous = service.client.post(url, json={})
        assert anonymous.status_code == 401, (path, anonymous.text)
        assert service.client.post(url, json={}, headers={"X-API-Key": "qtk_not-a-key"}).status_code == 401
        for role in Role:
            status = service.client.post(url, json={}, headers=service.headers(role)).status_code
            if role in ALLOWED[path] or role == Role.admin:
                assert status not in (401, 403), (path, role)
            else:
                assert status == 403, (path, role, status)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reads_need_a_key_too(service: Service) -> None:
    assert service.client.get("/api/policies").status_code == 401
    assert service.client.get("/api/policies", headers=service.headers(Role.viewer)).status_code == 200
    assert service.client.get("/api/champion", headers=service.headers(Role.viewer)).status_code == 403


def test_keys_are_stored_only_as_hashes_and_can_be_revoked(service: Service) -> None:
    with service.sessions() as session:
        rows = session.scalars(select(ApiKey)).all()
    for row in rows:
        assert service.keys[row.role] not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
    admin = service.headers(Role.admin)
    created = service.client.post("/api/keys", json={"name": "lab-2", "role": "viewer"}, headers=admin)
    assert created.status_code == 201
    new = {"X-API-Key": created.json()["key"]}
    assert service.client.get("/api/lineage", headers=new).status_code == 200
    assert service.client.post("/api/keys/lab-2/revoke", headers=admin).status_code == 204
    assert service.client.get("/api/lineage", headers=new).status_code == 401
    duplicate = service.client.post("/api/keys", json={"name": "lab-2", "role": "viewer"}, headers=admin)
    assert duplicate.status_code == 409 and "name" in duplicate.text


def test_the_first_admin_key_comes_from_the_command_line(database_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["keys", "create", "alice", "--db-url", database_url])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("qtk_")
    bad = runner.invoke(cli, ["keys", "create", "bob", "--role", "janitor", "--db-url", database_url])
    assert bad.exit_code != 0 and "janitor" in bad.output
    again = runner.invoke(cli, ["keys", "create", "alice", "--db-url", database_url])
    assert again.exit_code != 0 and "alice" in again.output


def test_a_write_is_committed_before_its_answer(
    service: Service, champion_policy: str, tmp_path: Path
) -> None:
    """Over real HTTP: what a client was told is stored is visible to its very next request."""
    settings = ServiceSettings(
        database_url=service.settings.database_url, data_dir=str(tmp_path), _env_file=None
    )
    robot, viewer = service.headers(Role.robot), service.headers(Role.viewer)
    now = datetime.now(UTC).isoformat()
    with live_service(settings) as url, httpx.Client(base_url=url) as client:
        for i in range(20):
            outcome = {
                "attempt_id": f"c{i}",
                "robot": "sim-0",
                "policy_id": champion_policy,
                "variation": "base",
                "success": True,
                "time": now,
            }
            stored = client.post("/api/outcomes", json={"outcomes": [outcome]}, headers=robot)
            assert stored.json()["accepted"] == 1
            seen = client.get("/api/success?group_by=robot", headers=viewer).json()
            assert seen[0]["attempts"] == i + 1, f"write {i} was answered before it was committed"
