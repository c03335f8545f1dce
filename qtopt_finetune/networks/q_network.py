"""QT-Opt's Q-function Q(image, state, action) -> P(grasp success), with the image tower split out for CEM."""

from __future__ import annotations

import torch
from torch import nn

from qtopt_finetune.networks.action_state_merge import ActionStateMerge
from qtopt_finetune.networks.config import QNetworkConfig
from qtopt_finetune.networks.image_tower import ImageTower
from qtopt_finetune.networks.q_head import QHead


class QNetwork(nn.Module):
    """tower (image -> features) / merge (+ action, state) / head (-> logit). Q = sigmoid(logit).

    For CEM: `features = net.encode_image(images)` once per state, then
    `net.q_from_features(features, state, actions)` for each batch of N candidate actions.
    """

    def __init__(self, config: QNetworkConfig | None = None) -> None:
        super().__init__()
        self.config = config or QNetworkConfig()
        self.tower = ImageTower(self.config)
        self.merge = ActionStateMerge(self.config, self.tower.out_channels)
        self.head = QHead(self.config, self.tower.out_channels)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) floats in [0, 1] -> (B, C, s, s) image features."""
        return self.tower(images)

    def q_from_features(
        self, features: torch.Tensor, state: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        """features (B, C, s, s), state (B, config.state_inputs), actions (B, N, ACTION_DIM) -> logits
        (B, N)."""
        b, n = actions.shape[:2]
        return self.head(self.merge(features, state, actions)).reshape(b, n)

    def forward(self, images: torch.Tensor, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """One action per state: images (B, 3, H, W), state (B, config.state_inputs), action (B, 6) ->
        logits (B,)."""
        return self.q_from_features(self.encode_image(images), state, action[:, None, :])[:, 0]

    def q_values(self, images: torch.Tensor, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """P(grasp success), (B,)."""
        return torch.sigmoid(self(images, state, action))
