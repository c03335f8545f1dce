"""The adaptation recipe end to end in the sim, with tiny budgets: collect -> fine-tune -> evaluate."""

from pathlib import Path

import pytest

from qtopt_finetune.adaptation import AdaptationConfig
from qtopt_finetune.checkpoint import CheckpointError, read_manifest
from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.pretrain import PretrainJob, pretrain
from robot_drivers.adaptation import AdaptationJob, adapt
from robot_drivers.runner import CollectJob, collect

QUIET = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny base log and a parent trained on it for a few steps."""
    root = tmp_path_factory.mktemp("base")
    collect(CollectJob(str(root / "log"), episodes=6, workers=2, seed=0), show_progress=False)
    parent = pretrain(
        PretrainJob(
            [str(root / "log")], 3, str(root / "parent"), str(root / "run"), batch_size=8, learner=QUIET
        )
    )
    return root / "log", parent


@pytest.mark.slow
def test_adaptation_collects_finetunes_evaluates_and_records(base: tuple[Path, Path], tmp_path: Path) -> None:
    base_log, parent = base
    config = AdaptationConfig(grasps=4, steps=4, batch_size=8, exploration=0.2, eval_episodes=2)
    job = AdaptationJob(
        str(parent),
        "checkerboard",
        str(tmp_path / "child"),
        str(base_log),
        str(tmp_path / "work"),
        config,
        workers=2,
    )
    stages: list[str] = []
    report = adapt(job, on_stage=lambda stage, _: stages.append(stage))
    assert stages == ["collecting", "training", "evaluating", "done"]

    parent_manifest, child = read_manifest(parent), read_manifest(tmp_path / "child")
    with GraspLogReader(job.target_log) as target:
        episodes = target.episodes()
        assert episodes.num_rows == 4 == report.grasps
        assert set(episodes["variation"].to_pylist()) == {"checkerboard"}
        assert set(episodes["policy_id"].to_pylist()) == {parent_manifest["id"]}  # the parent explored
    assert child["parent_id"] == parent_manifest["id"]
    logs = child["data_manifest"]["logs"]
    assert [log["weight"] for log in logs] == [0.5, 0.5]
    assert Path(logs[1]["path"]) == job.target_log and logs[1]["episodes"] == 4
    assert child["step"] == 4
    evaluation = child["metrics"]["eval"]
    assert set(evaluation) == {"checkerboard", "base"}
    assert evaluation["base"]["episodes"] == 2 and 0.0 <= evaluation["base"]["success_rate"] <= 1.0
    assert child["metrics"]["adaptation"]["grasps"] == 4

    # Run again: nothing is collected or trained twice, the child keeps its id.
    again = adapt(
        AdaptationJob(
            str(parent),
            "checkerboard",
            str(tmp_path / "child"),
            str(base_log),
            str(tmp_path / "work"),
            AdaptationConfig(grasps=4, eval_episodes=0),
            workers=1,
        )
    )
    assert again.grasps == 4
    assert read_manifest(tmp_path / "child")["id"] == child["id"]


def test_bad_adaptation_jobs_name_the_problem(base: tuple[Path, Path], tmp_path: Path) -> None:
    base_log, parent = base
    with pytest.raises(ValueError, match="foggy"):
        AdaptationJob(str(parent), "foggy", str(tmp_path / "c"), str(base_log))
    with pytest.raises(ValueError, match="base_log"):
        AdaptationJob(str(parent), "base", str(tmp_path / "c"), str(tmp_path / "nowhere"))
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        AdaptationJob(str(tmp_path), "base", str(tmp_path / "c"), str(base_log))
    with pytest.raises(ValueError, match="base_weight"):
        AdaptationConfig(base_weight=1.0)


def test_adapter_mode_stores_only_adapters_and_acts(base: tuple[Path, Path], tmp_path: Path) -> None:
    import numpy as np
    from safetensors.numpy import load_file

    from qtopt_finetune.adaptation import finetune_child
    from qtopt_finetune.policy import CEMPolicy

    base_log, parent = base
    config = AdaptationConfig(steps=3, batch_size=8, mode="adapters")
    child = finetune_child(parent, None, base_log, config, tmp_path / "child", tmp_path / "run")
    manifest, parent_manifest = read_manifest(child), read_manifest(parent)
    assert manifest["parent_id"] == parent_manifest["id"]
    names = set(load_file(str(child / "model.safetensors")))
    assert names and all("adapter" in name for name in names), sorted(names)[:5]
    policy = CEMPolicy.from_checkpoint(child, seed=0)
    action = policy.act_batch(np.zeros((1, 64, 64, 3), np.uint8), np.zeros((1, 2), np.float32))
    assert action.shape == (1, 6)
    with pytest.raises(ValueError, match="mode"):
        AdaptationConfig(mode="lora")  # type: ignore[arg-type]
