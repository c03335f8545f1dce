"""Distributed fine-tuning on local Ray survives dead updaters and a dead learner."""

from __future__ import annotations

import csv
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.distributed import FinetuneDriver, JobState, read_job_state
from qtopt_finetune.policy import CEMPolicy
from qtopt_finetune.spaces import ACTION_DIM, Observation
from robot_drivers.sim_rollouts import SimRollouts  # the job's caller hands the learning core its sim
from tests.qtopt_finetune.distributed.helpers import FAST_CEM, tiny_job, tiny_setup
from tests.qtopt_finetune.helpers import TINY

pytestmark = pytest.mark.usefixtures("ray_cluster")


def kill_first_collector(driver: FinetuneDriver, stop: threading.Event) -> None:
    """From outside the driver: kill the first collector as soon as the evaluation has started one."""
    import ray

    while not stop.is_set():
        pool = driver.collectors
        if pool is not None:
            ray.kill(pool.handles[0])
            return
        time.sleep(0.02)


def manifest_step(checkpoint: str | Path) -> int:
    return int(json.loads((Path(checkpoint) / "manifest.json").read_text())["step"])


@pytest.mark.slow  # ~20 s on 2 cores: Ray actors start in ~2 s each
def test_a_job_with_an_updater_and_a_collector_killed_completes_and_its_checkpoint_acts(
    tmp_path: Path,
) -> None:
    import ray

    logs, parent = tiny_setup(tmp_path)
    driver: FinetuneDriver

    def kill_first_updater(state: JobState) -> None:
        if state.step == 8 and driver.updaters is not None and driver.updaters.restarts == 0:
            ray.kill(driver.updaters.handles[0])

    job = tiny_job(tmp_path, logs, parent, steps=30, eval_episodes=3, collectors=1)
    driver = FinetuneDriver(job, SimRollouts(objects="train"), on_step=kill_first_updater)
    stop = threading.Event()
    killer = threading.Thread(target=kill_first_collector, args=(driver, stop))
    killer.start()
    try:
        state = driver.run()
    finally:
        stop.set()
        killer.join()

    assert state.phase == "done" and state.step == 30
    assert state.restarts["updater"] == 1 and state.restarts["learner"] == 0
    assert state.restarts["collector"] == 1  # killed while evaluating: a new one reran its episodes
    assert state.evaluation is not None and state.evaluation["episodes"] == 3
    assert state.labelled_transitions >= 30 * 16
    assert state.final_checkpoint is not None and manifest_step(state.final_checkpoint) == 30
    written = read_job_state(tmp_path / "run" / "job_state.json")
    assert written["phase"] == "done" and written["final_checkpoint"] == state.final_checkpoint
    manifest = json.loads((Path(state.final_checkpoint) / "manifest.json").read_text())
    assert manifest["parent_id"] == json.loads((Path(parent) / "manifest.json").read_text())["id"]
    assert [log["weight"] for log in manifest["data_manifest"]["logs"]] == [0.5, 0.5]

    policy = CEMPolicy.from_checkpoint(state.final_checkpoint, cem=FAST_CEM, seed=0)
    image = np.zeros((TINY.image_size, TINY.image_size, 3), np.uint8)
    action = policy.act(Observation(image=image, gripper_closed=False, gripper_height=0.2))
    assert action.shape == (ACTION_DIM,) and np.all(np.isfinite(action))
    assert not ray.util.list_named_actors()  # nothing left running


@pytest.mark.slow  # ~20 s on 2 cores: Ray actors start in ~2 s each
def test_a_killed_learner_resumes_from_its_last_checkpoint(tmp_path: Path) -> None:
    import ray

    logs, parent = tiny_setup(tmp_path)
    driver: FinetuneDriver

    def kill_learner(state: JobState) -> None:
        if state.step == 14 and state.restarts["learner"] == 0:
            ray.kill(driver.learner)

    driver = FinetuneDriver(tiny_job(tmp_path, logs, parent, steps=25), on_step=kill_learner)
    state = driver.run()

    assert state.phase == "done" and state.step == 25
    assert state.restarts["learner"] == 1 and state.resumed_from == [10]  # checkpoint_every=10
    assert state.final_checkpoint is not None and manifest_step(state.final_checkpoint) == 25
    with open(tmp_path / "run" / "metrics.csv") as f:
        steps = [int(row["step"]) for row in csv.DictReader(f)]
    # steps 1..10 trained once; only the few steps after the last checkpoint were trained again
    assert steps.count(1) == 1 and steps.count(10) == 1 and steps[-1] == 25
    assert all(steps.count(s) == 1 for s in range(17, 26))
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())[:2] == [
        "step_00000010",
        "step_00000020",
    ]
