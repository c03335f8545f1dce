"""Small building blocks shared by the tower and the head."""

from __future__ import annotations

from torch import nn


def conv_block(
    in_channels: int, out_channels: int, kernel: int, stride: int, norm_groups: int
) -> nn.Sequential:
    """Conv -> GroupNorm (if norm_groups) -> ReLU. Padding keeps the size for stride 1 ("same")."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel, stride, padding=(kernel - 1) // 2)
    ]
    if norm_groups:
        layers.append(nn.GroupNorm(norm_groups, out_channels))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)
