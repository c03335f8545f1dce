"""A simulated robot downloads the champion, grasps in PyBullet with it and reports outcomes over HTTP."""

from __future__ import annotations

from pathlib import Path

from qtopt_finetune.checkpoint import load_checkpoint
from robot_drivers.fleet.reporter import ReporterConfig, run_reporter
from services.db.models import Role
from services.settings import ServiceSettings
from tests.services.service.conftest import Service
from tests.services.service.live_server import live_service


def test_a_sim_robot_reports_its_grasps_with_the_champion(
    service: Service, champion_policy: str, database_url: str, tmp_path: Path
) -> None:
    settings = ServiceSettings(database_url=database_url, data_dir=str(tmp_path / "live"), _env_file=None)
    with live_service(settings) as url:
        config = ReporterConfig(
            url,
            service.keys[Role.robot],
            robot="sim-7",
            episodes=3,
            batch_size=2,
            cache_dir=str(tmp_path / "cache"),
        )
        assert run_reporter(config) == 3  # a batch of 2 and the rest at the end
    assert load_checkpoint(tmp_path / "cache" / "sim-7" / champion_policy).id == champion_policy
    rates = service.client.get("/api/success?group_by=robot", headers=service.headers(Role.viewer)).json()
    assert [(r["key"], r["attempts"]) for r in rates] == [("sim-7", 3)]
    by_policy = service.client.get(
        "/api/success?group_by=policy", headers=service.headers(Role.viewer)
    ).json()
    assert by_policy[0]["key"] == champion_policy
