"""The distributed job's parts without Ray: externally labelled steps, registry, config, state, temp dir."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import qtopt_finetune
from qtopt_finetune.augment import AugmentConfig
from qtopt_finetune.distributed import DistributedJobConfig, JobState, read_job_state
from qtopt_finetune.distributed.learner_actor import cpu_weights
from qtopt_finetune.distributed.ray_session import MAX_TEMP_DIR_CHARS, local_temp_dir
from qtopt_finetune.distributed.registry import NO_VERSION, WeightRegistry
from qtopt_finetune.distributed.replay import ReplayShard, shard_reader
from qtopt_finetune.distributed.updater import BellmanTargetLabeller
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from tests.qtopt_finetune.distributed.helpers import write_two_step_log
from tests.qtopt_finetune.helpers import TINY, tiny_batch

NO_AUGMENT = LearnerConfig(
    lr=1e-3,
    target_lag_steps=2,
    checkpoint_every=0,
    progress=False,
    tensorboard=False,
    augment=AugmentConfig(enabled=False),
)


def test_a_step_on_updater_targets_equals_the_learners_own_step() -> None:
    """Same weights, same CEM generator state: the updater's labels train exactly like the learner's own."""
    own, external = Learner(TINY, NO_AUGMENT), Learner(TINY, NO_AUGMENT)
    labeller = BellmanTargetLabeller(TINY, NO_AUGMENT.bellman, seed=NO_AUGMENT.seed * 1000 + 2)  # the cem gen
    for i in range(3):
        batch = tiny_batch(seed=i)
        labeller.load(external.step, cpu_weights(external))
        labelled = labeller.label(batch)
        assert labelled.version == i and labelled.targets.shape == (len(batch),)
        a, b = own.train_step(batch), external.train_step(batch, labelled.targets)
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-6)
    for x, y in zip(own.network.parameters(), external.network.parameters(), strict=True):
        assert torch.allclose(x, y, atol=1e-6)


def test_external_targets_of_the_wrong_shape_are_refused() -> None:
    learner = Learner(TINY, NO_AUGMENT)
    with pytest.raises(ValueError, match="targets"):
        learner.train_step(tiny_batch(), np.zeros(3, np.float32))


def test_an_updater_without_published_weights_refuses_to_label() -> None:
    with pytest.raises(RuntimeError, match="published nothing"):
        BellmanTargetLabeller(TINY, NO_AUGMENT.bellman).label(tiny_batch())


def test_the_registry_hands_out_weights_only_when_the_version_changed() -> None:
    registry = WeightRegistry()
    assert registry.latest() == (NO_VERSION, None)
    weights = cpu_weights(Learner(TINY, NO_AUGMENT))
    registry.publish(10, weights)
    version, got = registry.latest(NO_VERSION)
    assert version == 10 and got is weights
    assert registry.latest(10) == (10, None)
    registry.publish(5, weights)  # a restarted learner resumed at step 5: the latest publication wins
    assert registry.latest(10)[0] == 5
    with pytest.raises(ValueError, match="target2"):
        registry.publish(6, {"model": {}, "target1": {}})


def test_bad_jobs_are_refused_naming_the_field(tmp_path: Path) -> None:
    base = {"logs": ["a"], "steps": 10, "out": "o", "run_dir": "r"}
    for field, value in [("updaters", 0), ("queue_size", 0), ("steps", 0), ("actor_cpus", 0.0)]:
        with pytest.raises(ValueError, match=field):
            DistributedJobConfig(**{**base, field: value})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="weights"):
        DistributedJobConfig(**{**base, "weights": [0.5, 0.5]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="learner_gpus"):
        DistributedJobConfig(**{**base, "learner_gpus": "many"})  # type: ignore[arg-type]
    job = DistributedJobConfig(**base)  # type: ignore[arg-type]
    assert job.mix == [1.0] and job.state_path == Path("r") / "job_state.json"
    assert dataclasses.replace(job, logs=["a", "b"]).mix == [0.5, 0.5]


def test_the_state_file_is_replaced_whole_and_reads_back(tmp_path: Path) -> None:
    state = JobState(phase="training", step=7, steps=20, metrics={"loss": 0.5})
    state.write(tmp_path / "job_state.json")
    state.step = 8
    state.write(tmp_path / "job_state.json")
    assert read_job_state(tmp_path / "job_state.json")["step"] == 8
    assert [p.name for p in tmp_path.iterdir()] == ["job_state.json"]  # no temp files left behind
    assert json.loads((tmp_path / "job_state.json").read_text())["restarts"]["learner"] == 0


def test_rays_temp_dir_is_in_the_run_folder_only_when_its_sockets_fit(tmp_path: Path) -> None:
    assert local_temp_dir("/tmp/r") == Path("/tmp/r/ray")
    long_run = tmp_path / ("x" * 60)
    short = local_temp_dir(long_run)
    assert short == Path(f"/tmp/qtopt_ray_{os.getpid()}") and len(str(short)) <= MAX_TEMP_DIR_CHARS


def test_the_learning_core_imports_no_simulator_and_ray_only_lazily() -> None:
    """Layering: qtopt_finetune never imports robot_drivers or pybullet, and ray only inside functions."""
    package = Path(qtopt_finetune.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = imported_modules(node)
            assert not any(n.split(".")[0] in ("robot_drivers", "services", "pybullet") for n in names), path
        top_level = [n for node in tree.body for n in imported_modules(node)]
        assert "ray" not in {n.split(".")[0] for n in top_level}, f"{path} imports ray at module level"


def imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    return []


def test_replay_shards_split_a_logs_parquet_shards_and_serve_mixed_batches(tmp_path: Path) -> None:
    write_two_step_log(tmp_path / "base", 48, "base", seed=1)  # 3 Parquet shards of 16 episodes
    write_two_step_log(tmp_path / "target", 8, "checkerboard", seed=2)  # 1 Parquet shard
    parts = [shard_reader(str(tmp_path / "base"), k, 2) for k in range(2)]
    assert [r.num_episodes for r in parts] == [32, 16]  # Parquet shards {0, 2} and {1}
    assert shard_reader(str(tmp_path / "target"), 1, 2).num_episodes == 8  # too few shards: all of them
    replay = ReplayShard([str(tmp_path / "base"), str(tmp_path / "target")], [0.5, 0.5], 8, 0, 1, 2)
    try:
        batch = replay.sample()
        batch.validate()
        assert batch.source is not None and list(batch.source) == [0] * 4 + [1] * 4
    finally:
        replay.close()


def test_the_distributed_learner_refuses_a_parent_with_a_variation_input(tmp_path: Path) -> None:
    from qtopt_finetune.distributed.learner_actor import start_learner

    parent = Learner(dataclasses.replace(TINY, variation_input=True), NO_AUGMENT)
    path = parent.save_checkpoint(tmp_path / "parent")
    job = DistributedJobConfig(["unused"], 2, str(tmp_path / "out"), str(tmp_path / "run"), parent=str(path))
    with pytest.raises(ValueError, match="does not carry the variation input"):
        start_learner(job, {}, "cpu")
    plain = Learner(TINY, NO_AUGMENT).save_checkpoint(tmp_path / "plain")
    learner, resumed = start_learner(dataclasses.replace(job, parent=str(plain)), {}, "cpu")
    assert not resumed and not learner.network_config.variation_input
    learner.close()
