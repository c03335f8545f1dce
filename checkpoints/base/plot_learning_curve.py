"""Draw learning_curve.png from learning_curve.csv (success per on-policy round of the base recipe).

.venv/bin/python checkpoints/base/plot_learning_curve.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).parent


def main() -> None:
    with (HERE / "learning_curve.csv").open() as f:
        rows = list(csv.DictReader(f))
    grasps = [int(r["grasps_collected"]) for r in rows]
    rate = [float(r["success"]) for r in rows]
    low = [float(r["ci_low"]) for r in rows]
    high = [float(r["ci_high"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(grasps, rate, marker="o", label="base task, test objects (n=100; round 0: n=200)")
    ax.fill_between(grasps, low, high, alpha=0.25, label="95% Wilson interval")
    for r, x, y in zip(rows, grasps, rate, strict=True):
        ax.annotate(f"r{r['round']}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xlabel("grasps collected in all (scripted + on-policy)")
    ax.set_ylabel("grasp success")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(HERE / "learning_curve.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
