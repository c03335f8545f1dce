"""Cancelling a running adaptation: the operator's cancel reaches the real pipeline mid-training."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.db.models import JobState, Role
from services.jobs.protocol import AdaptationResult, AdaptationSpec, JobProgress
from services.jobs.sim_pipeline import SimAdaptationPipeline
from services.settings import ServiceSettings
from tests.services.service.conftest import Service, make_keys, tiny_checkpoint


class CancelOnTraining:
    """The real pipeline; the first time it reports training, an operator cancels through the API."""

    def __init__(self) -> None:
        self.client: TestClient | None = None
        self.key = ""
        self.states: list[JobState] = []

    def run(self, spec: AdaptationSpec, progress: JobProgress) -> AdaptationResult:
        outer = self

        class Watching:
            def stage(self, state: JobState, fraction: float, detail: str = "") -> None:
                progress.stage(state, fraction, detail)
                if state == JobState.training and JobState.training not in outer.states:
                    assert outer.client is not None
                    response = outer.client.post(
                        f"/api/adaptations/{spec.job_id}/cancel", headers={"X-API-Key": outer.key}
                    )
                    assert response.status_code == 200, response.text
                outer.states.append(state)

            def cancelled(self) -> bool:
                return progress.cancelled()

        return SimAdaptationPipeline().run(spec, Watching())


@pytest.fixture
def cancelling(tmp_path: Path) -> Iterator[tuple[Service, CancelOnTraining]]:
    pipeline = CancelOnTraining()
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 's.db'}", data_dir=str(tmp_path), _env_file=None
    )
    with TestClient(create_app(settings, pipeline)) as client:
        service = Service(client, make_keys(client.app.state.sessions), settings)  # type: ignore[attr-defined]
        pipeline.client, pipeline.key = client, service.keys[Role.operator]
        yield service, pipeline


def test_cancel_stops_a_running_job_at_its_next_check(
    cancelling: tuple[Service, CancelOnTraining], tmp_path: Path
) -> None:
    service, pipeline = cancelling
    operator = service.headers(Role.operator)
    ckpt = tiny_checkpoint(tmp_path / "parent")
    parent = service.client.post(
        "/api/policies", json={"checkpoint_path": str(ckpt)}, headers=operator
    ).json()["id"]
    budget = {"exploration_grasps": 1, "train_steps": 400, "batch_size": 4, "eval_episodes": 1, "workers": 1}
    body = {"robot": "sim-0", "variation": "base", "parent_policy_id": parent, "budget": budget}
    job = service.client.post("/api/adaptations", json=body, headers=operator).json()
    service.client.app.state.jobs.wait(timeout=180)  # type: ignore[attr-defined]
    final = service.client.get(f"/api/adaptations/{job['id']}", headers=operator).json()
    assert final["state"] == "cancelled" and final["error"] == "cancelled by an operator"
    assert pipeline.states[0] == JobState.collecting and JobState.evaluating not in pipeline.states
    steps = [s for s in pipeline.states if s == JobState.training]
    assert 1 < len(steps) < 20  # stopped after the first progress check, long before 400 steps
    assert final["child_policy_id"] is None
