"""Starting actors on Ray with resource requests, and telling whether one is still alive."""

from __future__ import annotations

import contextlib
from typing import Any

_REMOTE: dict[type, Any] = {}


def spawn(ray: Any, cls: type, *args: Any, num_cpus: float = 0.0, num_gpus: float = 0.0) -> Any:
    """Start `cls(*args)` as an actor. Ray places it where the CPUs / GPUs it asks for are free.

    No automatic restarts: the driver replaces a dead actor itself (a `ray.kill` forbids Ray's own
    restarts, and the driver must know to drop the work in flight on it).
    """
    if cls not in _REMOTE:
        _REMOTE[cls] = ray.remote(cls)
    return _REMOTE[cls].options(num_cpus=num_cpus, num_gpus=num_gpus, max_restarts=0).remote(*args)


def is_alive(ray: Any, handle: Any, timeout: float = 30.0) -> bool:
    """True when the actor answers a ping within `timeout` seconds."""
    try:
        return bool(ray.get(handle.ping.remote(), timeout=timeout))
    except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
        return False


def actor_id(handle: Any) -> str:
    """The actor's id in hex, as `RayActorError.actor_id` names a dead actor."""
    return str(handle._actor_id.hex())


def kill_quietly(ray: Any, handle: Any) -> None:
    with contextlib.suppress(Exception):  # already gone
        ray.kill(handle)


def learner_gpus(ray: Any, wanted: float | str) -> float:
    """'auto': one GPU when the cluster has any, else none."""
    if wanted == "auto":
        return 1.0 if ray.cluster_resources().get("GPU", 0) >= 1 else 0.0
    return float(wanted)
