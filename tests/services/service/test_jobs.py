"""Adaptation jobs: a real (tiny) sim adaptation end to end, cancellation, failure, and restart recovery."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.db.models import AdaptationJob, JobState, Robot, Role, Variation
from services.db.session import session_scope
from services.domain.names import ids_by_name
from tests.services.service.conftest import Service

TINY = {"exploration_grasps": 2, "train_steps": 4, "batch_size": 4, "eval_episodes": 1, "workers": 1}


def _trigger(service: Service, **overrides: Any) -> dict[str, Any]:
    body = {"robot": "sim-0", "variation": "checkerboard", "budget": TINY} | overrides
    response = service.client.post("/api/adaptations", json=body, headers=service.headers(Role.operator))
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()
    return job


def _job(service: Service, job_id: int) -> dict[str, Any]:
    job: dict[str, Any] = service.client.get(
        f"/api/adaptations/{job_id}", headers=service.headers(Role.viewer)
    ).json()
    return job


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_adaptation_runs_the_real_pipeline_and_adds_a_candidate(
    service: Service, champion_policy: str
) -> None:
    queued = _trigger(service)
    assert queued["state"] == "queued" and queued["parent_policy_id"] == champion_policy
    service.client.app.state.jobs.wait(timeout=300)  # type: ignore[attr-defined]
    job = _job(service, queued["id"])
    assert job["state"] == "done", job["error"]
    assert job["progress"] == 1.0 and job["child_policy_id"]
    tree = service.client.get("/api/lineage", headers=service.headers(Role.viewer)).json()
    child = tree[0]["children"][0]
    assert child["id"] == job["child_policy_id"] and child["alias"] == "candidate"
    evaluation = child["metrics"]["eval"]
    assert evaluation["child"]["episodes"] == 1 and evaluation["parent"]["episodes"] == 1
    assert child["metrics"]["exploration_grasps"] == 2 and child["metrics"]["variation"] == "checkerboard"
    work = Path(service.settings.data_dir) / "jobs" / f"job_{job['id']:06d}"
    assert (work / "target_log" / "meta" / "info.json").exists() and (
        work / "child" / "manifest.json"
    ).exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_whose_pipeline_fails_records_why(
    service: Service, champion_policy: str, tmp_path: Path
) -> None:
    shutil.rmtree(tmp_path / "base_policy")  # the parent's checkpoint is gone
    queued = _trigger(service)
    service.client.app.state.jobs.wait(timeout=120)  # type: ignore[attr-defined]
    job = _job(service, queued["id"])
    assert job["state"] == "failed" and "base_policy" in job["error"]


def test_bad_requests_and_cancelling_a_queued_job(service: Service, champion_policy: str) -> None:
    operator = service.headers(Role.operator)
    foggy = service.client.post(
        "/api/adaptations", json={"robot": "sim-0", "variation": "foggy"}, headers=operator
    )
    assert foggy.status_code == 422 and "variation" in foggy.text
    orphan = service.client.post(
        "/api/adaptations",
        json={"robot": "sim-0", "variation": "base", "parent_policy_id": "nope"},
        headers=operator,
    )
    assert orphan.status_code == 422 and "parent_policy_id" in orphan.text
    with session_scope(service.sessions) as session:  # a queued job the runner has not picked up
        job = AdaptationJob(
            robot_id=ids_by_name(session, Robot, ["sim-0"])["sim-0"],
            variation_id=ids_by_name(session, Variation, ["base"])["base"],
            parent_policy_id=champion_policy,
            created_by="test",
            budget=TINY,
        )
        session.add(job)
        session.flush()
        job_id = job.id
    cancelled = service.client.post(f"/api/adaptations/{job_id}/cancel", headers=operator)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    twice = service.client.post(f"/api/adaptations/{job_id}/cancel", headers=operator)
    assert twice.status_code == 409
    assert service.client.post("/api/adaptations/999999/cancel", headers=operator).status_code == 404


def test_a_restart_marks_interrupted_jobs_failed_with_the_reason(
    service: Service, champion_policy: str, database_url: str
) -> None:
    with session_scope(service.sessions) as session:
        session.add(
            AdaptationJob(
                robot_id=ids_by_name(session, Robot, ["sim-0"])["sim-0"],
                variation_id=ids_by_name(session, Variation, ["base"])["base"],
                parent_policy_id=champion_policy,
                state=JobState.training,
                progress=0.5,
                created_by="test",
                budget=TINY,
            )
        )
    with TestClient(create_app(service.settings)) as restarted:
        jobs = restarted.get("/api/adaptations", headers=service.headers(Role.viewer)).json()
    assert jobs[0]["state"] == "failed"
    assert "restarted while the job was training" in jobs[0]["error"]
