from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray for a test module (starting Ray costs ~10 s here); always shut down after."""
    ray = pytest.importorskip("ray")
    temp = Path(f"/tmp/qtopt_ray_{os.getpid()}")
    ray.init(num_cpus=4, include_dashboard=False, _temp_dir=str(temp), log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
