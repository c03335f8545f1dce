"""The KubeRay and Kubernetes manifests and the Dockerfiles: well-formed, GPU learner group present, secrets
only by reference, and the same pins as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"


def _docs(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((KUBE / name).read_text()) if doc]


def _containers(pod_template: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_template["spec"]["containers"])


def test_raycluster_has_a_head_cpu_workers_and_a_gpu_learner_group() -> None:
    (cluster,) = _docs("raycluster.yaml")
    assert cluster["apiVersion"] == "ray.io/v1" and cluster["kind"] == "RayCluster"
    spec = cluster["spec"]
    assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    groups = {g["groupName"]: g for g in spec["workerGroupSpecs"]}
    gpu = groups["gpu-learner"]
    (gpu_container,) = _containers(gpu["template"])
    assert gpu_container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert gpu["rayStartParams"]["num-gpus"] == "1"
    cpu = groups["cpu-workers"]
    (cpu_container,) = _containers(cpu["template"])
    assert "nvidia.com/gpu" not in cpu_container["resources"]["limits"]
    assert cpu["minReplicas"] <= cpu["replicas"] <= cpu["maxReplicas"]


def test_secrets_are_referenced_never_written() -> None:
    (cluster,) = _docs("raycluster.yaml")
    deployment, _ = _docs("service.yaml")
    pods = [cluster["spec"]["headGroupSpec"]["template"], deployment["spec"]["template"]]
    pods += [g["template"] for g in cluster["spec"]["workerGroupSpecs"]]
    for pod in pods:
        for container in _containers(pod):
            env = {e["name"]: e for e in container["env"]}
            for secret in ("RAY_AUTH_TOKEN", "QTOPT_DATABASE_URL"):
                assert "value" not in env[secret], f"{container['name']}: {secret} written in the manifest"
                assert env[secret]["valueFrom"]["secretKeyRef"]["name"] == "qtopt-secrets"


def test_service_points_at_the_rayclusters_head_and_shares_its_storage() -> None:
    (cluster,) = _docs("raycluster.yaml")
    deployment, service = _docs("service.yaml")
    (container,) = _containers(deployment["spec"]["template"])
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["QTOPT_RAY_ADDRESS"] == f"{cluster['metadata']['name']}-head-svc:6379"
    (claim,) = _docs("storage.yaml")
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    claims = {v["persistentVolumeClaim"]["claimName"] for v in volumes}
    assert claims == {claim["metadata"]["name"]}
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_dockerfiles_pin_the_projects_torch_and_ray_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_pin = next(d for d in project["dependencies"] if d.startswith("torch=="))
    (cluster,) = _docs("raycluster.yaml")
    import ray

    assert cluster["spec"]["rayVersion"] == ray.__version__
    for name in ("service.Dockerfile", "ray.Dockerfile"):
        text = (ROOT / "deploy" / name).read_text()
        match = re.search(r"ARG TORCH_VERSION=(\S+)", text)
        assert match is not None, name
        assert torch_pin == f"torch=={match.group(1)}", name
        assert "COPY checkpoints" in text, f"{name}: the shipped base policy must be in the image"
