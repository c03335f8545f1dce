"""The video-pretraining experiment end to end with tiny budgets: every start is trained on the same target
grasps, the video towers come from frames only, and the files have the documented shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.pretrain import PretrainJob, pretrain
from qtopt_finetune.video import VideoPretrainConfig
from robot_drivers.experiments.adaptation_experiment import AdaptationExperiment
from robot_drivers.experiments.video_experiment import STARTS, VideoExperiment, run_video_experiment
from robot_drivers.experiments.video_report import write_report
from robot_drivers.runner import CollectJob, collect

QUIET = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)


@pytest.mark.slow
def test_tiny_video_experiment(tmp_path: Path) -> None:
    collect(CollectJob(str(tmp_path / "log"), episodes=4, workers=2, seed=0), show_progress=False)
    policy = pretrain(
        PretrainJob(
            [str(tmp_path / "log")],
            2,
            str(tmp_path / "base"),
            str(tmp_path / "run"),
            batch_size=8,
            learner=QUIET,
        )
    )
    adaptation = AdaptationExperiment(
        str(policy),
        str(tmp_path / "log"),
        variations=("transparent",),
        grasps=(2,),
        episodes=2,
        steps=2,
        batch_size=8,
        workers=2,
        continual=False,
        work_dir=str(tmp_path / "work"),
    )
    video = VideoPretrainConfig(units=2, steps=2, batch_clips=2, progress=False)
    exp = VideoExperiment(adaptation, base_clips=3, recordings=2, video=video)
    result = run_video_experiment(exp, log=lambda line: None, show_progress=False)
    paths = write_report(result, tmp_path / "results", "qtopt experiment video-pretraining --tiny")

    data = json.loads(paths["json"].read_text())
    assert set(data["variations"]["transparent"]) == set(STARTS)
    assert all(set(v) == {"2"} for v in data["variations"]["transparent"].values())
    children = tmp_path / "work" / "checkpoints"
    init = read_manifest(children / "video_init_random")["data_manifest"]["video_pretraining"]
    assert init["encoder"] == "random" and init["clips"] == 3 + 2  # 3 base-log clips, 2 recordings
    # every start trained on the target grasps alone
    for start in STARTS:
        logs = read_manifest(children / f"transparent__{start}_2")["data_manifest"]["logs"]
        assert len(logs) == 1 and logs[0]["episodes"] == 2, start
    assert (
        read_manifest(children / "transparent__video_base_2")["parent_id"]
        == read_manifest(children / "video_init_base")["id"]
    )
    assert read_manifest(children / "transparent__scratch_2")["parent_id"] is None
    md = paths["md"].read_text()
    assert "## transparent" in md and "## Reading" in md and "--tiny" in md
