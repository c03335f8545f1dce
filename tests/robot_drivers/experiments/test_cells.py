from pathlib import Path

import pytest

from qtopt_finetune.stats import wilson_interval
from robot_drivers.experiments.cells import CellCache, add_wall_time, error_bars, pooled, wall_time_line


def test_cells_are_computed_once_and_read_back(tmp_path: Path) -> None:
    cache = CellCache(tmp_path / "cells")
    calls: list[int] = []
    first = cache.cached("a/b", lambda: {"v": len(calls.append(1) or calls)})
    again = CellCache(tmp_path / "cells").cached("a/b", lambda: {"v": 99})
    assert first == again == {"v": 1} and calls == [1]
    assert not list((tmp_path / "cells").glob("*.tmp"))


def test_wall_time_adds_up_over_resumed_runs(tmp_path: Path) -> None:
    assert add_wall_time(tmp_path, 3600.0) == (3600.0, 1)
    assert add_wall_time(tmp_path, 1800.0) == (5400.0, 2)
    assert wall_time_line(3600.0, 3600.0, 1) == "Wall time: 1.00 h on this machine."
    line = wall_time_line(1800.0, 5400.0, 2)
    assert "1.50 h" in line and "over 2 runs" in line and "this run 0.50 h" in line


def test_error_bars_are_never_negative() -> None:
    cells = [
        {"success_rate": 0.0, "ci_low": 3.5e-18, "ci_high": 0.037},
        {"success_rate": 0.5, "ci_low": 0.4, "ci_high": 0.6},
    ]
    below, above = error_bars(cells)
    assert below == [0.0, 0.5 - 0.4] and above == [0.037, 0.6 - 0.5]


def test_pooled_cell_counts_every_episode_of_every_seed() -> None:
    runs = [
        {
            "checkpoint": "a",
            "variation": "v",
            "success_rate": 0.6,
            "successes": 60,
            "episodes": 100,
            "seconds": 10,
        },
        {
            "checkpoint": "b",
            "variation": "v",
            "success_rate": 0.8,
            "successes": 80,
            "episodes": 100,
            "seconds": 12,
        },
    ]
    cell = pooled(runs)
    assert cell["successes"] == 140 and cell["episodes"] == 200 and cell["success_rate"] == pytest.approx(0.7)
    assert (cell["ci_low"], cell["ci_high"]) == pytest.approx(wilson_interval(140, 200))
    assert cell["runs"] == [0.6, 0.8] and cell["checkpoint"] == ["a", "b"] and cell["seconds"] == 22
    with pytest.raises(ValueError, match="no runs"):
        pooled([])
