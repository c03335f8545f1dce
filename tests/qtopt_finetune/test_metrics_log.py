import csv
import sys
from pathlib import Path

import pytest

from qtopt_finetune.metrics_log import MetricsLog


def test_csv_only_when_tensorboard_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import now raises ImportError
    log = MetricsLog(tmp_path, tensorboard=True)
    log.write(1, {"loss": 0.5, "lr": 1e-4})
    log.write(2, {"loss": 0.25, "lr": 1e-4})
    log.close()
    assert not (tmp_path / "tensorboard").exists()
    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["step"], r["loss"], r["q_mean"]) for r in rows] == [("1", "0.5", ""), ("2", "0.25", "")]


def test_appends_to_an_existing_csv_without_a_second_header(tmp_path: Path) -> None:
    for step in (1, 2):
        log = MetricsLog(tmp_path, tensorboard=False)
        log.write(step, {"loss": 1.0})
        log.close()
    lines = (tmp_path / "metrics.csv").read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("step,loss")
