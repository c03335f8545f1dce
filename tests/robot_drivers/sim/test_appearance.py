import math

import numpy as np
import pytest

from robot_drivers.runner import CollectJob
from robot_drivers.sim import GraspWorld, WorldConfig
from robot_drivers.sim.appearance import (
    AMBIENT,
    DIFFUSE,
    FIXED_LOOK,
    MAX_LIGHT_TILT,
    random_look,
)
from robot_drivers.sim.scene import harsh_lighting


def test_looks_repeat_per_seed_and_differ_between_seeds() -> None:
    assert random_look(3) == random_look(3)
    looks = {random_look(seed) for seed in range(50)}
    assert len(looks) == 50


def test_looks_stay_clear_of_harsh_lighting_and_never_brighten_the_bin() -> None:
    harsh = harsh_lighting(np.random.default_rng(0))
    for seed in range(500):
        look = random_look(seed)
        light = look.lighting
        x, y, z = light.direction
        assert math.hypot(x, y) / z <= MAX_LIGHT_TILT  # within ~35 degrees of vertical
        assert light.shadow == 0 and harsh.shadow == 1
        assert min(light.color) >= 0.85  # near white; harsh light's blue is 0.5
        assert AMBIENT[0] <= light.ambient <= AMBIENT[1] and DIFFUSE[0] <= light.diffuse <= DIFFUSE[1]
        # TinyRenderer wraps a colour above 1 into coloured speckles: the tint only darkens
        assert max(look.bin_tint) <= 1.0 and min(look.bin_tint) > 0.6


def test_randomized_world_changes_the_look_but_not_the_episode() -> None:
    with (
        GraspWorld(WorldConfig(camera="wrist")) as fixed,
        GraspWorld(WorldConfig(camera="wrist", appearance="randomized")) as randomized,
    ):
        seen = []
        for seed in (5, 6):
            a, info_a = fixed.reset(seed=seed)
            b, info_b = randomized.reset(seed=seed)
            assert info_a["object_ids"] == info_b["object_ids"]
            assert np.allclose(fixed.tool_pose[0], randomized.tool_pose[0])
            for sa, sb in zip(fixed.object_states(), randomized.object_states(), strict=True):
                assert np.allclose(sa.position, sb.position, atol=1e-4)
            assert np.abs(a.image.astype(int) - b.image.astype(int)).mean() > 2.0
            seen.append(b.image)
        assert not np.array_equal(seen[0], seen[1])
        again, _ = randomized.reset(seed=5)  # the same seed, the same look, after another episode
        assert np.abs(again.image.astype(int) - seen[0].astype(int)).mean() < 0.5


def test_fixed_look_is_the_base_look() -> None:
    with GraspWorld(WorldConfig(camera="wrist")) as world:
        world.reset(seed=1)
        assert world._lighting == FIXED_LOOK.lighting


def test_unknown_appearance_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="appearance must be one of fixed, randomized, got 'foggy'"):
        WorldConfig(appearance="foggy")


def test_collect_job_passes_the_appearance_to_its_world() -> None:
    job = CollectJob(None, 1, appearance="randomized", camera="wrist")
    assert job.world_config().appearance == "randomized"
    assert CollectJob(None, 1).world_config().appearance == "fixed"
