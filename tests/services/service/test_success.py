"""Success rates per robot / policy / variation with Wilson intervals, and over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qtopt_finetune.stats import wilson_interval
from services.db.models import Role
from tests.services.service.conftest import Service


def _report(
    service: Service, policy_id: str, robot: str, successes: int, failures: int, minutes_ago: float
) -> None:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    rows = [
        {
            "attempt_id": f"{robot}-{minutes_ago}-{i}",
            "robot": robot,
            "policy_id": policy_id,
            "variation": "checkerboard" if robot == "sim-1" else "base",
            "success": i < successes,
            "time": (when + timedelta(seconds=i)).isoformat(),
        }
        for i in range(successes + failures)
    ]
    response = service.client.post(
        "/api/outcomes", json={"outcomes": rows}, headers=service.headers(Role.robot)
    )
    assert response.status_code == 200, response.text


def test_rates_per_robot_carry_wilson_intervals(service: Service, champion_policy: str) -> None:
    _report(service, champion_policy, "sim-0", 7, 3, 5)
    _report(service, champion_policy, "sim-1", 1, 9, 5)
    _report(service, champion_policy, "sim-0", 0, 5, 180)  # outside a 1-hour window
    viewer = service.headers(Role.viewer)
    rates = service.client.get("/api/success?group_by=robot&hours=1", headers=viewer).json()
    assert [(r["key"], r["successes"], r["attempts"]) for r in rates] == [("sim-0", 7, 10), ("sim-1", 1, 10)]
    low, high = wilson_interval(7, 10)
    assert rates[0]["rate"] == pytest.approx(0.7)
    assert (rates[0]["ci_low"], rates[0]["ci_high"]) == pytest.approx((low, high))
    day = service.client.get("/api/success?group_by=robot&hours=24&robot=sim-0", headers=viewer).json()
    assert [(r["successes"], r["attempts"]) for r in day] == [(7, 15)]
    by_variation = service.client.get("/api/success?group_by=variation", headers=viewer).json()
    assert {r["key"]: r["attempts"] for r in by_variation} == {"base": 15, "checkerboard": 10}
    by_policy = service.client.get("/api/success?group_by=policy", headers=viewer).json()
    assert by_policy[0]["key"] == champion_policy and by_policy[0]["attempts"] == 25


def test_series_buckets_time(service: Service, champion_policy: str) -> None:
    _report(service, champion_policy, "sim-0", 2, 2, 50)
    _report(service, champion_policy, "sim-0", 4, 0, 10)
    series = service.client.get(
        f"/api/success/series?hours=1&bucket_minutes=30&policy_id={champion_policy}",
        headers=service.headers(Role.viewer),
    ).json()
    assert [(b["successes"], b["attempts"]) for b in series] == [(2, 4), (4, 4)]
    first, second = series
    assert first["ci_low"] < 0.5 < first["ci_high"] and second["rate"] == 1.0 and second["ci_low"] > 0.4
    start = datetime.fromisoformat(first["start"])
    assert datetime.fromisoformat(first["end"]) - start == timedelta(minutes=30)
    assert datetime.fromisoformat(second["start"]) == start + timedelta(minutes=30)
    bad = service.client.get("/api/success?group_by=weather", headers=service.headers(Role.viewer))
    assert bad.status_code == 422 and "group_by" in bad.text
