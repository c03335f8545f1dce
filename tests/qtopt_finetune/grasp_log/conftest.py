from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(scope="session")
def ray_local() -> Iterator[None]:
    """A one-CPU local Ray; its temp dir is short (unix socket paths must stay under ~100 chars)."""
    ray = pytest.importorskip("ray")
    temp = Path(f"/tmp/qtopt_ray_{os.getpid()}")
    ray.init(num_cpus=1, include_dashboard=False, _temp_dir=str(temp), log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
