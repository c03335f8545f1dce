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
BLIND = (0.295, "blind descent (qtopt sim baseline), 0.295")


def main() -> None:
    with (HERE / "learning_curve.csv").open() as f:
        rows = list(csv.DictReader(f))
    # a round ends at its last row: round 0 is evaluated every 2,000 steps, the others once
    ends = [r for i, r in enumerate(rows) if i + 1 == len(rows) or rows[i + 1]["round"] != r["round"]]
    plot_success(
        [int(r["training_steps"]) for r in rows],
        rows,
        label="base task, test objects (n=200 each)",
        xlabel="training steps (round 0 offline, then 3,000 per on-policy round)",
        path=HERE / "learning_curve.png",
        annotations=[f"r{r['round']}" if r in ends else "" for r in rows],
        reference=BLIND,
    )
    plot_success(
        [int(r["grasps_collected"]) for r in ends],
        ends,
        label="base task, test objects (n=200 each)",
        xlabel="grasps collected in all (10,000 scripted, then 2,000 on-policy per round)",
        path=HERE / "learning_curve_grasps.png",
        annotations=[f"r{r['round']}" for r in ends],
        reference=BLIND,
    )


if __name__ == "__main__":
    main()
