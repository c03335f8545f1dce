"""`qtopt replay --lineage ID` from the service's database: the chain is the policy's ancestry, the matrix
lands in the service's replays folder, and the dashboard links to it and serves it to viewers only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.app import create_app
from services.auth.keys import create_key
from services.cli.main import app as cli
from services.db.migrate import upgrade
from services.db.models import Role
from services.db.session import make_engine, make_sessionmaker, session_scope
from services.domain.policies import PolicyError, ancestry, register_checkpoint
from services.settings import ServiceSettings
from tests.services.service.conftest import tiny_checkpoint


@pytest.fixture
def registered(tmp_path: Path) -> tuple[ServiceSettings, list[str]]:
    """A service database with the lineage base -> v1 -> v2 (and an unrelated root)."""
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=str(tmp_path / "data"), _env_file=None
    )
    base = tiny_checkpoint(tmp_path / "ckpt" / "base")
    v1 = tiny_checkpoint(tmp_path / "ckpt" / "v1", parent=base)
    v2 = tiny_checkpoint(tmp_path / "ckpt" / "v2", parent=v1)
    other = tiny_checkpoint(tmp_path / "ckpt" / "other")
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        ids = [register_checkpoint(session, path).id for path in (base, v1, v2, other)]
    engine.dispose()
    return settings, ids


def test_ancestry_is_the_chain_root_first(registered: tuple[ServiceSettings, list[str]]) -> None:
    settings, ids = registered
    engine = make_engine(settings.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        assert [p.id for p in ancestry(session, ids[2][:10])] == ids[:3]
        assert [p.name for p in ancestry(session, "v1")] == ["base", "v1"]
        with pytest.raises(PolicyError, match="no policy match 'nope'"):
            ancestry(session, "nope")
    engine.dispose()


@pytest.mark.slow
def test_replay_from_the_service_is_linked_and_served_by_the_dashboard(
    registered: tuple[ServiceSettings, list[str]],
) -> None:
    settings, ids = registered
    result = CliRunner().invoke(
        cli,
        [
            "replay",
            "--lineage",
            ids[1][:12],
            "--db-url",
            settings.database_url,
            "--variation",
            "base",
            "--episodes",
            "2",
            "--chunk",
            "1",
        ],
        env={"QTOPT_DATA_DIR": settings.data_dir},
    )
    assert result.exit_code == 0, result.output
    folder = Path(settings.data_dir) / "replays" / ids[1]
    data = json.loads((folder / "forgetting.json").read_text())
    assert [c["id"] for c in data["chain"]] == ids[:2]
    assert "forgetting matrix:" in result.output

    with TestClient(create_app(settings)) as client:
        assert client.get(f"/dashboard/replays/{ids[1]}/index.html").status_code == 401
        with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
            key = create_key(session, "viewer", Role.viewer)
        client.post("/dashboard/login", data={"key": key}, follow_redirects=False)
        page = client.get("/dashboard/live").text
        assert f'href="/dashboard/replays/{ids[1]}/index.html"' in page
        assert f"/dashboard/replays/{ids[0]}/" not in page  # no replay of the base alone
        served = client.get(f"/dashboard/replays/{ids[1]}/index.html")
        assert served.status_code == 200 and "Lineage replay" in served.text
        assert (
            client.get(f"/dashboard/replays/{ids[1]}/forgetting.png").headers["content-type"] == "image/png"
        )
        for bad in (f"{ids[1]}/../../db.sqlite", f"{ids[1]}/manifest.json", "..%2F..%2Fdb.sqlite/x.html"):
            assert client.get(f"/dashboard/replays/{bad}").status_code == 404, bad
