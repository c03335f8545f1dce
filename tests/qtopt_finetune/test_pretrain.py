"""The pretraining pipeline end to end: grasp log on disk -> sampler -> learner -> checkpoint -> policy."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter, Step
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.pretrain import PretrainJob, pretrain
from qtopt_finetune.synthetic_batches import blob_batch, blob_images


def write_blob_log(
    root: Path, episodes: int, seed: int = 0, camera: str = "fixed", size: int = 64, variation: str = "base"
) -> None:
    """One-step episodes of the synthetic task: success iff dx points at the bright blob."""
    rng = np.random.default_rng(seed)
    batch = blob_batch(episodes, size, rng, terminal_fraction=1.0)
    with GraspLogWriter(root, image_format="png", episodes_per_shard=200, camera=camera) as writer:
        for i in range(episodes):
            step = Step(batch.image[i], batch.state[i], batch.action[i], float(batch.reward[i]), True)
            meta = EpisodeMeta("sim-0", variation, "random", "sim", 1.7e9 + i, bool(batch.reward[i] > 0))
            writer.add_episode([step], meta)


def job(tmp_path: Path, steps: int, out: str) -> PretrainJob:
    learner = LearnerConfig(lr=3e-4, checkpoint_every=100, progress=False, tensorboard=False)
    return PretrainJob(
        [str(tmp_path / "log")],
        steps,
        str(tmp_path / out),
        str(tmp_path / "run"),
        batch_size=32,
        learner=learner,
    )


def test_a_tiny_pretraining_run_beats_the_random_policy(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "log", 600)
    checkpoint = pretrain(job(tmp_path, 500, "ckpt"))
    manifest = json.loads((checkpoint / "manifest.json").read_text())
    assert manifest["step"] == 500
    assert manifest["data_manifest"]["logs"][0]["episodes"] == 600
    policy = CEMPolicy.from_checkpoint(checkpoint, seed=0)
    rng = np.random.default_rng(7)
    sides = rng.integers(0, 2, 200)
    actions = policy.act_batch(blob_images(sides, 64, rng), np.zeros((200, 2), np.float32))
    accuracy = float(np.mean((actions[:, 0] > 0) == (sides == 1)))
    assert accuracy >= 0.85, f"learned policy picks the right side {accuracy:.2f} of the time (random: 0.5)"


def test_a_resumed_run_goes_on_from_its_last_checkpoint(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "log", 100)
    first = pretrain(job(tmp_path, 200, "first"))
    assert json.loads((first / "manifest.json").read_text())["step"] == 200
    second = pretrain(job(tmp_path, 300, "second"))  # same run folder: resumes at step 200
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    steps = [int(r.split(",")[0]) for r in rows[1:]]
    assert json.loads((second / "manifest.json").read_text())["step"] == 300
    assert steps == sorted(set(steps)) and steps[-1] == 300  # no step trained twice


def test_bad_jobs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        PretrainJob([], 10, "out", "run")
    with pytest.raises(ValueError, match="weights"):
        PretrainJob(["a", "b"], 10, "out", "run", weights=[1.0])


def test_pretraining_with_targets_bounded_by_logged_returns(tmp_path: Path) -> None:
    from dataclasses import replace

    from qtopt_finetune.bellman import BellmanConfig

    write_blob_log(tmp_path / "log", 600)
    bounded = job(tmp_path, 500, "bounded")
    bounded = replace(bounded, learner=replace(bounded.learner, bellman=BellmanConfig(mc_lower_bound=True)))
    checkpoint = pretrain(bounded)
    manifest = json.loads((checkpoint / "manifest.json").read_text())
    assert manifest["config"]["learner"]["bellman"]["mc_lower_bound"] is True
    policy = CEMPolicy.from_checkpoint(checkpoint, seed=0)
    rng = np.random.default_rng(9)
    sides = rng.integers(0, 2, 200)
    actions = policy.act_batch(blob_images(sides, 64, rng), np.zeros((200, 2), np.float32))
    accuracy = float(np.mean((actions[:, 0] > 0) == (sides == 1)))
    assert accuracy >= 0.8, f"bounded policy: right side {accuracy:.2f} of the time (random: 0.5)"


def test_pretraining_with_hindsight_shortcuts_samples_them_from_the_log(tmp_path: Path) -> None:
    from dataclasses import replace

    write_blob_log(tmp_path / "log", 100)
    with_shortcuts = job(tmp_path, 60, "shortcuts")
    with_shortcuts = replace(with_shortcuts, learner=replace(with_shortcuts.learner, shortcut_weight=0.5))
    # the learner refuses batches without shortcuts, so this passes only if the sampler supplied them
    checkpoint = pretrain(with_shortcuts)
    manifest = json.loads((checkpoint / "manifest.json").read_text())
    assert manifest["step"] == 60 and manifest["config"]["learner"]["shortcut_weight"] == 0.5


def test_logs_of_another_camera_or_size_are_refused_before_training(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "log", 20)
    write_blob_log(tmp_path / "wrist", 20, camera="wrist")
    write_blob_log(tmp_path / "big", 20, size=32)
    mixed = replace(job(tmp_path, 10, "mixed"), logs=[str(tmp_path / "log"), str(tmp_path / "wrist")])
    with pytest.raises(ValueError, match=r"different observations.*fixed camera.*wrist camera"):
        pretrain(mixed)
    for log, message in (("wrist", "logs hold 64x64 from the wrist camera"), ("big", "logs hold 32x32")):
        other = replace(job(tmp_path, 10, f"{log}_ckpt"), logs=[str(tmp_path / log)])  # for fixed 64x64
        with pytest.raises(ValueError, match=message):
            pretrain(other)
        assert not Path(other.out).exists()
    # a network for the wrist camera's images trains on them, and says so in its checkpoint
    wrist = replace(
        job(tmp_path, 10, "wrist_ckpt"),
        logs=[str(tmp_path / "wrist")],
        run_dir=str(tmp_path / "wrist_run"),
        network=QNetworkConfig(camera="wrist"),
    )
    manifest = json.loads((pretrain(wrist) / "manifest.json").read_text())
    assert manifest["config"]["network"]["camera"] == "wrist"
