"""`qtopt finetune-distributed` refuses bad arguments before starting Ray (the job itself is tested in
tests/qtopt_finetune/distributed)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app


def test_bad_arguments_are_refused_naming_the_option(tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "out").mkdir()
    args = ["finetune-distributed", "--log", str(tmp_path), "--steps", "5"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "never overwritten" in result.output
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "new")])
    assert result.exit_code != 0 and "not a grasp log" in result.output
    assert not (tmp_path / "new").exists()


def test_the_command_is_registered_with_its_options() -> None:
    result = CliRunner().invoke(app, ["finetune-distributed", "--help"])
    assert result.exit_code == 0
    for option in ("--parent", "--log", "--weight", "--steps", "--updaters", "--out", "--ray-address"):
        assert option in result.output
