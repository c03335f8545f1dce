"""TransitionBatch (numpy) -> tensors on a device, images as (B, 3, H, W) floats in [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from qtopt_finetune.batch import TransitionBatch


def images_to_tensor(images: np.ndarray | torch.Tensor, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 (B, H, W, 3) -> float32 (B, 3, H, W) in [0, 1] on `device` (moved as uint8, converted there)."""
    t = torch.as_tensor(images)
    if t.dtype != torch.uint8 or t.ndim != 4 or t.shape[-1] != 3:
        raise ValueError(f"images must be uint8 (B, H, W, 3), got {t.dtype} {tuple(t.shape)}")
    return t.to(device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255.0)


@dataclass
class TorchTransitionBatch:
    image: torch.Tensor  # float (B, 3, H, W) in [0, 1]
    state: torch.Tensor  # (B, STATE_DIM), with the variation input appended when the batch has one
    action: torch.Tensor  # (B, ACTION_DIM)
    reward: torch.Tensor  # (B,)
    next_image: torch.Tensor  # float (B, 3, H, W) in [0, 1]
    next_state: torch.Tensor  # (B, STATE_DIM) (+ 1, as state)
    done: torch.Tensor  # (B,)

    def __len__(self) -> int:
        return int(self.reward.shape[0])

    @staticmethod
    def from_numpy(batch: TransitionBatch, device: torch.device | str = "cpu") -> TorchTransitionBatch:
        batch.validate()

        def vec(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(a, dtype=torch.float32).to(device)

        state, next_state = vec(batch.state), vec(batch.next_state)
        if batch.variation is not None:  # the same transition's variation input, before and after the step
            flag = vec(batch.variation)[:, None]
            state, next_state = torch.cat([state, flag], dim=1), torch.cat([next_state, flag], dim=1)
        return TorchTransitionBatch(
            image=images_to_tensor(batch.image, device),
            state=state,
            action=vec(batch.action),
            reward=vec(batch.reward),
            next_image=images_to_tensor(batch.next_image, device),
            next_state=next_state,
            done=vec(batch.done),
        )
