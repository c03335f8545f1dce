"""Training metrics to a CSV file and, when the `tensorboard` package is installed, to TensorBoard."""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

METRIC_NAMES = ("loss", "q_mean", "q_min", "q_max", "target_mean", "lr", "steps_per_s")


def open_tensorboard(log_dir: Path) -> Any | None:
    """A SummaryWriter, or None (with a log line naming the package) when tensorboard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log.info("tensorboard is not installed (pip install tensorboard); metrics go to CSV only")
        return None
    return SummaryWriter(log_dir=str(log_dir))


class MetricsLog:
    """Appends one row per `write` to `<run_dir>/metrics.csv`; mirrors it to `<run_dir>/tensorboard`."""

    def __init__(self, run_dir: str | Path, tensorboard: bool = True, names: tuple[str, ...] = METRIC_NAMES):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.names = names
        self.csv_path = self.run_dir / "metrics.csv"
        new_file = not self.csv_path.exists()
        self._file: IO[str] = open(self.csv_path, "a", newline="")  # noqa: SIM115 - closed in close()
        self._csv = csv.writer(self._file)
        if new_file:
            self._csv.writerow(("step", *names))
        self._tb = open_tensorboard(self.run_dir / "tensorboard") if tensorboard else None

    def write(self, step: int, metrics: dict[str, float]) -> None:
        self._csv.writerow((step, *(metrics.get(n, "") for n in self.names)))
        self._file.flush()
        if self._tb is not None:
            for name, value in metrics.items():
                self._tb.add_scalar(f"train/{name}", value, step)

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()
