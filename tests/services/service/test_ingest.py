"""Outcome ingest: batched, idempotent by attempt id, validated with errors that name the field."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select

from services.db.models import GraspAttempt, Role
from tests.services.service.conftest import Service


def outcomes(
    policy_id: str, n: int, robot: str = "sim-0", prefix: str = "a", success_every: int = 2
) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "attempt_id": f"{prefix}{i}",
            "robot": robot,
            "policy_id": policy_id,
            "variation": "base",
            "success": i % success_every == 0,
            "failure_reason": None if i % success_every == 0 else "nothing held after lift",
            "time": (now - timedelta(seconds=i)).isoformat(),
        }
        for i in range(n)
    ]


def stored(service: Service) -> int:
    with service.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(GraspAttempt)) or 0)


def test_a_batch_sent_twice_is_stored_once(service: Service, champion_policy: str) -> None:
    batch = {"outcomes": outcomes(champion_policy, 50)}
    first = service.client.post("/api/outcomes", json=batch, headers=service.headers(Role.robot))
    again = service.client.post("/api/outcomes", json=batch, headers=service.headers(Role.robot))
    assert first.json() == {"accepted": 50, "duplicates": 0}
    assert again.json() == {"accepted": 0, "duplicates": 50}
    assert stored(service) == 50
    robots = service.client.get("/api/robots", headers=service.headers(Role.viewer)).json()
    assert [r["name"] for r in robots] == ["sim-0"] and robots[0]["last_seen"] is not None


def test_an_authenticated_batch_takes_one_connection_and_one_commit(
    service: Service, champion_policy: str
) -> None:
    """The key check shares the request's session: a second checkout per request doubled the pool traffic
    and showed in PostgreSQL's p99 under load (benchmarks/service_load.py)."""
    engine = service.sessions.kw["bind"]
    seen: list[str] = []
    on_checkout = lambda *_: seen.append("checkout")  # noqa: E731
    on_commit = lambda *_: seen.append("commit")  # noqa: E731
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "commit", on_commit)
    try:
        for prefix in ("p", "q"):
            batch = {"outcomes": outcomes(champion_policy, 20, robot="sim-9", prefix=prefix)}
            response = service.client.post("/api/outcomes", json=batch, headers=service.headers(Role.robot))
            assert response.json() == {"accepted": 20, "duplicates": 0}
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "commit", on_commit)
    assert seen == ["checkout", "commit"] * 2
    refused = service.client.post("/api/outcomes", json=batch, headers=service.headers(Role.viewer))
    assert refused.status_code == 403


def test_new_and_known_names_in_one_batch_get_their_rows(service: Service, champion_policy: str) -> None:
    known = outcomes(champion_policy, 4, robot="sim-0", prefix="k")
    service.client.post("/api/outcomes", json={"outcomes": known}, headers=service.headers(Role.robot))
    mixed = outcomes(champion_policy, 6, robot="sim-0", prefix="m")
    for i, row in enumerate(mixed):
        row["robot"] = ["sim-0", "sim-new"][i % 2]
        row["variation"] = ["base", "dark"][i % 2]
    response = service.client.post(
        "/api/outcomes", json={"outcomes": mixed}, headers=service.headers(Role.robot)
    )
    assert response.json() == {"accepted": 6, "duplicates": 0}
    robots = service.client.get("/api/robots", headers=service.headers(Role.viewer)).json()
    assert sorted(r["name"] for r in robots) == ["sim-0", "sim-new"]
    with service.sessions() as session:
        pairs = session.execute(
            select(GraspAttempt.attempt_id, GraspAttempt.robot_id, GraspAttempt.variation_id).where(
                GraspAttempt.attempt_id.like("m%")
            )
        ).all()
    by_parity = {int(a[1:]) % 2: (r, v) for a, r, v in pairs}
    assert len(pairs) == 6 and by_parity[0] != by_parity[1]
    assert {(r, v) for a, r, v in pairs if int(a[1:]) % 2 == 0} == {by_parity[0]}


def test_concurrent_overlapping_batches_store_each_attempt_once(
    service: Service, champion_policy: str
) -> None:
    batches = [
        {"outcomes": outcomes(champion_policy, 40, prefix="x")[k * 10 : k * 10 + 30]} for k in range(2)
    ] * 3

    def send(batch: dict[str, Any]) -> dict[str, int]:
        response = service.client.post("/api/outcomes", json=batch, headers=service.headers(Role.robot))
        assert response.status_code == 200, response.text
        result: dict[str, int] = response.json()
        return result

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(send, batches))
    assert stored(service) == 40
    assert sum(r["accepted"] for r in results) == 40


def test_bad_outcomes_are_refused_naming_the_field(service: Service, champion_policy: str) -> None:
    headers = service.headers(Role.robot)
    unknown = service.client.post(
        "/api/outcomes", json={"outcomes": outcomes("no-such-policy", 1)}, headers=headers
    )
    assert unknown.status_code == 422 and "policy_id" in unknown.text and "no-such-policy" in unknown.text
    naive = outcomes(champion_policy, 1)
    naive[0]["time"] = "2026-01-01T00:00:00"
    refused = service.client.post("/api/outcomes", json={"outcomes": naive}, headers=headers)
    assert refused.status_code == 422 and "time" in refused.text
    empty = service.client.post("/api/outcomes", json={"outcomes": []}, headers=headers)
    assert empty.status_code == 422 and "outcomes" in empty.text
    assert stored(service) == 0
