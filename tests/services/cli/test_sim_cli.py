import re
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from services.cli.main import app

runner = CliRunner()


def plain(output: str) -> str:
    """The CLI's message without rich's box drawing and line wrapping."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", output)


def test_sim_show_writes_a_contact_sheet_per_variation(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sim",
            "show",
            "--variation",
            "base,checkerboard",
            "--episodes",
            "1",
            "--size",
            "32",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("base", "checkerboard"):
        sheet = Image.open(tmp_path / f"{name}.png")
        assert sheet.width >= 2 * 32 and sheet.height > 32
        frames = sorted((tmp_path / name).glob("episode00_step*.png"))
        assert len(frames) >= 2 and Image.open(frames[0]).size == (32, 32)


def test_unknown_variation_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sim", "show", "--variation", "foggy", "--out", str(tmp_path)])
    assert result.exit_code != 0
    text = plain(result.output)
    assert "foggy" in text and "known variations" in text
    assert not list(tmp_path.iterdir())


def test_sim_baseline_reports_the_blind_descent_with_its_interval() -> None:
    result = runner.invoke(
        app, ["sim", "baseline", "--policy", "descend", "--episodes", "4", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    match = re.search(
        r"descend on base, test objects: success (\d\.\d+) \[(\d\.\d+), (\d\.\d+)\] \(n=4\)", result.output
    )
    assert match, result.output
    rate, low, high = (float(g) for g in match.groups())
    assert low <= rate <= high


def test_sim_baseline_refuses_a_checkpoint_or_unknown_policy() -> None:
    result = runner.invoke(app, ["sim", "baseline", "--policy", "checkpoints/base"])
    assert result.exit_code != 0
    assert "choose descend, random or scripted" in plain(result.output)
