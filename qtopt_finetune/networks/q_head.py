"""The head: convolutions over the merged map, dense layers, one logit per (state, action)."""

from __future__ import annotations

import itertools

import torch
from torch import nn

from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.networks.layers import conv_block


class QHead(nn.Module):
    """(M, C, s, s) merged features -> (M,) logits of P(grasp success)."""

    def __init__(self, config: QNetworkConfig, in_channels: int) -> None:
        super().__init__()
        widths = (in_channels, *config.head_channels)
        g = config.norm_groups
        # the first conv has stride 2: it halves the map as QT-Opt's conv + pool did, at a quarter of the
        # cost, and this layer runs once per CEM sample
        convs: list[nn.Module] = [conv_block(widths[0], widths[1], 3, 2, g)]
        convs += [conv_block(a, b, 3, 1, g) for a, b in itertools.pairwise(widths[1:])]
        self.convs = nn.Sequential(*convs)
        flat = widths[-1] * (config.merge_size // 2) ** 2
        dense: list[nn.Module] = []
        for a, b in itertools.pairwise((flat, *config.dense_widths)):
            dense += [nn.Linear(a, b), nn.ReLU(inplace=True)]
        self.dense = nn.Sequential(*dense)
        self.logit = nn.Linear(config.dense_widths[-1] if config.dense_widths else flat, 1)

    def forward(self, merged: torch.Tensor) -> torch.Tensor:
        x = self.convs(merged).flatten(1)
        return self.logit(self.dense(x)).squeeze(-1)
