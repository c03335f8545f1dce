from pathlib import Path

import pytest

from qtopt_finetune.cem import CEMConfig
from qtopt_finetune.learner import Learner
from qtopt_finetune.policy import CEMPolicy
from robot_drivers.policies.factory import make_policy
from robot_drivers.sim import GraspWorld


def test_a_checkpoint_policy_searches_with_the_cem_it_is_given(tmp_path: Path) -> None:
    full = Learner().save_checkpoint(tmp_path / "full")
    wide = CEMConfig(iterations=3, samples=256, elites=16)
    with GraspWorld() as world:
        policy = make_policy(str(full), world, seed=0, cem=wide)
        assert isinstance(policy, CEMPolicy) and policy.cem == wide
        default = make_policy(str(full), world, seed=0)
        assert isinstance(default, CEMPolicy) and default.cem == CEMConfig()
        with pytest.raises(ValueError, match="'scripted' does not search its actions with CEM"):
            make_policy("scripted", world, seed=0, cem=wide)
