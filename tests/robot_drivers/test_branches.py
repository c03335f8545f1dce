"""Branch grasps: from a low state, other grasps tried for real in the sim, each its own logged episode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.spaces import Observation
from robot_drivers.branches import BRANCH_SUFFIX, CLOSE_IN_PLACE, BranchConfig, Brancher
from robot_drivers.policies.factory import make_policy
from robot_drivers.policies.scripted import ScriptedOptions
from robot_drivers.runner import CollectJob, collect
from robot_drivers.sim.config import WorldConfig
from robot_drivers.sim.world import GraspWorld


def _low_state(world: GraspWorld, seed: int) -> Observation:
    """Run the noiseless scripted grasper (never closing) until the gripper is below 12 cm."""
    policy = make_policy("scripted", world, seed=seed, scripted=ScriptedOptions(noise=0.0))
    obs, _ = world.reset(seed=seed)
    policy.reset(seed=seed)
    while obs.gripper_height >= 0.12:
        action = policy.act(obs)
        action[4:] = 0.0
        obs = world.step(action)[0]
    return obs


def test_branches_are_real_two_step_grasps_and_the_world_is_put_back() -> None:
    with GraspWorld(WorldConfig(image_size=32)) as world:
        obs = _low_state(world, seed=3)
        pose, steps_left = world.tool_pose, world.steps_left
        branches = Brancher(BranchConfig(per_state=4), seed=0)(world, obs)
        assert len(branches) == 4
        for b in branches:
            move, close = b.steps
            np.testing.assert_array_equal(move.image, obs.image)  # tried from this very state
            np.testing.assert_array_equal(move.state, obs.state)
            assert move.action[2] == -1.0 and move.action[4:].tolist() == [0.0, 0.0] and not move.done
            np.testing.assert_array_equal(close.action, CLOSE_IN_PLACE)
            assert close.done and close.reward == float(b.success)
            assert close.state[1] < obs.gripper_height  # the move went down
        assert len({tuple(b.steps[0].action) for b in branches}) == 4  # four different grasps
        # put back: the episode goes on from where it was
        np.testing.assert_array_equal(world.render(), obs.image)
        np.testing.assert_allclose(world.tool_pose[0], pose[0])
        assert world.steps_left == steps_left
        # and the outcomes are the world's: the same grasp from the same state ends the same way
        snapshot = world.snapshot()
        for b in branches:
            world.restore(snapshot)
            world.step(b.steps[0].action)
            assert world.step(CLOSE_IN_PLACE.copy())[4]["success"] == b.success
        world.release(snapshot)


def test_no_branches_from_high_or_closed_states_or_near_the_step_limit() -> None:
    brancher = Brancher(BranchConfig(per_state=2), seed=0)
    with GraspWorld(WorldConfig(image_size=32)) as world:
        obs, _ = world.reset(seed=1)
        assert obs.gripper_height > 0.12 and brancher(world, obs) == []
        obs = _low_state(world, seed=1)
        closed = world.step(np.array([0, 0, 0, 0, 1, 0], np.float32))[0]
        assert closed.gripper_closed and brancher(world, closed) == []
        assert Brancher(BranchConfig(per_state=0), seed=0)(world, obs) == []
    with GraspWorld(WorldConfig(image_size=32, max_steps=4)) as world:
        obs = _low_state(world, seed=1)
        while world.steps_left >= 2:
            obs = world.step(np.zeros(6, np.float32))[0]
        assert brancher(world, obs) == []  # one action left: a branch could not close


def test_bad_branch_settings_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="branches per state"):
        BranchConfig(per_state=-1)
    with pytest.raises(ValueError, match="branch height"):
        BranchConfig(per_state=2, height=0.0)


def test_collection_logs_each_branch_as_its_own_episode(tmp_path: Path) -> None:
    job = CollectJob(
        str(tmp_path / "log"),
        episodes=4,
        scripted=ScriptedOptions(noise=0.0),
        workers=2,
        seed=0,
        image_size=32,
        branches=BranchConfig(per_state=2),
    )
    summary = collect(job, show_progress=False)
    assert (
        summary.episodes == 4 and summary.branches >= 4 * 2
    )  # every scripted episode gets low at least once
    with GraspLogReader(tmp_path / "log") as reader:
        table = reader.episodes().to_pydict()
    branch_rows = [i for i, p in enumerate(table["policy_id"]) if p.endswith(BRANCH_SUFFIX)]
    assert len(table["policy_id"]) == summary.episodes + summary.branches
    assert len(branch_rows) == summary.branches
    assert sum(table["success"][i] for i in branch_rows) == summary.branch_successes
    assert all(table["length"][i] == 2 for i in branch_rows)
    assert {table["policy_id"][i] for i in branch_rows} == {"scripted(noise=0)" + BRANCH_SUFFIX}
    assert summary.transitions == sum(table["length"])
