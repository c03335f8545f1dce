"""Video pretraining of an image tower: units from an encoder's embeddings, then a forward model trained to
predict them; and a Q-network checkpoint whose tower starts from that model's trunk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.networks.image_tower import ImageTower
from qtopt_finetune.torch_batch import images_to_tensor
from qtopt_finetune.video.codebook import ASSIGNMENTS, Assignment, UnitCodebook
from qtopt_finetune.video.embeddings import frame_embeddings
from qtopt_finetune.video.forward_model import UnitForwardModel


@dataclass(frozen=True)
class VideoPretrainConfig:
    units: int = 64
    assignment: Assignment = "clip_mean"
    steps: int = 2000
    batch_clips: int = 16
    window: int = 6  # frames per training window (clips are cut to it at a random start)
    lr: float = 1e-3
    hidden: int = 128
    seed: int = 0
    temperature: float = 1.0  # stochastic assignment only
    progress: bool = True

    def __post_init__(self) -> None:
        if self.assignment not in ASSIGNMENTS:
            raise ValueError(
                f"VideoPretrainConfig.assignment must be one of {ASSIGNMENTS}, got {self.assignment!r}"
            )
        if self.units < 2 or self.steps < 1 or self.batch_clips < 1 or self.window < 2 or self.lr <= 0:
            raise ValueError(
                f"VideoPretrainConfig: need units >= 2, steps, batch >= 1, window >= 2, lr > 0: {self}"
            )


@dataclass
class VideoPretrainResult:
    model: UnitForwardModel
    codebook: UnitCodebook
    losses: list[float]  # one per step
    chance_loss: float  # log(units): the loss of a uniform guess

    def summary(self) -> dict[str, Any]:
        tail = self.losses[-max(1, len(self.losses) // 10) :]
        head = self.losses[: max(1, len(self.losses) // 10)]
        return {
            "codebook": self.codebook.to_dict(),
            "first_loss": float(np.mean(head)),
            "final_loss": float(np.mean(tail)),
            "chance_loss": self.chance_loss,
            "steps": len(self.losses),
        }


def clip_units(
    encoder: ImageTower, clips: Sequence[np.ndarray], config: VideoPretrainConfig
) -> tuple[UnitCodebook, list[np.ndarray]]:
    """Fit the codebook on the encoder's embeddings of every frame and assign each clip's units."""
    embeddings = [frame_embeddings(encoder, clip) for clip in clips]
    codebook = UnitCodebook.fit(
        embeddings, config.units, config.assignment, config.seed, temperature=config.temperature
    )
    rng = np.random.default_rng(config.seed)
    return codebook, [codebook.assign(e, rng) for e in embeddings]


def _batch(
    clips: Sequence[np.ndarray], units: Sequence[np.ndarray], window: int, size: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    picks = rng.integers(0, len(clips), size)
    t = min(window, max(len(clips[i]) for i in picks))
    h, w = clips[0].shape[1:3]
    frames = np.zeros((size, t, h, w, 3), np.uint8)
    targets = np.zeros((size, t), np.int64)
    mask = np.zeros((size, t), bool)
    for row, i in enumerate(picks):
        n = min(t, len(clips[i]))
        start = int(rng.integers(0, len(clips[i]) - n + 1))
        frames[row, :n], targets[row, :n], mask[row, :n] = (
            clips[i][start : start + n],
            units[i][start : start + n],
            True,
        )
    images = images_to_tensor(frames.reshape(size * t, h, w, 3), torch.device("cpu")).reshape(
        size, t, 3, h, w
    )
    return images, torch.from_numpy(targets), torch.from_numpy(mask)


def pretrain_tower(
    clips: Sequence[np.ndarray],
    network: QNetworkConfig,
    config: VideoPretrainConfig,
    encoder: ImageTower | None = None,
) -> VideoPretrainResult:
    """Units from `encoder` (default: a randomly initialised tower, seeded), then the forward model trained
    on the clips for `config.steps` steps. Clips are uint8 (T, H, W, 3) frames; nothing else is used."""
    if not clips:
        raise ValueError("video pretraining needs at least one clip")
    if clips[0].shape[1:3] != (network.image_size, network.image_size):
        raise ValueError(f"frames are {clips[0].shape[1:3]}, the network takes {network.image_size}px images")
    torch.manual_seed(config.seed)
    if encoder is None:
        encoder = ImageTower(network)
    codebook, units = clip_units(encoder, clips, config)
    model = UnitForwardModel(network, config.units, config.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed + 1)
    losses: list[float] = []
    model.train()
    with tqdm(total=config.steps, desc="video pretraining", disable=not config.progress, leave=False) as bar:
        for _ in range(config.steps):
            frames, targets, mask = _batch(clips, units, config.window, config.batch_clips, rng)
            loss = model.loss(frames, targets, mask)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            bar.update(1)
            if len(losses) % 20 == 0:
                bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    return VideoPretrainResult(model, codebook, losses, float(np.log(config.units)))


def save_tower_init(
    result: VideoPretrainResult, out: str | Path, config: VideoPretrainConfig, data: dict[str, Any]
) -> Path:
    """A Q-network checkpoint whose image tower is the forward model's trunk (the rest freshly initialised,
    seeded); its manifest's data manifest says how the tower was pretrained (frames only)."""
    from qtopt_finetune.learner import Learner
    from qtopt_finetune.learner_config import LearnerConfig
    from qtopt_finetune.target_networks import LaggedTargets

    learner = Learner(
        result.model.network_config,
        LearnerConfig(seed=config.seed, progress=False, tensorboard=False),
        data_manifest={"video_pretraining": {**data, "config": asdict(config), **result.summary()}},
    )
    learner.network.tower.load_state_dict(result.model.tower.state_dict())
    learner.targets = LaggedTargets(learner.network, learner.config.tau, learner.config.target_lag_steps)
    return learner.save_checkpoint(out)
