"""Jobs on Ray: the same job runner as a Ray task on local Ray, recording its outcome in the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.db.models import Role
from services.settings import ServiceSettings
from tests.services.service.conftest import Service


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_runs_as_a_ray_task(service: Service, champion_policy: str, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    shutil.rmtree(tmp_path / "base_policy")  # the job fails fast, in the Ray worker, for a real reason
    settings = ServiceSettings(
        database_url=service.settings.database_url,
        data_dir=str(tmp_path / "ray"),
        job_backend="ray",
        _env_file=None,
    )
    try:
        with TestClient(create_app(settings)) as client:
            operator = {"X-API-Key": service.keys[Role.operator]}
            body = {"robot": "sim-0", "variation": "base", "budget": {"exploration_grasps": 1, "workers": 1}}
            job = client.post("/api/adaptations", json=body, headers=operator).json()
            client.app.state.jobs.wait(timeout=180)  # type: ignore[attr-defined]
            done = client.get(f"/api/adaptations/{job['id']}", headers=operator).json()
    finally:
        ray.shutdown()
    assert done["state"] == "failed" and "base_policy" in done["error"]
