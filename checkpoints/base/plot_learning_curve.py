"""Draw learning_curve.png from learning_curve.csv (success per on-policy round of the base recipe).

.venv/bin/python checkpoints/base/plot_learning_curve.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from robot_drivers.evaluation import plot_success

HERE = Path(__file__).parent


def main() -> None:
    with (HERE / "learning_curve.csv").open() as f:
        rows = list(csv.DictReader(f))
    plot_success(
        [int(r["grasps_collected"]) for r in rows],
        rows,
        label="base task, test objects (n=200 each)",
        xlabel="grasps collected in all (scripted + on-policy)",
        path=HERE / "learning_curve.png",
        legend_loc="upper left",
        annotations=[f"r{r['round']}" for r in rows],
        reference=(0.295, "blind descent (qtopt sim baseline), 0.295"),
    )


if __name__ == "__main__":
    main()
