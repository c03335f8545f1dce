"""The image tower: pixels -> a spatial feature map, computed once per state."""

from __future__ import annotations

import itertools

import torch
from torch import nn

from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.networks.layers import conv_block


class ImageTower(nn.Module):
    """(B, 3, H, W) float images in [0, 1] -> (B, C, merge_size, merge_size) features."""

    def __init__(self, config: QNetworkConfig) -> None:
        super().__init__()
        self.image_size = config.image_size
        widths = config.tower_channels
        g = config.norm_groups
        self.stem = conv_block(3, widths[0], kernel=6, stride=2, norm_groups=g)
        self.pool = nn.MaxPool2d(3, stride=config.first_pool_stride, padding=1)
        self.convs = nn.Sequential(
            *(conv_block(a, b, config.tower_kernel, 1, g) for a, b in itertools.pairwise(widths))
        )
        self.to_merge = nn.AdaptiveMaxPool2d(config.merge_size)
        self.out_channels = widths[-1]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3 or images.shape[-2:] != (self.image_size,) * 2:
            raise ValueError(
                f"images must be (B, 3, {self.image_size}, {self.image_size}), got {tuple(images.shape)}"
            )
        x = images * 2.0 - 1.0
        return self.to_merge(self.convs(self.pool(self.stem(x))))
