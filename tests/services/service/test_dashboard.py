"""The dashboard, server-side: sign-in, charts drawn from data, the adaptation form and its guards."""

from __future__ import annotations

import re

import pytest

from services.dashboard.routes import csrf_token
from services.db.models import Role
from tests.services.service.conftest import Service
from tests.services.service.test_success import _report


def _sign_in(service: Service, role: Role) -> None:
    response = service.client.post(
        "/dashboard/login", data={"key": service.keys[role]}, follow_redirects=False
    )
    assert response.status_code == 303


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dashboard_shows_fleet_policies_lineage_and_jobs(service: Service, champion_policy: str) -> None:
    assert service.client.get("/dashboard", follow_redirects=False).headers["location"] == "/dashboard/login"
    bad = service.client.post("/dashboard/login", data={"key": "qtk_wrong"})
    assert bad.status_code == 401 and "unknown or revoked key" in bad.text
    _report(service, champion_policy, "sim-0", 3, 1, 5)
    _report(service, champion_policy, "sim-1", 1, 3, 5)
    _sign_in(service, Role.viewer)
    page = service.client.get("/dashboard")
    assert page.status_code == 200
    assert (
        len(re.findall(r'<g class="bar" data-label="sim-[01]" data-n="4">', page.text)) == 6
    )  # 2 robots x 1 h, 24 h, 7 d
    assert f'data-policy="base ({champion_policy[:6]})"' in page.text
    assert 'class="promotion"' in page.text and "promote: base" in page.text
    assert 'id="adapt-form"' not in page.text  # a viewer may not adapt
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    live = service.client.get("/dashboard/live")
    assert live.status_code == 200 and "<html" not in live.text and 'id="fleet"' in live.text
    assert service.client.get("/static/dashboard.js").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_an_operator_with_the_form_token_triggers_an_adaptation(
    service: Service, champion_policy: str
) -> None:
    form = {
        "robot": "sim-0",
        "variation": "checkerboard",
        "exploration_grasps": "1",
        "train_steps": "1",
        "eval_episodes": "1",
        "csrf": csrf_token(service.keys[Role.viewer]),
    }
    assert service.client.post("/dashboard/adaptations", data=form).status_code == 401
    _sign_in(service, Role.viewer)
    assert service.client.post("/dashboard/adaptations", data=form).status_code == 403
    _sign_in(service, Role.operator)
    assert 'id="adapt-form"' in service.client.get("/dashboard").text
    forged = service.client.post("/dashboard/adaptations", data=form)
    assert forged.status_code == 403 and "csrf" in forged.text
    form["csrf"] = csrf_token(service.keys[Role.operator])
    form["variation"] = "foggy"
    assert service.client.post("/dashboard/adaptations", data=form).status_code == 422
    jobs = service.client.get("/api/adaptations", headers=service.headers(Role.viewer)).json()
    assert jobs == []
