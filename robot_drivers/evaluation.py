"""Evaluation in the sim world: success of a checkpoint with its interval, and learning curves."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from qtopt_finetune.cem import CEMConfig
from qtopt_finetune.stats import SuccessRate, success_rate
from robot_drivers.runner import CollectJob, collect

EVAL_SEED = 1_000_000  # evaluation episodes never share a seed with collected training episodes


def evaluate(
    checkpoint: str | Path,
    variation: str = "base",
    objects: str = "test",
    episodes: int = 200,
    workers: int = 2,
    seed: int = EVAL_SEED,
    show_progress: bool = True,
    cem: CEMConfig | None = None,
) -> SuccessRate:
    """The checkpoint's success on `episodes` episodes (seeds from `seed`), with its network's camera; `cem`:
    its action search (default QT-Opt's)."""
    job = CollectJob(
        None, episodes, variation, str(checkpoint), workers=workers, seed=seed, objects=objects, cem=cem
    )
    summary = collect(job, show_progress=show_progress)
    return success_rate(summary.successes, summary.episodes)


@dataclass
class LearningCurve:
    """Evaluates the run's periodic checkpoints during training; writes CSV rows and a PNG."""

    run_dir: Path
    every: int
    episodes: int
    variation: str = "base"
    objects: str = "test"
    workers: int = 2
    grasps_in_log: int = 0

    @property
    def csv_path(self) -> Path:
        return self.run_dir / "learning_curve.csv"

    def __call__(self, step: int, metrics: dict[str, float]) -> bool:
        if self.every <= 0 or step % self.every:
            return False
        checkpoint = self.run_dir / "checkpoints" / f"step_{step:08d}"
        if not checkpoint.exists():
            return False
        rate = evaluate(
            checkpoint, self.variation, self.objects, self.episodes, self.workers, show_progress=False
        )
        new = not self.csv_path.exists()
        with self.csv_path.open("a", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(
                    [
                        "step",
                        "grasps_in_log",
                        "variation",
                        "objects",
                        "episodes",
                        "success",
                        "ci_low",
                        "ci_high",
                        "loss",
                    ]
                )
            writer.writerow(
                [
                    step,
                    self.grasps_in_log,
                    self.variation,
                    self.objects,
                    rate.episodes,
                    f"{rate.rate:.4f}",
                    f"{rate.low:.4f}",
                    f"{rate.high:.4f}",
                    f"{metrics.get('loss', float('nan')):.5f}",
                ]
            )
        print(f"step {step}: success {rate}", flush=True)
        return False

    def plot(self, out: Path | None = None) -> Path | None:
        """Success (with 95% intervals) against training steps, as a PNG next to the CSV."""
        if not self.csv_path.exists():
            return None
        with self.csv_path.open() as f:
            rows = list(csv.DictReader(f))
        return plot_success(
            [int(r["step"]) for r in rows],
            rows,
            label=f"{self.variation}, {self.objects} objects",
            xlabel=f"training steps (log of {self.grasps_in_log} grasps)",
            path=out or self.run_dir / "learning_curve.png",
        )


def plot_success(
    xs: list[int],
    rows: list[dict[str, str]],
    label: str,
    xlabel: str,
    path: Path,
    legend_loc: Literal["lower right", "upper left"] = "lower right",
    annotations: list[str] | None = None,
    reference: tuple[float, str] | None = None,
) -> Path:
    """A success curve with its 95% Wilson band from CSV rows (`success`, `ci_low`, `ci_high`) as a PNG;
    `reference` (rate, label) draws a baseline as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rate = [float(r["success"]) for r in rows]
    low = [float(r["ci_low"]) for r in rows]
    high = [float(r["ci_high"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(xs, rate, marker="o", label=label)
    ax.fill_between(xs, low, high, alpha=0.25, label="95% Wilson interval")
    if reference is not None:
        ax.axhline(reference[0], linestyle="--", color="grey", label=reference[1])
    for text, x, y in zip(annotations or [], xs, rate, strict=False):
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("grasp success")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc=legend_loc)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
