"""`qtopt fleet`: the service and simulated robots that grasp with the champion and report, in one command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.services.service.conftest import tiny_checkpoint
from tests.services.service.live_server import free_port


@pytest.mark.slow
def test_fleet_starts_the_service_and_robots_that_report(tmp_path: Path) -> None:
    port = free_port()
    champion = tiny_checkpoint(tmp_path / "champion")
    fleet = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.cli.main",
            "fleet",
            "--champion",
            str(champion),
            "--robots",
            "1",
            "--port",
            str(port),
            "--db-url",
            f"sqlite:///{tmp_path / 'fleet.db'}",
        ],
        env=os.environ | {"QTOPT_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert fleet.stdout is not None
        first = fleet.stdout.readline()
        key = re.search(r"viewer key: (qtk_\S+)\)", first)
        assert key, first
        url, headers = f"http://127.0.0.1:{port}", {"X-API-Key": key.group(1)}
        deadline, attempts = time.monotonic() + 90, 0
        while attempts == 0 and time.monotonic() < deadline:
            time.sleep(1)
            rates = httpx.get(f"{url}/api/success?group_by=robot", headers=headers).json()
            attempts = sum(r["attempts"] for r in rates)
        assert attempts >= 10 and rates[0]["key"] == "sim-0"  # one batch of 10 at least
        assert "sim-0" in httpx.get(f"{url}/dashboard", cookies={"qtopt_key": key.group(1)}).text
    finally:
        os.killpg(fleet.pid, signal.SIGTERM)
        assert fleet.wait(20) is not None
