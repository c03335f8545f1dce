"""The variation input: a child starts as its parent exactly, learns what differs between its two robots,
and is told 1.0 only on the variation it was adapted to."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from qtopt_finetune.augment import AugmentConfig
from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetwork
from qtopt_finetune.synthetic_batches import blob_batch, blob_images
from qtopt_finetune.torch_batch import TorchTransitionBatch
from qtopt_finetune.variation_input import input_for, load_parent_weights, manifest_entry
from tests.qtopt_finetune.helpers import TINY

QUIET = LearnerConfig(lr=1e-3, checkpoint_every=0, progress=False, tensorboard=False)
PARENT_STEPS, CHILD_STEPS = 300, 900


def _inputs(seed: int, n: int = 6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    images = torch.rand((n, 3, TINY.image_size, TINY.image_size), generator=g)
    return images, torch.rand((n, 2), generator=g), torch.rand((n, 6), generator=g) * 2 - 1


def test_a_child_with_the_input_computes_its_parents_q_exactly_whatever_the_input(tmp_path: Path) -> None:
    parent = Learner(TINY, QUIET)
    parent.train([blob_batch(8, TINY.image_size, np.random.default_rng(i)) for i in range(3)], 3)
    path = parent.save_checkpoint(tmp_path / "parent")
    child = Learner.init_from(path, QUIET, variation_input=True)
    assert child.network_config.variation_input and not parent.network_config.variation_input
    images, state, action = _inputs(0)
    expected = parent.network(images, state, action)
    for flag in (0.0, 1.0, 7.5):
        with_flag = torch.cat([state, torch.full((state.shape[0], 1), flag)], dim=1)
        assert torch.equal(child.network(images, with_flag, action), expected), flag
    # the parent's targets too: Bellman targets start from the parent
    assert torch.equal(child.targets.target1(images, with_flag, action), expected)


def test_the_network_names_a_state_of_the_wrong_width() -> None:
    images, state, action = _inputs(1)
    with pytest.raises(ValueError, match=r"state must be \(B, 3\) for a network with a variation input"):
        QNetwork(replace(TINY, variation_input=True))(images, state, action)
    with pytest.raises(ValueError, match=r"state must be \(B, 2\) for a network without"):
        QNetwork(TINY)(images, torch.cat([state, state[:, :1]], dim=1), action)


def test_parent_weights_that_do_not_fit_are_refused() -> None:
    flagged = QNetwork(replace(TINY, variation_input=True))
    wider = QNetwork(replace(TINY, tower_channels=(8, 8, 8))).state_dict()
    with pytest.raises(ValueError, match="do not fit the child's network"):
        load_parent_weights(flagged, wider)


def test_batches_append_the_input_to_state_and_next_state() -> None:
    batch = blob_batch(4, TINY.image_size, np.random.default_rng(0))
    batch.variation = np.array([1, 0, 1, 0], dtype=np.float32)
    tb = TorchTransitionBatch.from_numpy(batch)
    assert tb.state.shape == tb.next_state.shape == (4, 3)
    assert tb.state[:, 2].tolist() == tb.next_state[:, 2].tolist() == [1, 0, 1, 0]
    assert torch.equal(tb.state[:, :2], torch.as_tensor(batch.state))


def test_the_learner_refuses_batches_that_disagree_with_its_network() -> None:
    batch = blob_batch(4, TINY.image_size, np.random.default_rng(0))
    with pytest.raises(ValueError, match="has a variation input and the batch none"):
        Learner(replace(TINY, variation_input=True), QUIET).train_step(batch)
    batch.variation = np.zeros(4, dtype=np.float32)
    with pytest.raises(ValueError, match="carries a variation input the network does not have"):
        Learner(TINY, QUIET).train_step(batch)


def _two_robots(seed: int, n: int = 32) -> TransitionBatch:
    """Half the base robot's one-step grasps (success iff dx points at the blob), half a robot whose moves are
    mirrored (success iff dx points away): the same image, opposite labels."""
    batch = blob_batch(n, TINY.image_size, np.random.default_rng(seed))
    mirrored = np.arange(n) >= n // 2
    batch.reward = np.where(mirrored, 1.0 - batch.reward, batch.reward).astype(np.float32)
    batch.variation = mirrored.astype(np.float32)
    return batch


def test_with_the_input_a_child_learns_a_robot_that_disagrees_with_its_parents(tmp_path: Path) -> None:
    config = replace(QUIET, augment=AugmentConfig(enabled=False))
    parent = Learner(TINY, config)
    base_robot = [blob_batch(32, TINY.image_size, np.random.default_rng(i)) for i in range(PARENT_STEPS)]
    parent.train(base_robot, PARENT_STEPS)
    child = Learner.init_from(parent.save_checkpoint(tmp_path / "parent"), config, variation_input=True)
    child.train([_two_robots(10_000 + i) for i in range(CHILD_STEPS)], CHILD_STEPS)
    rng = np.random.default_rng(20_000)
    sides = rng.integers(0, 2, 64)
    images = torch.as_tensor(blob_images(sides, TINY.image_size, rng)).permute(0, 3, 1, 2).float() / 255
    toward = torch.zeros((64, 6))
    toward[:, 0] = torch.as_tensor(np.where(sides == 1, 0.8, -0.8), dtype=torch.float32)
    state = torch.full((64, 2), 0.1)
    gain = {}
    with torch.no_grad():
        for flag in (0.0, 1.0):
            s = torch.cat([state, torch.full((64, 1), flag)], dim=1)
            q = child.network.q_values
            gain[flag] = q(images, s, toward) - q(images, s, -toward)
    # on unseen images, the base robot still prefers the move toward the blob, the mirrored one the move away
    assert (gain[0.0] > 0).float().mean() > 0.9, gain[0.0]
    assert (gain[1.0] < 0).float().mean() > 0.9, gain[1.0]


def test_a_policy_is_told_one_only_on_the_variations_the_input_was_one_for() -> None:
    manifest = manifest_entry(["offset_gripper", "offset_gripper"])
    assert manifest == {"variation_input": {"variations": ["offset_gripper"]}}
    assert input_for(manifest, "offset_gripper") == 1.0
    assert input_for(manifest, "base") == 0.0
    assert input_for({}, "offset_gripper") == 0.0


def test_the_inputs_weights_learn_at_their_own_multiple_of_the_learning_rate(tmp_path: Path) -> None:
    parent = Learner(TINY, QUIET).save_checkpoint(tmp_path / "parent")
    config = replace(QUIET, lr=2e-4, lr_decay_steps=4, variation_input_lr_scale=10.0)
    child = Learner.init_from(parent, config, tmp_path / "run", variation_input=True)
    groups = child.optimizer.param_groups
    assert [g["lr"] for g in groups] == [2e-4, 2e-3]
    assert groups[1]["params"] == [child.network.merge.variation_dense.weight]
    child.train([_two_robots(i, n=8) for i in range(2)], 2)
    assert groups[1]["lr"] == pytest.approx(10 * groups[0]["lr"])  # the cosine decay keeps the ratio
    assert groups[0]["lr"] < 2e-4
    resumed = Learner.resume(tmp_path / "run" / "checkpoints" / "step_00000002")
    assert [g["lr"] for g in resumed.optimizer.param_groups] == [g["lr"] for g in groups]
    assert len(Learner(TINY, config).optimizer.param_groups) == 1  # no input, one group
    with pytest.raises(ValueError, match="variation_input_lr_scale"):
        replace(QUIET, variation_input_lr_scale=0.0)
