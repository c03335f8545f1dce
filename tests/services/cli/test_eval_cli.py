import json
from pathlib import Path

from typer.testing import CliRunner

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from services.cli.main import app
from tests.services.cli.test_sim_cli import plain

runner = CliRunner()


def test_eval_prints_success_with_its_interval_as_json(tmp_path: Path) -> None:
    checkpoint = Learner(config=LearnerConfig(progress=False, tensorboard=False)).save_checkpoint(
        tmp_path / "untrained"
    )
    result = runner.invoke(
        app, ["eval", "--checkpoint", str(checkpoint), "--episodes", "2", "--workers", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["episodes"] == 2 and report["objects"] == "test"
    assert 0.0 <= report["ci_low"] <= report["success_rate"] <= report["ci_high"] <= 1.0
    assert report["ci_high"] > 0.3  # two episodes can't pin success down


def test_eval_refuses_what_it_cannot_run(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["eval", "--checkpoint", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "no checkpoint folder" in plain(missing.output)
    (tmp_path / "ck").mkdir()
    bad = runner.invoke(app, ["eval", "--checkpoint", str(tmp_path / "ck"), "--variation", "foggy"])
    assert bad.exit_code != 0 and "foggy" in plain(bad.output)
