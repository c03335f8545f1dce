"""Frame embeddings: an image tower's feature map pooled to a coarse EMBED_GRID x EMBED_GRID layout and
flattened, one vector per frame (a spatial mean would forget where the gripper and the objects are)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from qtopt_finetune.networks.image_tower import ImageTower
from qtopt_finetune.torch_batch import images_to_tensor

EMBED_GRID = 4


def pooled(features: torch.Tensor) -> torch.Tensor:
    """(B, C, s, s) feature maps -> (B, C * EMBED_GRID^2)."""
    return F.adaptive_avg_pool2d(features, EMBED_GRID).flatten(1)


@torch.no_grad()
def frame_embeddings(
    tower: ImageTower, frames: np.ndarray, batch_size: int = 256, device: str | torch.device = "cpu"
) -> np.ndarray:
    """uint8 frames (N, H, W, 3) -> float32 embeddings (N, C * EMBED_GRID^2), C the tower's channels."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be uint8 (N, H, W, 3), got shape {frames.shape}")
    tower = tower.to(device).eval()
    out = []
    for start in range(0, len(frames), batch_size):
        images = images_to_tensor(frames[start : start + batch_size], torch.device(device))
        out.append(pooled(tower(images)).cpu().numpy())
    width = tower.out_channels * EMBED_GRID**2
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, width), np.float32)
