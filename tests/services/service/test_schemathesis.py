"""Property-based tests from the OpenAPI schema (schemathesis): no 5xx from any operation, whatever the
input; and every write refused without a key (401) and with a key of a role that may not write it (403)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session, sessionmaker

from services.auth.keys import create_key
from services.db.migrate import upgrade
from services.db.models import Role
from services.db.session import make_engine, make_sessionmaker, session_scope
from services.domain.policies import register_checkpoint
from services.domain.promotion import promote
from services.settings import ServiceSettings
from tests.services.service.conftest import tiny_checkpoint, truncate
from tests.services.service.live_server import live_service

MAY_WRITE = {  # roles besides admin that may call each write operation
    "POST /api/outcomes": {Role.robot},
    "POST /api/keys": set(),
    "POST /api/keys/{name}/revoke": set(),
}
OPERATOR_WRITES = {Role.operator}
EXAMPLES = int(os.environ.get("QTOPT_SCHEMATHESIS_EXAMPLES", "15"))  # per operation, with the admin key
REFUSAL_EXAMPLES = 5  # per write operation and caller: auth is checked before anything else


def _seed(sessions: sessionmaker[Session], tmp: Path) -> dict[Role, str]:
    with session_scope(sessions) as session:
        keys = {role: create_key(session, f"st-{role.value}", role) for role in Role}
        policy = register_checkpoint(session, tiny_checkpoint(tmp / "base"), "base")
        promote(session, policy.id, "test", {})
    return keys


@contextmanager
def _served(url: str, tmp: Path) -> Iterator[tuple[str, dict[Role, str], Any]]:
    upgrade(url)
    engine = make_engine(url)
    keys = _seed(make_sessionmaker(engine), tmp)
    engine.dispose()
    # jobs are queued but not run: generated budgets would otherwise start real adaptations
    service_settings = ServiceSettings(
        database_url=url, data_dir=str(tmp / "data"), run_jobs=False, _env_file=None
    )
    with live_service(service_settings) as base_url:
        yield base_url, keys, schemathesis.openapi.from_url(f"{base_url}/openapi.json")


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[Role, str], Any]]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    with _served(f"sqlite:///{tmp / 'service.db'}", tmp) as api:
        yield api


@pytest.fixture(params=["sqlite", "postgresql"])
def api(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_api: tuple[str, dict[Role, str], Any]
) -> Iterator[tuple[str, dict[Role, str], Any]]:
    if request.param == "sqlite":
        yield sqlite_api
        return
    url: str = request.getfixturevalue("postgres_database")
    truncate(url)
    with _served(url, tmp_path) as served:
        yield served


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation: Any, base_url: str, headers: dict[str, str], check: Any, examples: int = EXAMPLES) -> int:
    calls = []

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def each(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers)
        calls.append(response.status_code)
        check(case, response)

    each()
    return len(calls)


def test_no_operation_answers_with_a_server_error(api: tuple[str, dict[Role, str], Any]) -> None:
    base_url, keys, schema = api
    calls = 0
    operations = _operations(schema)
    assert len(operations) >= 18
    for operation in operations:
        if operation.path == "/api/keys/{name}/revoke":
            continue  # would revoke the admin key the rest of the run uses; covered below without it

        def no_5xx(case: Any, response: Any, op: str = operation.label) -> None:
            assert response.status_code < 500, f"{op}: {response.status_code} {response.text[:300]}"

        calls += _run(operation, base_url, {"X-API-Key": keys[Role.admin]}, no_5xx)
    assert calls > 10 * len(operations)


def test_every_write_is_refused_without_a_key_or_with_the_wrong_role(
    sqlite_api: tuple[str, dict[Role, str], Any],
) -> None:
    base_url, keys, schema = sqlite_api  # authorisation does not depend on the database
    writes = [op for op in _operations(schema) if op.method.upper() != "GET"]
    assert len(writes) >= 8
    for operation in writes:
        allowed = MAY_WRITE.get(operation.label, OPERATOR_WRITES)
        callers: list[tuple[dict[str, str], int]] = [({}, 401), ({"X-API-Key": "qtk_forged"}, 401)]
        callers += [({"X-API-Key": keys[r]}, 403) for r in Role if r not in allowed and r != Role.admin]
        for headers, expected in callers:

            def refused(case: Any, response: Any, want: int = expected, op: str = operation.label) -> None:
                assert response.status_code == want, f"{op}: {response.status_code} {response.text[:200]}"

            assert _run(operation, base_url, headers, refused, REFUSAL_EXAMPLES) >= 1
