"""The episode runner: simulated robot x policy -> episodes in a grasp log, in parallel processes."""

from pathlib import Path

import pytest

from qtopt_finetune.grasp_log import GraspLogReader
from robot_drivers.policies.scripted import ScriptedOptions
from robot_drivers.runner import CollectJob, collect


def test_parallel_collection_lands_in_the_log_with_the_right_labels(tmp_path: Path) -> None:
    job = CollectJob(
        str(tmp_path / "log"),
        episodes=6,
        scripted=ScriptedOptions(noise=0.0),
        workers=2,
        seed=0,
        image_size=32,
        robot="sim-7",
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
    with pytest.raises(ValueError, match="noise_max"):
        collect(CollectJob(str(tmp_path / "x"), 2, scripted=ScriptedOptions(1.0, 0.2)), show_progress=False)
    assert not (tmp_path / "x").exists()


def _children(pid: int) -> set[int]:
    """Pids whose parent is `pid` (from /proc; the pool's workers and its manager)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_terminated_collection_stops_its_workers_and_leaves_a_readable_log(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "log"
    code = (
        "from robot_drivers.runner import CollectJob, collect; "
        f"collect(CollectJob({str(out)!r}, episodes=100000, workers=2, image_size=32), show_progress=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 3 and time.monotonic() < deadline:  # manager + 2 workers
            time.sleep(0.5)
        time.sleep(3)  # a few episodes in
        children = _children(proc.pid)
        assert len(children) >= 3, "the collection never started its pool"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(_alive(c) for c in children), "collector processes outlived a terminated collection"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    if not (out / "meta" / "info.json").exists():  # stopped before a shard was complete: none is visible
        assert not list(out.rglob("*.parquet"))
        return
    with GraspLogReader(out) as reader:  # whatever was committed reads back whole
        for episode_id in reader.episodes().column("episode_id").to_pylist():
            assert reader.read_episode(episode_id)[-1].done
