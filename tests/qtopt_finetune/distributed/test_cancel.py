"""A job on the default local Ray, cancelled from outside through its run folder, stops cleanly."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from qtopt_finetune.distributed import FinetuneDriver, read_job_state
from tests.qtopt_finetune.distributed.helpers import tiny_job, tiny_setup


def cancel_when_training(job_state: Path, cancel_file: Path, at_step: int, stop: threading.Event) -> None:
    """What a service does: watch the state file, then drop a CANCEL file into the run folder."""
    while not stop.is_set():
        try:
            if read_job_state(job_state)["step"] >= at_step:
                cancel_file.write_text("cancelled by the test\n")
                return
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        time.sleep(0.05)


@pytest.mark.slow  # ~20 s on 2 cores: Ray actors start in ~2 s each
def test_a_cancelled_job_stops_cleanly_with_a_checkpoint_to_resume_from(tmp_path: Path) -> None:
    import ray

    logs, parent = tiny_setup(tmp_path)
    job = tiny_job(tmp_path, logs, parent, steps=10_000, updaters=1)
    stop = threading.Event()
    watcher = threading.Thread(target=cancel_when_training, args=(job.state_path, job.cancel_path, 5, stop))
    watcher.start()
    started = time.monotonic()
    try:
        state = FinetuneDriver(job).run()  # starts (and stops) its own local Ray
    finally:
        stop.set()
        watcher.join()

    assert state.phase == "cancelled" and 5 <= state.step < 100
    assert time.monotonic() - started < 60
    assert not ray.is_initialized()  # the job shut down the Ray it started
    assert not job.cancel_path.exists() and not Path(job.out).exists()
    assert state.last_checkpoint is not None
    assert json.loads((Path(state.last_checkpoint) / "manifest.json").read_text())["step"] == state.step
    assert read_job_state(job.state_path)["phase"] == "cancelled"
    temp_dir = Path((tmp_path / "run" / "ray_temp_dir").read_text().strip())
    assert len(str(temp_dir)) <= 40  # short enough for Ray's AF_UNIX socket paths
    if not temp_dir.is_relative_to(tmp_path):
        shutil.rmtree(temp_dir, ignore_errors=True)  # Ray leaves its logs behind
