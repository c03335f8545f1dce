"""A tiny lossless adaptation: a parent that grasps towards the blob, adapters trained on a variation where
grasps succeed only away from it. The adapted policy solves the variation; adapters off, it is the parent."""

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from qtopt_finetune.adapters import AdapterLearner, load_q_network
from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetwork
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.synthetic_batches import blob_batches, blob_images
from tests.qtopt_finetune.helpers import TINY

SIZE = TINY.image_size


@pytest.fixture
def one_thread() -> Iterator[None]:
    # a network this small runs faster on one thread, and far faster on a shared, busy machine
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def mirrored(batches: Iterator[TransitionBatch]) -> Iterator[TransitionBatch]:
    """The variation: a terminal grasp succeeds iff dx points AWAY from the blob."""
    for batch in batches:
        batch.reward[:] = (1.0 - batch.reward) * batch.done
        yield batch


def towards_blob(network: QNetwork) -> float:
    """Share of 200 held-out states where the CEM policy's dx points towards the blob."""
    policy = CEMPolicy(network)
    policy.reset(seed=0)
    rng = np.random.default_rng(123)
    sides = rng.integers(0, 2, 200)
    actions = policy.act_batch(blob_images(sides, SIZE, rng), np.zeros((200, 2), np.float32))
    return float(np.mean((actions[:, 0] > 0) == (sides == 1)))


def test_adapters_learn_a_variation_and_leave_the_parent_intact(tmp_path: Path, one_thread: None) -> None:
    start = time.perf_counter()
    quiet = {"checkpoint_every": 0, "progress": False, "tensorboard": False}
    parent = Learner(TINY, LearnerConfig(lr=3e-3, **quiet))
    parent.train(blob_batches(32, SIZE, seed=0), num_steps=500)
    assert towards_blob(parent.network) >= 0.95  # the base task is solved, the variation failed
    parent_path = parent.save_checkpoint(tmp_path / "parent")

    child = AdapterLearner(parent_path, config=LearnerConfig(lr=3e-3, **quiet))
    child.train(mirrored(blob_batches(32, SIZE, seed=1)), num_steps=200)
    child_path = child.save_checkpoint(tmp_path / "child")
    elapsed = time.perf_counter() - start

    adapted, _ = load_q_network(child_path)
    assert 1.0 - towards_blob(adapted) >= 0.85, f"variation not learnt ({elapsed:.1f} s)"
    adapted.set_adapters_enabled(False)
    assert towards_blob(adapted) == towards_blob(parent.network) >= 0.95  # the parent's policy, unchanged
