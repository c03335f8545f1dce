"""A child is fine-tuned with its parent's learner settings (targets, penalty), not the library defaults."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.adaptation.finetune import child_learner_config
from qtopt_finetune.bellman import BellmanConfig
from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.pretrain import PretrainJob, pretrain
from qtopt_finetune.spaces import Observation
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


def test_a_child_with_the_variation_input_records_its_variation_and_passes_it_on(tmp_path: Path) -> None:
    write_blob_log(tmp_path / "base", 20)
    write_blob_log(tmp_path / "target", 20, seed=1, variation="mirrored")
    parent = tiny_parent(tmp_path / "base", tmp_path / "parent")
    config = AdaptationConfig(steps=2, batch_size=8, variation_input=True)
    child = finetune_child(
        parent, tmp_path / "base", tmp_path / "target", config, tmp_path / "child", tmp_path / "crun"
    )
    manifest = read_manifest(child)
    assert manifest["config"]["network"]["variation_input"] is True
    assert manifest["data_manifest"]["variation_input"] == {"variations": ["mirrored"]}
    on_it, elsewhere = (CEMPolicy.from_checkpoint(child, variation=v) for v in ("mirrored", "base"))
    assert (on_it.variation_input, elsewhere.variation_input) == (1.0, 0.0)
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    assert on_it.act(Observation(image, False, 0.1)).shape == (6,)
    # a continual grandchild keeps the input without being asked, now for its own variation
    write_blob_log(tmp_path / "next", 20, seed=2, variation="next")
    grandchild = finetune_child(
        child,
        tmp_path / "base",
        tmp_path / "next",
        replace(config, variation_input=False),
        tmp_path / "grandchild",
        tmp_path / "grun",
    )
    assert read_manifest(grandchild)["data_manifest"]["variation_input"] == {"variations": ["next"]}
    with pytest.raises(ValueError, match="needs a base log"):
        finetune_child(child, None, tmp_path / "next", config, tmp_path / "alone", tmp_path / "arun")
    with pytest.raises(ValueError, match="variation_input"):
        AdaptationConfig(mode="adapters", variation_input=True)
