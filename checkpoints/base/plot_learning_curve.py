"""Draw the base recipe's learning curves from learning_curve.csv: success vs training steps
(learning_curve.png: every evaluation, round 0's every 2,000 steps) and vs grasps collected
(learning_curve_grasps.png: the end of each round).

.venv/bin/python checkpoints/base/plot_learning_curve.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from robot_drivers.evaluation import plot_success

HERE = Path(__file__).parent


def plot(xs: list[int], rows: list[dict[str, str]], xlabel: str, name: str, annotations: list[str]) -> None:
    plot_success(
        xs,
        rows,
        label="base task, test objects (n=200 each)",
        xlabel=xlabel,
        path=HERE / name,
        annotations=annotations,
        reference=(0.295, "blind descent (qtopt sim baseline), 0.295"),
    )


def main() -> None:
    with (HERE / "learning_curve.csv").open() as f:
        rows = list(csv.DictReader(f))
    # a round ends at its last row: round 0 is evaluated every 2,000 steps, the others once
    last = [i + 1 == len(rows) or rows[i + 1]["round"] != r["round"] for i, r in enumerate(rows)]
    ends = [r for r, is_last in zip(rows, last, strict=True) if is_last]
    plot(
        [int(r["training_steps"]) for r in rows],
        rows,
        "training steps (round 0 offline, then 3,000 per on-policy round)",
        "learning_curve.png",
        [f"r{r['round']}" if is_last else "" for r, is_last in zip(rows, last, strict=True)],
    )
    plot(
        [int(r["grasps_collected"]) for r in ends],
        ends,
        "grasps collected in all (10,000 scripted, then 2,000 on-policy per round)",
        "learning_curve_grasps.png",
        [f"r{r['round']}" for r in ends],
    )


if __name__ == "__main__":
    main()
