"""A grasping policy: CEM over a checkpoint's Q-network, with optional exploration noise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from qtopt_finetune.adapters.loading import load_q_network
from qtopt_finetune.cem import CEMConfig, cem_maximize
from qtopt_finetune.networks import QNetwork
from qtopt_finetune.networks.action_state_merge import CLOSE_INDEX
from qtopt_finetune.spaces import ACTION_DIM, CONTINUOUS_DIM, STATE_DIM, Observation
from qtopt_finetune.torch_batch import images_to_tensor
from qtopt_finetune.variation_input import input_for


@dataclass(frozen=True)
class ExplorationConfig:
    """epsilon: probability of a uniformly random action (continuous uniform in [-1, 1], binaries fair
    coins); gaussian_std: noise added to the continuous part of CEM's action (then clipped)."""

    epsilon: float = 0.0
    gaussian_std: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.epsilon <= 1.0 or self.gaussian_std < 0.0:
            raise ValueError(f"need 0 <= epsilon <= 1 and gaussian_std >= 0, got {self}")


class CEMPolicy:
    """act(observation) -> action (6,) float32: argmax_a Q(image, state, a) by CEM, plus exploration."""

    def __init__(
        self,
        network: QNetwork,
        cem: CEMConfig | None = None,
        exploration: ExplorationConfig | None = None,
        device: str | torch.device = "cpu",
        checkpoint_id: str | None = None,
        variation_input: float = 1.0,
    ) -> None:
        self.device = torch.device(device)
        # what a network with a variation input is told (qtopt_finetune/variation_input.py): 1.0 on the
        # variation it was adapted to, 0.0 elsewhere; a network without one ignores it
        self.variation_input = variation_input
        self.network = network.to(self.device).eval()
        self.cem = cem or CEMConfig()
        self.exploration = exploration or ExplorationConfig()
        self.checkpoint_id = checkpoint_id
        self.image_size = network.config.image_size
        self._generator = torch.Generator(device=self.device)
        self._rng = np.random.default_rng()
        self.reset()

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        device: str | torch.device = "cpu",
        exploration: ExplorationConfig | float | None = None,
        cem: CEMConfig | None = None,
        seed: int | None = None,
        parent: str | Path | None = None,
        variation: str | None = None,
    ) -> CEMPolicy:
        """Load the checkpoint's model (its sha256 checked; a bad hash raises CheckpointError).

        `exploration` may be a float: epsilon of the epsilon-random action. `seed` seeds the first episode.
        An adapter checkpoint is loaded on its parent: `parent` if given, else the path its manifest records
        (a parent whose id or weights hash differs from the recorded one is refused). `variation`: where
        the policy acts, for a network with a variation input (1.0 on a variation it was adapted to, else
        0.0); without it, 1.0 (a child acts on the robot it was adapted to).
        """
        if isinstance(exploration, int | float):
            exploration = ExplorationConfig(epsilon=float(exploration))
        network, ckpt = load_q_network(path, parent)
        flag = 1.0 if variation is None else input_for(ckpt.manifest.get("data_manifest") or {}, variation)
        policy = cls(network, cem, exploration, device, checkpoint_id=ckpt.id, variation_input=flag)
        policy.reset(seed)
        return policy

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; a seed makes CEM sampling and exploration reproducible."""
        if seed is None:
            self._generator.seed()
            self._rng = np.random.default_rng()
        else:
            self._generator.manual_seed(seed)
            self._rng = np.random.default_rng(seed)

    def act(self, observation: Observation) -> np.ndarray:
        return self.act_batch(observation.image[None], observation.state[None])[0]

    def act_batch(self, images: np.ndarray, states: np.ndarray) -> np.ndarray:
        """images uint8 (B, H, W, 3), states (B, STATE_DIM) -> actions float32 (B, ACTION_DIM)."""
        if images.shape[1:3] != (self.image_size, self.image_size):
            raise ValueError(
                f"policy expects {self.image_size}x{self.image_size} images, got {images.shape[1:3]}"
            )
        if states.shape != (images.shape[0], STATE_DIM):
            raise ValueError(f"states must be ({images.shape[0]}, {STATE_DIM}), got {states.shape}")
        with torch.inference_mode():
            image_t = images_to_tensor(images, self.device)
            state_t = self._network_state(states)
            features = self.network.encode_image(image_t)

            def score(actions: torch.Tensor) -> torch.Tensor:
                return self.network.q_from_features(features, state_t, actions)

            best = cem_maximize(
                score, images.shape[0], self.cem, generator=self._generator, device=self.device
            )
            actions = best.action.cpu().numpy().astype(np.float32)
        actions = self._explore(actions)
        if self.network.config.close_in_place:  # the robot closes where the gripper is, as Q assumed
            actions[actions[:, CLOSE_INDEX] > 0.5, :CONTINUOUS_DIM] = 0.0
        return actions

    def q_values(self, image: np.ndarray, state: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """P(success) the network gives each of `actions` (N, ACTION_DIM) at one observation (image uint8
        (H, W, 3), state (STATE_DIM,)): no search, no exploration."""
        with torch.inference_mode():
            features = self.network.encode_image(images_to_tensor(image[None], self.device))
            s = self._network_state(state[None])
            a = torch.as_tensor(actions[None], dtype=torch.float32, device=self.device)
            return torch.sigmoid(self.network.q_from_features(features, s, a))[0].cpu().numpy()

    def _network_state(self, states: np.ndarray) -> torch.Tensor:
        """(B, STATE_DIM) robot states -> what the network takes: with its variation input appended."""
        t = torch.as_tensor(states, dtype=torch.float32, device=self.device)
        if not self.network.config.variation_input:
            return t
        return torch.cat([t, torch.full_like(t[:, :1], self.variation_input)], dim=1)

    def _explore(self, actions: np.ndarray) -> np.ndarray:
        b = actions.shape[0]
        if self.exploration.gaussian_std > 0:
            noise = self._rng.normal(0.0, self.exploration.gaussian_std, (b, CONTINUOUS_DIM))
            actions[:, :CONTINUOUS_DIM] = np.clip(actions[:, :CONTINUOUS_DIM] + noise, -1.0, 1.0)
        if self.exploration.epsilon > 0:
            random_rows = np.asarray(self._rng.random(size=b)) < self.exploration.epsilon
            n = int(random_rows.sum())
            if n:
                random_actions = np.concatenate(
                    [
                        self._rng.uniform(-1, 1, (n, CONTINUOUS_DIM)),
                        self._rng.integers(0, 2, (n, ACTION_DIM - CONTINUOUS_DIM)),
                    ],
                    axis=1,
                )
                actions[random_rows] = random_actions
        return actions.astype(np.float32)
