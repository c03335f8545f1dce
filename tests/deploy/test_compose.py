"""docker-compose.yml validates with Debian's docker-compose (1.29) without an engine, and keeps its promises:
secrets only from the environment, ports on the host's loopback only, the same storage for every node."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"POSTGRES_PASSWORD": "test-password-123", "RAY_AUTH_TOKEN": "test-token-456"}


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        reason = "Debian's docker-compose is not installed (apt-get install docker-compose; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    result = _compose("--profile", "gpu", "config", env=SECRETS)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_config_validates_with_every_part(config: dict[str, Any]) -> None:
    services = config["services"]
    assert {"service", "postgres", "ray-head", "ray-worker", "ray-gpu-worker"} <= set(services)
    assert {"postgres-data", "grasp-logs", "checkpoints"} <= set(config["volumes"])
    (gpu,) = services["ray-gpu-worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert gpu["capabilities"] == ["gpu"]


def test_secrets_come_from_the_environment(config: dict[str, Any]) -> None:
    service_env = config["services"]["service"]["environment"]
    assert SECRETS["POSTGRES_PASSWORD"] in service_env["QTOPT_DATABASE_URL"]
    assert service_env["RAY_AUTH_TOKEN"] == SECRETS["RAY_AUTH_TOKEN"]
    text = (ROOT / "docker-compose.yml").read_text()
    assert SECRETS["POSTGRES_PASSWORD"] not in text


def test_a_missing_secret_is_refused_by_name() -> None:
    result = _compose("config", env={"RAY_AUTH_TOKEN": "x"})
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_published_ports_are_on_loopback_only(config: dict[str, Any]) -> None:
    for name, service in config["services"].items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond the host's loopback"


def test_every_node_sees_the_same_logs_and_checkpoints(config: dict[str, Any]) -> None:
    for name in ("service", "ray-head", "ray-worker", "ray-gpu-worker"):
        mounts = {tuple(str(v).split(":")[:2]) for v in config["services"][name]["volumes"]}
        assert ("grasp-logs", "/data/logs") in mounts, name
        assert ("checkpoints", "/data/checkpoints") in mounts, name
        assert ("service-data", "/data/service") in mounts, name
        assert config["services"][name]["environment"]["QTOPT_RAY_ADDRESS"] == "ray-head:6379"
