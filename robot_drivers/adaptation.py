"""The adaptation recipe in the sim world: the parent explores the target variation, a child is fine-tuned
on a 50/50 base/target mix, and both are evaluated on the target variation and on the base task.

    report = adapt(AdaptationJob(parent="checkpoints/base", variation="transparent", out="runs/child"))

Each stage leaves its result on disk, so a job that stops part-way goes on where it stopped when run again:
the target log keeps the grasps already collected (only the missing ones are collected), the child's
training resumes from its last periodic checkpoint, and a finished child is only re-evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.checkpoint import read_manifest, record_metrics
from qtopt_finetune.grasp_log import GraspLogReader
from qtopt_finetune.learner import StepCallback
from qtopt_finetune.stats import SuccessRate
from robot_drivers.evaluation import EVAL_SEED, evaluate
from robot_drivers.runner import CollectJob, collect
from robot_drivers.sim.variations import parse_variation

COLLECT_SEED = 3_000_000  # exploration grasps never share a seed with the base log or evaluation

# Called with (stage, detail) as the job moves: "collecting", "training", "evaluating", "done".
StageCallback = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class AdaptationJob:
    parent: str
    variation: str
    out: str
    base_log: str | None = "logs/base"  # None: the child trains on the target log alone
    work_dir: str | None = None  # target log and training run; default runs/adapt/<out name>
    config: AdaptationConfig = field(default_factory=AdaptationConfig)
    workers: int = 2
    robot: str = "sim-adapt"  # recorded with each exploration grasp
    compare_parent: bool = True  # also evaluate the parent on the variation (the "before" figure)

    def __post_init__(self) -> None:
        parse_variation(self.variation)  # raises naming an unknown variation
        if self.base_log is not None and not (Path(self.base_log) / "meta" / "info.json").is_file():
            raise ValueError(f"base_log: {self.base_log} is not a grasp log (no meta/info.json)")
        read_manifest(self.parent)  # raises CheckpointError for a folder that is not a checkpoint
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")

    @property
    def work(self) -> Path:
        return Path(self.work_dir) if self.work_dir else Path("runs/adapt") / Path(self.out).name

    @property
    def target_log(self) -> Path:
        return self.work / "target_log"


@dataclass
class AdaptationReport:
    parent: str
    child: str
    variation: str
    grasps: int
    target_success_during_collection: float
    child_on_variation: dict[str, Any] | None
    child_on_base: dict[str, Any] | None
    parent_on_variation: dict[str, Any] | None
    config: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _rate(rate: SuccessRate) -> dict[str, Any]:
    return {"success_rate": rate.rate, "ci_low": rate.low, "ci_high": rate.high, "episodes": rate.episodes}


def collect_target_grasps(job: AdaptationJob, show_progress: bool = True) -> tuple[int, int]:
    """Top the target log up to `config.grasps` exploration grasps of the parent; -> (grasps, successes)."""
    have = GraspLogReader(job.target_log).episodes() if job.target_log.exists() else None
    done = 0 if have is None else have.num_rows
    missing = job.config.grasps - done
    if missing > 0:
        collect(
            CollectJob(
                str(job.target_log),
                missing,
                job.variation,
                job.parent,
                exploration=job.config.exploration,
                workers=job.workers,
                seed=COLLECT_SEED + job.config.seed * 100_000 + done,
                robot=job.robot,
            ),
            show_progress=show_progress,
        )
    episodes = GraspLogReader(job.target_log).episodes()
    return episodes.num_rows, sum(bool(s) for s in episodes["success"].to_pylist())


def adapt(
    job: AdaptationJob,
    on_stage: StageCallback | None = None,
    on_step: StepCallback | None = None,
    show_progress: bool = True,
) -> AdaptationReport:
    """Collect, fine-tune, evaluate; the child's manifest records its evaluation as `metrics`.

    `on_step(step, metrics)` is called after every training step; returning True stops training there.
    """
    notify = on_stage or (lambda stage, detail: None)
    cfg = job.config
    notify("collecting", {"grasps": cfg.grasps, "variation": job.variation})
    grasps, successes = collect_target_grasps(job, show_progress)
    child = Path(job.out)
    if not child.exists():
        notify("training", {"steps": cfg.steps})
        finetune_child(job.parent, job.base_log, job.target_log, cfg, child, job.work / "train", on_step)
    on_variation = on_base = parent_on_variation = None
    if cfg.eval_episodes:
        notify("evaluating", {"episodes": cfg.eval_episodes})

        def rate(checkpoint: str | Path, variation: str) -> dict[str, Any]:
            return _rate(
                evaluate(
                    checkpoint,
                    variation,
                    "test",
                    cfg.eval_episodes,
                    job.workers,
                    EVAL_SEED,
                    show_progress=show_progress,
                )
            )

        on_variation, on_base = rate(child, job.variation), rate(child, "base")
        record_metrics(child, {"eval": {job.variation: on_variation, "base": on_base}})
        if job.compare_parent:
            parent_on_variation = rate(job.parent, job.variation)
    record_metrics(
        child,
        {"adaptation": {"variation": job.variation, "grasps": grasps, "config": cfg.to_dict()}},
    )
    report = AdaptationReport(
        parent=job.parent,
        child=str(child),
        variation=job.variation,
        grasps=grasps,
        target_success_during_collection=successes / grasps if grasps else 0.0,
        child_on_variation=on_variation,
        child_on_base=on_base,
        parent_on_variation=parent_on_variation,
        config=cfg.to_dict(),
    )
    notify("done", asdict(report))
    return report
