"""End to end: a short training on a synthetic stream makes the CEM policy grasp far above chance."""

import time

import numpy as np

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.synthetic_batches import blob_batches, blob_images


def test_policy_learns_to_move_towards_the_bright_blob() -> None:
    # success iff the action's dx sign points to the half of the 64x64 image with the bright blob
    learner = Learner(config=LearnerConfig(lr=3e-4, checkpoint_every=0, progress=False, tensorboard=False))
    start = time.perf_counter()
    # The loss sits on a plateau near log(2) for the first ~300 steps (the random state input, scaled as
    # the default network scales the gripper height, is noise until the image features form).
    learner.train(blob_batches(batch_size=32, size=64, seed=1), num_steps=500)
    elapsed = time.perf_counter() - start
    policy = CEMPolicy(learner.network)
    policy.reset(seed=0)
    rng = np.random.default_rng(123)
    sides = rng.integers(0, 2, 200)
    actions = policy.act_batch(blob_images(sides, 64, rng), np.zeros((200, 2), np.float32))
    accuracy = float(np.mean((actions[:, 0] > 0) == (sides == 1)))
    assert accuracy >= 0.9, f"accuracy {accuracy:.2f} after {elapsed:.1f} s of training (chance: 0.5)"
