"""The merge: action and state embedded, summed, broadcast-added onto every position of the image features."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.spaces import ACTION_DIM, ACTION_NAMES, CONTINUOUS_DIM, STATE_DIM

ROTATION_INDEX = 3
CLOSE_INDEX = ACTION_NAMES.index("close_gripper")


def closing_in_place(actions: torch.Tensor) -> torch.Tensor:
    """(..., ACTION_DIM) -> the actions with displacement and rotation zeroed where the gripper closes."""
    moving = (actions[..., CLOSE_INDEX : CLOSE_INDEX + 1] <= 0.5).to(actions.dtype)
    return torch.cat([actions[..., :CONTINUOUS_DIM] * moving, actions[..., CONTINUOUS_DIM:]], dim=-1)


def action_features(actions: torch.Tensor, rotation_sincos: bool) -> torch.Tensor:
    """(..., ACTION_DIM) actions -> (..., F) features: the action as given, plus sin/cos(pi * drotation)."""
    if not rotation_sincos:
        return actions
    angle = actions[..., ROTATION_INDEX : ROTATION_INDEX + 1] * math.pi
    return torch.cat([actions, torch.sin(angle), torch.cos(angle)], dim=-1)


class ActionShift(nn.Module):
    """The feature map as seen from where each action takes the gripper: a 1x1 conv of the features, shifted
    by a learned linear map of (dx, dy) to image coordinates. (B, C, h, w), (B, N, ACTION_DIM) ->
    (B * N, C, h, w); places shifted in from outside the map are zero.

    The map starts at zero (no shift, so the branch starts as a plain 1x1 conv of the features) and learns
    the camera's geometry from the grasps; with a fixed camera a displacement is close to one image shift.
    The conv runs once per state and all N shifts come from one `grid_sample` (the N grids stacked along the
    height), so no copy of the features is made per action.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.to_image = nn.Linear(2, 2, bias=False)
        nn.init.zeros_(self.to_image.weight)
        self.mix = nn.Conv2d(channels, channels, 1)

    def forward(self, features: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        b, n = actions.shape[:2]
        c, h, w = features.shape[1:]
        shift = self.to_image(actions[..., :2])  # (B, N, 2) in grid_sample's [-1, 1] units (x, y)
        ys = (torch.arange(h, device=features.device, dtype=features.dtype) * 2 + 1) / h - 1
        xs = (torch.arange(w, device=features.device, dtype=features.dtype) * 2 + 1) / w - 1
        base = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)  # (h, w, 2) as (x, y)
        grid = base[None, None] + shift[:, :, None, None, :]  # (B, N, h, w, 2)
        shifted = F.grid_sample(
            self.mix(features),
            grid.reshape(b, n * h, w, 2),
            mode="bilinear",
            padding_mode="zeros",
            align_corners=False,
        )  # (B, C, N * h, w)
        return shifted.reshape(b, c, n, h, w).transpose(1, 2).reshape(b * n, c, h, w)


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
        self.shift = ActionShift(channels) if config.action_shift else None
        self.close_in_place = config.close_in_place
        self.state_inputs = config.state_inputs
        # the variation input's embedding (QNetworkConfig.variation_input): zero until a child learns it
        self.variation_dense = nn.Linear(1, channels, bias=False) if config.variation_input else None
        if self.variation_dense is not None:
            nn.init.zeros_(self.variation_dense.weight)

    def seen_actions(self, actions: torch.Tensor) -> torch.Tensor:
        """The actions as the network sees them: ignored entries zero, closes in place if configured."""
        seen = actions * self.action_mask  # ignored entries are zero, whatever CEM or the log put there
        return closing_in_place(seen) if self.close_in_place else seen

    def context(self, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """state (B, QNetworkConfig.state_inputs), actions (B, N, ACTION_DIM) -> (B, N, C)."""
        if state.ndim != 2 or state.shape[1] != self.state_inputs:
            has = "with" if self.variation_dense is not None else "without"
            raise ValueError(
                f"state must be (B, {self.state_inputs}) for a network {has} a variation input, "
                f"got {tuple(state.shape)}"
            )
        if actions.ndim != 3 or actions.shape[-1] != ACTION_DIM or actions.shape[0] != state.shape[0]:
            raise ValueError(
                f"actions must be (B, N, {ACTION_DIM}) with B={state.shape[0]}, got {tuple(actions.shape)}"
            )
        seen = self.seen_actions(actions)
        embedded_actions = self.action_dense(action_features(seen, self.rotation_sincos))
        embedded_state = self.state_dense(state[:, :STATE_DIM] * self.state_scale)
        if self.variation_dense is not None:
            embedded_state = embedded_state + self.variation_dense(state[:, STATE_DIM:])
        return embedded_actions + embedded_state[:, None, :]

    def forward(self, features: torch.Tensor, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """features (B, C, h, w) -> merged (B * N, C, h, w)."""
        ctx = self.context(state, actions)
        b, n, c = ctx.shape
        h, w = features.shape[-2:]
        summed = features[:, None] + ctx[..., None, None]  # (B, N, C, h, w)
        if self.shift is not None:
            summed = summed + self.shift(features, self.seen_actions(actions)).reshape(b, n, c, h, w)
        return torch.relu(summed).reshape(b * n, c, h, w)
