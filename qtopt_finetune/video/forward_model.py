"""A forward model over hidden units: from the frames seen so far, predict the next frame's unit.

Its trunk is the Q-network's own image tower (same class, same configuration), so the trained trunk drops
into a Q-network unchanged. Frames -> tower -> coarse pooled layout -> dense -> GRU over time -> logits
over units.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.networks.image_tower import ImageTower
from qtopt_finetune.video.embeddings import EMBED_GRID, pooled


class UnitForwardModel(nn.Module):
    def __init__(self, network: QNetworkConfig, units: int, hidden: int = 128) -> None:
        super().__init__()
        if units < 2:
            raise ValueError(f"units must be >= 2, got {units}")
        self.network_config, self.units = network, units
        self.tower = ImageTower(network)
        self.embed = nn.Linear(self.tower.out_channels * EMBED_GRID**2, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, units)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """frames (B, T, 3, H, W) floats in [0, 1] -> logits (B, T, units); position t predicts unit t+1."""
        b, t = frames.shape[:2]
        features = pooled(self.tower(frames.reshape(b * t, *frames.shape[2:])))
        hidden, _ = self.rnn(F.relu(self.embed(features)).reshape(b, t, -1))
        logits: torch.Tensor = self.head(hidden)
        return logits

    def loss(self, frames: torch.Tensor, units: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the next unit. units (B, T) int64; mask (B, T) bool: real (not padded) frames."""
        logits = self(frames)[:, :-1]
        target, valid = units[:, 1:], mask[:, 1:] & mask[:, :-1]
        if not bool(valid.any()):
            raise ValueError("every clip in the batch is shorter than 2 frames: nothing to predict")
        return F.cross_entropy(logits[valid], target[valid])
