"""Connect to Ray: an existing cluster by address, or a local Ray with its temp dir in the run folder.

Ray puts AF_UNIX sockets under `<temp_dir>/session_<date>_<pid>/sockets/`, and a socket path may be at most
107 bytes, so a long run folder cannot hold them: then the temp dir is a short `/tmp/qtopt_ray_<pid>`
and the run folder gets a `ray_temp_dir` file naming it (where Ray's logs are).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Longest temp dir whose session socket paths stay under the 107-byte AF_UNIX limit, with room to spare.
MAX_TEMP_DIR_CHARS = 40


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - ray is a dependency; guarded for slim installs
        raise ImportError("distributed fine-tuning needs Ray: pip install 'ray[default]>=2.30'") from exc
    return ray


def local_temp_dir(run_dir: str | Path) -> Path:
    """`<run_dir>/ray` when short enough for Ray's sockets, else `/tmp/qtopt_ray_<pid>`."""
    inside = Path(run_dir).resolve() / "ray"
    if len(str(inside)) <= MAX_TEMP_DIR_CHARS:
        return inside
    return Path(f"/tmp/qtopt_ray_{os.getpid()}")


def local_cpus(needed: float) -> int:
    """Logical CPUs for a local Ray: the machine's, or what the job's actors ask for if that is more."""
    return max(os.cpu_count() or 1, int(needed + 0.999))


@contextmanager
def ray_session(run_dir: str | Path, address: str | None = None, cpus_needed: float = 1.0) -> Iterator[Any]:
    """Yield the `ray` module, connected. Leaves an already initialised Ray as it is (and running)."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports leave the machine
    if address is not None:
        ray.init(address=address, log_to_driver=False)
    else:
        temp_dir = local_temp_dir(run_dir)
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        (Path(run_dir) / "ray_temp_dir").write_text(f"{temp_dir}\n")
        ray.init(
            num_cpus=local_cpus(cpus_needed),
            include_dashboard=False,
            _temp_dir=str(temp_dir),
            log_to_driver=False,
        )
    try:
        yield ray
    finally:
        ray.shutdown()
