"""`qtopt demo` with small budgets: the shipped base policy is champion, robots grasp on the base task and on
a variation, an adaptation triggered through the API trains a child on local Ray, the child is promoted and
the robots grasp with it. Budgets this small prove the plumbing, not the recovery (benchmarks/RESULTS.md has
the full run's figures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from qtopt_finetune.adapters.loading import network_config_of
from qtopt_finetune.checkpoint import read_manifest
from robot_drivers.runner import CollectJob, collect
from services.cli.main import app as cli
from services.db.models import GraspAttempt, Policy, PromotionEvent
from services.db.session import make_engine, make_sessionmaker, session_scope

SHIPPED = Path("checkpoints/base")


@pytest.mark.slow
def test_demo_runs_the_main_job_end_to_end(tmp_path: Path) -> None:
    camera = network_config_of(SHIPPED).camera  # a base log must match the base's camera
    job = CollectJob(str(tmp_path / "base_log"), episodes=4, workers=2, seed=0, camera=camera)
    collect(job, show_progress=False)
    budget = [
        "--grasps",
        "4",
        "--exploration-grasps",
        "2",
        "--train-steps",
        "3",
        "--batch-size",
        "8",
        "--eval-episodes",
        "2",
    ]
    args = ["demo", "--champion", str(SHIPPED), "--variation", "checkerboard", "--robots", "2", *budget]
    args += ["--base-log", str(tmp_path / "base_log"), "--work-dir", str(tmp_path / "demo"), "--json"]
    result = CliRunner().invoke(cli, [*args, "--promote", "always"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # --json: stdout is the summary; Ray logs on stderr
    assert summary["job"]["state"] == "done", summary["job"]
    assert summary["before"]["episodes"] == 4 and summary["dropped"]["episodes"] == 4
    assert summary["promoted"] and summary["recovered"]["episodes"] == 4
    base_id = read_manifest(SHIPPED)["id"]
    assert summary["base_policy"] == base_id

    engine = make_engine(f"sqlite:///{tmp_path / 'demo' / 'qtopt.db'}")
    with session_scope(make_sessionmaker(engine)) as session:
        child = session.get(Policy, summary["child_policy"])
        assert child is not None and child.parent_id == base_id and child.alias is not None
        assert child.alias.value == "champion"
        counts = dict(
            session.execute(
                select(GraspAttempt.policy_id, func.count()).group_by(GraspAttempt.policy_id)
            ).all()
        )
        assert counts == {base_id: 8, child.id: 4}  # the robots switched to the new champion
        events = session.scalars(select(PromotionEvent).order_by(PromotionEvent.id)).all()
        assert [e.policy_id for e in events] == [base_id, child.id]
        assert events[-1].previous_champion_id == base_id
    engine.dispose()
    # the child trained on the 50/50 mix: base log and the robot's exploration grasps
    logs = read_manifest(child.checkpoint_path)["data_manifest"]["logs"]
    assert [log["weight"] for log in logs] == [0.5, 0.5]
    assert Path(logs[0]["path"]) == tmp_path / "base_log"
