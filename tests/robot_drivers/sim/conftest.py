from collections.abc import Iterator

import pytest

from robot_drivers.sim import GraspWorld, WorldConfig


@pytest.fixture(scope="module")
def world() -> Iterator[GraspWorld]:
    with GraspWorld(WorldConfig()) as w:
        yield w
