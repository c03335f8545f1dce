import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from qtopt_finetune.checkpoint import CheckpointError
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.policy import CEMPolicy, ExplorationConfig
from qtopt_finetune.spaces import Observation
from tests.qtopt_finetune.helpers import TINY, tiny_batch


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    learner = Learner(TINY, LearnerConfig(progress=False, tensorboard=False))
    return learner.save_checkpoint(tmp_path_factory.mktemp("policy") / "ck")


def _observation(seed: int = 0) -> Observation:
    batch = tiny_batch(seed, batch_size=1)
    return Observation(batch.image[0], gripper_closed=False, gripper_height=0.2)


def test_act_returns_a_valid_action_reproducibly(checkpoint: Path) -> None:
    policy = CEMPolicy.from_checkpoint(checkpoint)
    policy.reset(seed=5)
    first = policy.act(_observation())
    assert first.shape == (6,) and first.dtype == np.float32
    assert np.all(np.abs(first[:4]) <= 1.0) and set(first[4:].tolist()) <= {0.0, 1.0}
    policy.reset(seed=5)
    assert np.array_equal(policy.act(_observation()), first)


def test_image_features_are_computed_once_per_state(checkpoint: Path) -> None:
    policy = CEMPolicy.from_checkpoint(checkpoint)
    tower_inputs: list[int] = []
    head_inputs: list[int] = []
    policy.network.tower.register_forward_hook(lambda m, args, out: tower_inputs.append(args[0].shape[0]))
    policy.network.head.register_forward_hook(lambda m, args, out: head_inputs.append(args[0].shape[0]))
    policy.act(_observation())
    assert tower_inputs == [1]
    assert head_inputs == [64, 64]  # 2 CEM iterations x 64 samples, all on the one set of features
    tower_inputs.clear()
    batch = tiny_batch(1, batch_size=3)
    actions = policy.act_batch(batch.image, batch.state)
    assert actions.shape == (3, 6) and tower_inputs == [3]


def test_a_tampered_checkpoint_is_refused(checkpoint: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in checkpoint.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"model\.safetensors"):
        CEMPolicy.from_checkpoint(copy)


def test_exploration_epsilon_and_gaussian_noise(checkpoint: Path) -> None:
    greedy = CEMPolicy.from_checkpoint(checkpoint)
    random = CEMPolicy.from_checkpoint(checkpoint, exploration=1.0, seed=0)  # float = epsilon
    noisy = CEMPolicy.from_checkpoint(checkpoint, exploration=ExplorationConfig(gaussian_std=0.3))
    batch = tiny_batch(2, batch_size=16)
    for p in (greedy, noisy):
        p.reset(seed=0)
    a_greedy, a_noisy = greedy.act_batch(batch.image, batch.state), noisy.act_batch(batch.image, batch.state)
    assert np.array_equal(a_greedy[:, 4:], a_noisy[:, 4:])
    assert not np.allclose(a_greedy[:, :4], a_noisy[:, :4]) and np.all(np.abs(a_noisy[:, :4]) <= 1.0)
    a_random = random.act_batch(batch.image, batch.state)
    assert not np.allclose(a_random, a_greedy) and set(a_random[:, 4:].ravel().tolist()) <= {0.0, 1.0}


def test_acts_under_inference_mode_and_checks_the_image_size(checkpoint: Path) -> None:
    policy = CEMPolicy.from_checkpoint(checkpoint)
    modes: list[bool] = []
    policy.network.head.register_forward_hook(lambda m, a, o: modes.append(torch.is_inference_mode_enabled()))
    policy.act(_observation())
    assert modes and all(modes)
    with pytest.raises(ValueError, match="32x32"):
        policy.act(Observation(np.zeros((64, 64, 3), np.uint8), False, 0.1))


def test_a_close_in_place_policy_never_moves_while_closing(tmp_path: Path) -> None:
    config = dataclasses.replace(TINY, close_in_place=True)
    path = Learner(config, LearnerConfig(progress=False, tensorboard=False)).save_checkpoint(tmp_path / "ck")
    policy = CEMPolicy.from_checkpoint(path, exploration=ExplorationConfig(epsilon=0.5, gaussian_std=0.3))
    assert policy.network.config.close_in_place
    batch = tiny_batch(3, batch_size=64)
    policy.reset(seed=0)
    actions = policy.act_batch(batch.image, batch.state)
    closes, moves = actions[:, 4] > 0.5, actions[:, 4] <= 0.5
    assert closes.any() and moves.any()  # random actions make both
    assert np.all(actions[closes, :4] == 0.0)
    assert np.any(actions[moves, :4] != 0.0)
