"""The merge: action and state embedded, summed, broadcast-added onto every position of the image features."""

from __future__ import annotations

import math

import torch
from torch import nn

from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.spaces import ACTION_DIM, ACTION_NAMES, STATE_DIM

ROTATION_INDEX = 3


def action_features(actions: torch.Tensor, rotation_sincos: bool) -> torch.Tensor:
    """(..., ACTION_DIM) actions -> (..., F) features: the action as given, plus sin/cos(pi * drotation)."""
    if not rotation_sincos:
        return actions
    angle = actions[..., ROTATION_INDEX : ROTATION_INDEX + 1] * math.pi
    return torch.cat([actions, torch.sin(angle), torch.cos(angle)], dim=-1)


class ActionStateMerge(nn.Module):
    """Embeds (state, N candidate actions) to one context vector each and adds it onto the image features.

    The image features (B, C, h, w) are broadcast over the N actions: the tower's work is never repeated.
    """

    def __init__(self, config: QNetworkConfig, channels: int) -> None:
        super().__init__()
        self.rotation_sincos = config.rotation_sincos
        n_action_features = ACTION_DIM + (2 if config.rotation_sincos else 0)
        self.action_dense = nn.Linear(n_action_features, channels)
        self.state_dense = nn.Linear(STATE_DIM, channels)
        self.state_scale: torch.Tensor
        scale = torch.tensor(config.state_scale, dtype=torch.float32)
        self.register_buffer("state_scale", scale, persistent=False)
        self.action_mask: torch.Tensor
        mask = torch.tensor([0.0 if n in config.ignored_actions else 1.0 for n in ACTION_NAMES])
        self.register_buffer("action_mask", mask, persistent=False)

    def context(self, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """state (B, STATE_DIM), actions (B, N, ACTION_DIM) -> (B, N, C)."""
        if actions.ndim != 3 or actions.shape[-1] != ACTION_DIM or actions.shape[0] != state.shape[0]:
            raise ValueError(
                f"actions must be (B, N, {ACTION_DIM}) with B={state.shape[0]}, got {tuple(actions.shape)}"
            )
        seen = actions * self.action_mask  # ignored entries are zero, whatever CEM or the log put there
        embedded_actions = self.action_dense(action_features(seen, self.rotation_sincos))
        return embedded_actions + self.state_dense(state * self.state_scale)[:, None, :]

    def forward(self, features: torch.Tensor, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """features (B, C, h, w) -> merged (B * N, C, h, w)."""
        ctx = self.context(state, actions)
        b, n, c = ctx.shape
        merged = torch.relu(features[:, None] + ctx[..., None, None])
        return merged.reshape(b * n, c, features.shape[-2], features.shape[-1])
