import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from qtopt_finetune.checkpoint import read_manifest
from robot_drivers.grasp_probe import auc, grasp_grid, probe
from services.cli.main import app

BASE = Path(__file__).resolve().parents[2] / "checkpoints" / "base"


def test_auc_ranks_successes_over_failures_and_counts_ties_half() -> None:
    assert auc(np.array([0.9, 0.8, 0.1]), np.array([1, 1, 0])) == 1.0
    assert auc(np.array([0.1, 0.9]), np.array([1, 0])) == 0.0
    assert auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5
    assert np.isnan(auc(np.array([0.5, 0.7]), np.array([1, 1])))


def test_the_grid_spans_the_step_and_every_grasp_goes_down_closes_and_ends() -> None:
    grid = grasp_grid(3)
    assert grid.shape == (9, 6)
    assert sorted(set(grid[:, 0])) == [-1.0, 0.0, 1.0] and sorted(set(grid[:, 1])) == [-1.0, 0.0, 1.0]
    assert np.all(grid[:, 2] == -1.0) and np.all(grid[:, 4:] == 1.0) and np.all(grid[:, 3] == 0.0)
    moves = grasp_grid(3, close=False)
    assert np.array_equal(moves[:, :4], grid[:, :4]) and np.all(moves[:, 4:] == 0.0)


def test_the_probe_grasps_for_real_and_its_figures_agree() -> None:
    report = probe(BASE, states=2, side=3, show_progress=False)
    assert report.states == 2 and report.grid_points == 9
    for value in (report.grid_success, report.reachable, report.argmax_success):
        assert 0.0 <= value <= 1.0
    assert report.grid_success <= report.reachable  # a state's mean is at most its best
    assert report.argmax_success <= report.reachable
    assert np.isnan(report.auc_pooled) or 0.0 <= report.auc_pooled <= 1.0


def test_a_close_in_place_network_is_probed_with_moves_it_tells_apart() -> None:
    """The shipped base closes in place: scored on move-and-close grasps, every grid point would get the
    same Q (the close hides the move); scored on the moves, Q differs across the grid."""
    assert read_manifest(BASE)["config"]["network"]["close_in_place"]
    report = probe(BASE, states=3, side=3, show_progress=False)
    assert report.grid_success <= report.reachable
    # scored on move-and-close grasps every grid point of a state would tie: a spread of exactly 0
    assert report.q_spread > 1e-3


def test_the_probe_command_prints_json_and_refuses_a_missing_checkpoint(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["probe", "--checkpoint", str(BASE), "--states", "1", "--side", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["states"] == 1 and report["grid_points"] == 4
    missing = runner.invoke(app, ["probe", "--checkpoint", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "no checkpoint folder" in missing.output


def test_a_bad_probe_request_is_refused() -> None:
    with pytest.raises(ValueError, match="states >= 1"):
        probe(BASE, states=0)
