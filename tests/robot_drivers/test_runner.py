"""The episode runner: simulated robot x policy -> episodes in a grasp log, in parallel processes."""

from pathlib import Path

import pytest

from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.runner import CollectJob, collect


def test_parallel_collection_lands_in_the_log_with_the_right_labels(tmp_path: Path) -> None:
    job = CollectJob(
        str(tmp_path / "log"), episodes=6, noise=0.0, workers=2, seed=0, image_size=32, robot="sim-7"
    )
    summary = collect(job, show_progress=False)
    assert summary.episodes == 6 and summary.transitions >= 6
    with GraspLogReader(tmp_path / "log") as reader:
        table = reader.episodes()
        assert table.num_rows == 6
        assert set(table.column("robot").to_pylist()) == {"sim-7"}
        assert set(table.column("policy_id").to_pylist()) == {"scripted(noise=0)"}
        assert set(table.column("source").to_pylist()) == {"sim"}
        assert sum(table.column("success").to_pylist()) == summary.successes
        for episode_id, success in zip(
            table.column("episode_id").to_pylist(), table.column("success").to_pylist(), strict=True
        ):
            steps = reader.read_episode(episode_id)
            assert steps[-1].done and not any(s.done for s in steps[:-1])
            assert steps[-1].reward == float(success)  # the label is the grasp outcome
            assert steps[0].image.shape == (32, 32, 3)


def test_collection_is_reproducible_whatever_the_worker_count(tmp_path: Path) -> None:
    outcomes = []
    for workers in (1, 2):
        out = tmp_path / f"log{workers}"
        collect(CollectJob(str(out), episodes=4, workers=workers, seed=5, image_size=32), show_progress=False)
        with GraspLogReader(out) as reader:
            table = reader.episodes()
            outcomes.append(
                sorted(
                    zip(table.column("length").to_pylist(), table.column("success").to_pylist(), strict=True)
                )
            )
    assert outcomes[0] == outcomes[1]


def test_bad_jobs_fail_before_any_process_starts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="variation"):
        collect(CollectJob(str(tmp_path / "x"), episodes=2, variation="foggy"), show_progress=False)
    with pytest.raises(ValueError, match="episodes"):
        collect(CollectJob(str(tmp_path / "x"), episodes=0), show_progress=False)
    assert not (tmp_path / "x").exists()
