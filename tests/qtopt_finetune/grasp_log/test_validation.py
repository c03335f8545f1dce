"""Malformed episodes are refused at write time, naming the problem, and nothing already written changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader, GraspLogWriter, Step
from tests.qtopt_finetune.grasp_log.helpers import make_meta, make_steps, snapshot, write_log

Mutator = Callable[[list[Step]], list[Step]]


def _set(t: int, **changes: object) -> Mutator:
    def mutate(steps: list[Step]) -> list[Step]:
        for name, value in changes.items():
            setattr(steps[t], name, value)
        return steps

    return mutate


CASES: dict[str, tuple[Mutator, str]] = {
    "missing image": (_set(1, image=None), "step 1: image is missing"),
    "float image": (_set(0, image=np.zeros((16, 16, 3), np.float32)), "dtype float32, expected uint8"),
    "grey image": (_set(2, image=np.zeros((16, 16), np.uint8)), r"step 2: image shape \(16, 16\)"),
    "RGBA image": (_set(0, image=np.zeros((16, 16, 4), np.uint8)), r"expected \(H, W, 3\)"),
    "other size": (_set(1, image=np.zeros((8, 16, 3), np.uint8)), r"expected \(16, 16, 3\)"),
    "short action": (_set(0, action=np.zeros(5, np.float32)), "action must have 6 entries"),
    "NaN action": (_set(1, action=np.array([0, np.nan, 0, 0, 0, 0], np.float32)), "non-finite entries: dy"),
    "NaN state": (_set(0, state=np.array([0.0, np.nan], np.float32)), "state has non-finite"),
    "long state": (_set(0, state=np.zeros(3, np.float32)), "state must have 2 entries"),
    "NaN reward": (_set(2, reward=float("nan")), "step 2: reward must be a finite number"),
    "inf reward": (_set(0, reward=float("inf")), "reward must be a finite number"),
    "empty": (lambda steps: [], "episode is empty"),
    "done early": (
        _set(1, done=True),
        r"done must be True exactly at the last step \(3\), got it at \[1, 3\]",
    ),
    "never done": (_set(3, done=False), r"got it at \[\]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_episode_is_refused_and_nothing_is_touched(tmp_path: Path, case: str) -> None:
    mutate, message = CASES[case]
    with GraspLogWriter(tmp_path, image_format="png", episodes_per_shard=2) as w:
        w.add_episode(make_steps(0), make_meta(0))
        w.add_episode(make_steps(1), make_meta(1))  # committed shard
        w.add_episode(make_steps(2), make_meta(2))  # buffered
        before = snapshot(tmp_path)
        with pytest.raises(ValueError, match=message):
            w.add_episode(mutate(make_steps(3, length=4)), make_meta(3))
        assert snapshot(tmp_path) == before
        w.add_episode(make_steps(4), make_meta(4))  # the writer goes on; the buffered episode is kept
    episodes = GraspLogReader(tmp_path).episodes()
    numbers = (episodes["start_time"].to_numpy() - 1_700_000_000.0) / 60.0  # make_meta's start times
    assert sorted(numbers.astype(int).tolist()) == [0, 1, 2, 4]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"source": "lab"}, "source must be one of"),
        ({"robot": ""}, "robot must be a non-empty string"),
        ({"start_time": float("nan")}, "start_time must be finite"),
        ({"success": "yes"}, "success must be a bool"),
    ],
)
def test_malformed_metadata_is_refused(tmp_path: Path, override: dict[str, object], message: str) -> None:
    with GraspLogWriter(tmp_path, image_format="png") as w, pytest.raises(ValueError, match=message):
        w.add_episode(make_steps(0), make_meta(0, **override))
    assert not list(tmp_path.rglob("*.parquet"))


def test_a_log_records_its_camera_and_takes_no_other(tmp_path: Path) -> None:
    from qtopt_finetune.grasp_log.info import load_info

    with GraspLogWriter(tmp_path / "log", image_format="png", camera="wrist") as writer:
        writer.add_episode(make_steps(0), make_meta(0))
    assert load_info(tmp_path / "log").camera == "wrist"
    before = snapshot(tmp_path / "log")
    with pytest.raises(ValueError, match=r"camera='wrist'.*'fixed'"):
        GraspLogWriter(tmp_path / "log", image_format="png")  # the default camera is "fixed"
    assert snapshot(tmp_path / "log") == before
    with GraspLogReader(tmp_path / "log") as reader:
        assert reader.info.camera == "wrist" and reader.num_episodes == 1


def test_a_log_written_before_cameras_were_recorded_reads_as_the_fixed_camera(tmp_path: Path) -> None:
    import json

    from qtopt_finetune.grasp_log.info import load_info

    write_log(tmp_path / "log", 1)
    info_path = tmp_path / "log" / "meta" / "info.json"
    raw = json.loads(info_path.read_text())
    del raw["camera"]
    info_path.write_text(json.dumps(raw))
    assert load_info(tmp_path / "log").camera == "fixed"
