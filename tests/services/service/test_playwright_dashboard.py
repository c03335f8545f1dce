"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium; Playwright never downloads one):
it loads with the fleet chart drawn from data, and an operator triggers an adaptation from the page and
watches it appear with its progress. The service runs as `qtopt serve` in its own process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from robot_drivers.fleet.reporter import wait_for_service
from services.cli.main import app as cli
from tests.services.service.conftest import tiny_checkpoint

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} missing (apt-get install chromium; .ci/run installs it)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@pytest.fixture
def running_service(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    db = f"sqlite:///{tmp_path / 'service.db'}"
    keys = {
        role: _cli("keys", "create", f"pw-{role}", "--role", role, "--db-url", db)
        for role in ("operator", "robot")
    }
    champion = _cli(
        "policy", "register", str(tiny_checkpoint(tmp_path / "base")), "--champion", "--db-url", db
    )
    port = _free_port()
    env = os.environ | {"QTOPT_DATA_DIR": str(tmp_path / "data"), "QTOPT_DASHBOARD_REFRESH_S": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "serve", "--port", str(port), "--db-url", db],
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_service(url, 60)
        now = datetime.now(UTC).isoformat()
        outcomes = [
            {
                "attempt_id": f"pw{i}",
                "robot": f"sim-{i % 2}",
                "policy_id": champion,
                "variation": "base",
                "success": i % 3 != 0,
                "time": now,
            }
            for i in range(30)
        ]
        response = httpx.post(
            f"{url}/api/outcomes", json={"outcomes": outcomes}, headers={"X-API-Key": keys["robot"]}
        )
        assert response.json() == {"accepted": 30, "duplicates": 0}
        yield url, keys
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def test_an_operator_adapts_from_the_dashboard(running_service: tuple[str, dict[str, str]]) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing"
    url, keys = running_service
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{url}/dashboard")
            page.fill("#key", keys["operator"])
            page.click("button[type=submit]")
            fleet = page.locator("#fleet svg").first
            expect(fleet.locator("g.bar")).to_have_count(2)  # sim-0 and sim-1 in the last hour
            assert fleet.locator("g.bar[data-label='sim-0']").get_attribute("data-n") == "15"
            expect(page.locator("#policies g.policy")).to_have_count(1)
            expect(page.locator("#lineage .alias-champion")).to_have_count(1)

            page.fill("input[name=variation]", "checkerboard")
            page.fill("input[name=exploration_grasps]", "1")
            page.fill("input[name=train_steps]", "2")
            page.fill("input[name=eval_episodes]", "1")
            page.click("#adapt-form button[type=submit]")
            row = page.locator("#jobs tr.job").first
            expect(row).to_be_visible()
            expect(row.locator("progress")).to_have_count(1)
            assert "checkerboard" in row.inner_text()
            # the page refreshes itself: the job leaves the queue and reports a stage with progress
            expect(page.locator("#jobs tr.job[data-state=queued]")).to_have_count(0, timeout=30_000)
            state = page.locator("#jobs tr.job").first.get_attribute("data-state")
            assert state in {"collecting", "training", "evaluating", "done"}, state
        finally:
            browser.close()
