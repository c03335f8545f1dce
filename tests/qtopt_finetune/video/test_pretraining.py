"""Video pretraining: frames only are read, the forward model learns the unit sequence, and its trunk
starts a Q-network that loads like any checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from qtopt_finetune.grasp_log import schema
from qtopt_finetune.learner import Learner
from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.video import (
    FRAME_COLUMNS,
    VideoPretrainConfig,
    pretrain_tower,
    read_clips,
    save_tower_init,
)
from qtopt_finetune.video import frames as frames_module
from tests.qtopt_finetune.grasp_log.helpers import write_log

NET = QNetworkConfig(
    image_size=32, tower_channels=(8, 8), merge_size=4, head_channels=(8,), dense_widths=(16,)
)


def _moving_square_clips(n: int, length: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A bright square moving one step right or down per frame: the next frame follows from the past."""
    clips = []
    for _ in range(n):
        frames = np.zeros((length, 32, 32, 3), np.uint8)
        x, y = rng.integers(0, 8, 2)
        dx, dy = (4, 0) if rng.random() < 0.5 else (0, 4)
        for t in range(length):
            frames[t, y + dy * t : y + dy * t + 6, x + dx * t : x + dx * t + 6] = 255
        clips.append(frames)
    return clips


def test_forward_model_loss_falls_well_below_chance() -> None:
    clips = _moving_square_clips(24, 5, np.random.default_rng(0))
    config = VideoPretrainConfig(
        units=4, assignment="plain", steps=150, batch_clips=8, window=5, progress=False
    )
    result = pretrain_tower(clips, NET, config)
    summary = result.summary()
    assert summary["final_loss"] < 0.6 * summary["first_loss"], summary
    assert summary["final_loss"] < 0.7 * result.chance_loss


def test_clips_are_read_from_the_image_column_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_log(tmp_path / "log", 3, length_of=lambda e: 5)
    asked: list[list[str]] = []
    real_read = pq.read_table

    def spy(path: object, columns: list[str] | None = None, **kwargs: object) -> object:
        asked.append(list(columns) if columns is not None else ["<every column>"])
        return real_read(path, columns=columns, **kwargs)

    monkeypatch.setattr(frames_module.pq, "read_table", spy)
    clips = read_clips(tmp_path / "log")
    assert len(clips) == 3 and all(c.shape == (5, 16, 16, 3) for c in clips)
    assert asked and all(set(cols) <= set(FRAME_COLUMNS) for cols in asked), asked
    assert not {schema.ACTION, schema.REWARD, schema.DONE, schema.STATE} & set(FRAME_COLUMNS)


def test_the_pretrained_trunk_starts_a_q_network(tmp_path: Path) -> None:
    clips = _moving_square_clips(6, 4, np.random.default_rng(1))
    config = VideoPretrainConfig(units=3, steps=3, batch_clips=2, progress=False)
    result = pretrain_tower(clips, NET, config)
    path = save_tower_init(result, tmp_path / "video_init", config, {"clips": len(clips)})
    learner = Learner.init_from(path)  # a child fine-tuned from it, as an adaptation would start
    for name, weight in result.model.tower.state_dict().items():
        torch.testing.assert_close(learner.network.tower.state_dict()[name], weight, rtol=0, atol=0)
    policy = CEMPolicy.from_checkpoint(path)
    assert policy.act_batch(clips[0][:1], np.zeros((1, 2), np.float32)).shape == (1, 6)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="units"):
        VideoPretrainConfig(units=1)
    with pytest.raises(ValueError, match="32px"):
        pretrain_tower([np.zeros((3, 16, 16, 3), np.uint8)], NET, VideoPretrainConfig(progress=False))
