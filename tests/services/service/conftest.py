"""Service test fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL: QTOPT_TEST_POSTGRES_URL (default postgresql://qtopt:qtopt@127.0.0.1:5432/postgres, a role that
may create databases; .ci/run starts the cluster and creates it). Locally an unreachable server skips the
PostgreSQL cases with the reason; under CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from services.api.app import create_app
from services.auth.keys import create_key
from services.db.models import Base, Role
from services.db.session import normalise_url, session_scope
from services.settings import ServiceSettings

PG_ADMIN_URL = os.environ.get("QTOPT_TEST_POSTGRES_URL", "postgresql://qtopt:qtopt@127.0.0.1:5432/postgres")


def _postgres_unreachable() -> str | None:
    try:
        engine = create_engine(normalise_url(PG_ADMIN_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect is a reason to skip locally
        where = make_url(PG_ADMIN_URL).render_as_string()
        return f"PostgreSQL unreachable at {where}: {type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    reason = _postgres_unreachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must reach PostgreSQL: .ci/run starts it)")
        pytest.skip(reason)
    name = f"qtopt_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    from services.db.migrate import upgrade

    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate(url: str) -> None:
    engine = create_engine(normalise_url(url))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    url: str = request.getfixturevalue("postgres_database")
    truncate(url)
    return url


@dataclass
class Service:
    client: TestClient
    keys: dict[Role, str]
    settings: ServiceSettings

    def headers(self, role: Role) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    @property
    def sessions(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.sessions  # type: ignore[attr-defined]


def make_keys(service_sessions) -> dict[Role, str]:  # type: ignore[no-untyped-def]
    with session_scope(service_sessions) as session:
        return {role: create_key(session, f"test-{role.value}", role) for role in Role}


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    settings = ServiceSettings(database_url=database_url, data_dir=str(tmp_path / "data"), _env_file=None)
    with TestClient(create_app(settings)) as client:
        yield Service(client, make_keys(client.app.state.sessions), settings)  # type: ignore[attr-defined]


def tiny_checkpoint(path: Path, parent: Path | None = None) -> Path:
    """A real (untrained or fine-tuned-from-parent) checkpoint folder, as the learner writes it."""
    config = LearnerConfig(progress=False, tensorboard=False)
    learner = Learner.init_from(parent, config) if parent else Learner(config=config)
    return learner.save_checkpoint(path)


@pytest.fixture
def champion_policy(service: Service, tmp_path: Path) -> str:
    """A registered, promoted base policy; returns its id."""
    ckpt = tiny_checkpoint(tmp_path / "base_policy")
    response = service.client.post(
        "/api/policies",
        json={"checkpoint_path": str(ckpt), "name": "base"},
        headers=service.headers(Role.operator),
    )
    assert response.status_code == 201, response.text
    policy_id: str = response.json()["id"]
    promoted = service.client.post(
        "/api/promote",
        json={"policy_id": policy_id, "evidence": {"why": "first"}},
        headers=service.headers(Role.operator),
    )
    assert promoted.status_code == 201, promoted.text
    return policy_id
