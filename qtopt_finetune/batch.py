"""The batch contract between the grasp log (which samples) and the learner (which trains)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtopt_finetune.spaces import ACTION_DIM, CONTINUOUS_DIM, STATE_DIM


@dataclass
class TransitionBatch:
    """B transitions (s, a, r, s', done). Images are uint8 RGB; `done` is 1.0 at an episode's last step,
    where `next_image`/`next_state` repeat the last observation and must be masked out by `done`."""

    image: np.ndarray  # uint8 (B, H, W, 3)
    state: np.ndarray  # float32 (B, STATE_DIM)
    action: np.ndarray  # float32 (B, ACTION_DIM)
    reward: np.ndarray  # float32 (B,)
    next_image: np.ndarray  # uint8 (B, H, W, 3)
    next_state: np.ndarray  # float32 (B, STATE_DIM)
    done: np.ndarray  # float32 (B,)
    source: np.ndarray | None = None  # int64 (B,): which log of a mixed sampler each came from
    # float32 (B,): the discounted return of the rest of the logged episode from this step (when asked for)
    mc_return: np.ndarray | None = None
    # float32 (B, 6): each transition's hindsight shortcut (dx, dy, dz, drotation, target, valid), when asked
    # for (see qtopt_finetune.grasp_log.shortcuts)
    shortcut: np.ndarray | None = None
    # float32 (B,): each transition's variation input (QNetworkConfig.variation_input): 1.0 for the target
    # variation's grasps, 0.0 for the base robot's; the learner appends it to state and next_state
    variation: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.reward.shape[0])

    def validate(self) -> None:
        b = len(self)
        checks = {
            "image": (self.image, (b, None, None, 3), np.uint8),
            "next_image": (self.next_image, (b, None, None, 3), np.uint8),
            "state": (self.state, (b, STATE_DIM), np.float32),
            "next_state": (self.next_state, (b, STATE_DIM), np.float32),
            "action": (self.action, (b, ACTION_DIM), np.float32),
            "reward": (self.reward, (b,), np.float32),
            "done": (self.done, (b,), np.float32),
        }
        if self.mc_return is not None:
            checks["mc_return"] = (self.mc_return, (b,), np.float32)
        if self.variation is not None:
            checks["variation"] = (self.variation, (b,), np.float32)
        if self.shortcut is not None:
            checks["shortcut"] = (self.shortcut, (b, CONTINUOUS_DIM + 2), np.float32)
        for name, (array, shape, dtype) in checks.items():
            if array.dtype != dtype:
                raise ValueError(f"TransitionBatch.{name}: dtype {array.dtype}, expected {np.dtype(dtype)}")
            wrong_rank = array.ndim != len(shape)
            if wrong_rank or any(s is not None and s != a for s, a in zip(shape, array.shape, strict=True)):
                raise ValueError(f"TransitionBatch.{name}: shape {array.shape}, expected {shape}")
