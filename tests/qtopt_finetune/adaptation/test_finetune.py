"""A child is fine-tuned with its parent's learner settings (targets, penalty), not the library defaults."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.adaptation.finetune import child_learner_config
from qtopt_finetune.bellman import BellmanConfig
from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.pretrain import PretrainJob, pretrain
from tests.qtopt_finetune.test_pretrain import write_blob_log

QUIET = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)


def tiny_parent(log: Path, out: Path, steps: int = 1, learner: LearnerConfig = QUIET) -> Path:
    """A parent checkpoint at `out`, pretrained `steps` steps on `log` (its run folder beside it)."""
    job = PretrainJob(
        [str(log)], steps, str(out), str(out.with_name(out.name + "_run")), batch_size=8, learner=learner
    )
    return pretrain(job)


def test_the_child_trains_with_the_parents_targets_and_its_own_lr(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "log", 40)
    parent_learner = LearnerConfig(
        lr=3e-4,
        tau=0.01,
        bellman=BellmanConfig(gamma=0.8, step_penalty=-0.05),
        checkpoint_every=0,
        progress=False,
        tensorboard=False,
    )
    parent = tiny_parent(tmp_path / "log", tmp_path / "parent", steps=2, learner=parent_learner)
    config = AdaptationConfig(steps=2, lr=5e-5, seed=7, batch_size=8)
    child = finetune_child(parent, None, tmp_path / "log", config, tmp_path / "child", tmp_path / "crun")

    recorded = LearnerConfig.from_dict(read_manifest(child)["config"]["learner"])
    assert recorded.bellman == parent_learner.bellman  # step penalty and discount as the parent's
    assert recorded.tau == 0.01
    assert (recorded.lr, recorded.seed) == (5e-5, 7)  # the adaptation's own


def test_learner_overrides_change_only_the_named_settings_of_the_child(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "log", 20)
    parent_learner = replace(QUIET, bellman=BellmanConfig(step_penalty=-0.05))
    parent = tiny_parent(tmp_path / "log", tmp_path / "parent", learner=parent_learner)
    config = AdaptationConfig(steps=1, batch_size=8, learner_overrides=(("augment.crop_padding", 8),))
    child = finetune_child(parent, None, tmp_path / "log", config, tmp_path / "child", tmp_path / "crun")
    recorded = LearnerConfig.from_dict(read_manifest(child)["config"]["learner"])
    assert recorded.augment.crop_padding == 8
    assert recorded.augment.brightness == parent_learner.augment.brightness
    assert recorded.bellman == parent_learner.bellman
    # a config read back from JSON (a manifest) is the same config
    assert AdaptationConfig(**json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ValueError, match="set by the adaptation itself"):
        AdaptationConfig(learner_overrides=(("lr", 1e-3),))
    with pytest.raises(ValueError, match="no such setting"):
        AdaptationConfig(learner_overrides=(("augment.padding", 8),))


def test_a_parent_without_learner_settings_gets_the_defaults(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "log", 20)
    parent = tiny_parent(tmp_path / "log", tmp_path / "parent")
    manifest_path = parent / "manifest.json"

    manifest = json.loads(manifest_path.read_text())
    del manifest["config"]["learner"]
    manifest_path.write_text(json.dumps(manifest))
    config = AdaptationConfig(steps=4, lr=2e-5)
    assert child_learner_config(parent, config) == replace(
        LearnerConfig(), lr=2e-5, seed=0, checkpoint_every=1
    )


def test_several_base_logs_share_the_base_weight_evenly(tmp_path: Path) -> None:
    for name in ("scripted", "online", "target"):
        write_blob_log(tmp_path / name, 20)
    parent = tiny_parent(tmp_path / "scripted", tmp_path / "parent")
    config = AdaptationConfig(steps=1, batch_size=8, base_weight=0.5)
    one = finetune_child(
        parent, tmp_path / "scripted", tmp_path / "target", config, tmp_path / "one", tmp_path / "r1"
    )
    two = finetune_child(
        parent,
        [tmp_path / "scripted", str(tmp_path / "online")],
        tmp_path / "target",
        config,
        tmp_path / "two",
        tmp_path / "r2",
    )

    def mix(child: Path) -> list[tuple[str, float]]:
        return [
            (Path(log["path"]).name, log["weight"]) for log in read_manifest(child)["data_manifest"]["logs"]
        ]

    assert mix(one) == [("scripted", 0.5), ("target", 0.5)]
    assert mix(two) == [("scripted", 0.25), ("online", 0.25), ("target", 0.5)]
