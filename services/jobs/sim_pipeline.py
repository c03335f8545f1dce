"""The adaptation recipe (robot_drivers/adaptation.py) run for a service job on the simulated robot:

1. collecting: the parent policy explores the variation (CEM with random actions mixed in) into a target log;
2. training: a child is initialised from the parent and trained 50/50 on the base log (when the service has
   one) and the target log;
3. evaluating: child and parent on the same unseen-object episodes, each with its 95% Wilson interval.

Progress goes to the job row; a cancel is seen between training steps and between stages.
"""

from __future__ import annotations

from typing import Any

from qtopt_finetune.adaptation import AdaptationConfig
from robot_drivers.adaptation import AdaptationJob, adapt
from services.db.models import JobState
from services.jobs.protocol import AdaptationResult, AdaptationSpec, JobCancelled, JobProgress

COLLECT_SHARE, TRAIN_SHARE = 0.3, 0.5  # of the progress bar; evaluation takes the rest
JOB_SEED = 10_000  # exploration episodes of job j use seeds far from other jobs' and evaluation's

STAGE_START = {
    "collecting": (JobState.collecting, 0.0),
    "training": (JobState.training, COLLECT_SHARE),
    "evaluating": (JobState.evaluating, COLLECT_SHARE + TRAIN_SHARE),
}


def _job(spec: AdaptationSpec) -> AdaptationJob:
    budget = spec.budget
    config = AdaptationConfig(
        grasps=budget.exploration_grasps,
        steps=budget.train_steps,
        lr=budget.lr,
        batch_size=budget.batch_size,
        exploration=budget.exploration,
        seed=JOB_SEED + spec.job_id,
        eval_episodes=budget.eval_episodes,
    )
    return AdaptationJob(
        spec.parent_checkpoint,
        spec.variation,
        out=f"{spec.work_dir}/child",
        base_log=spec.base_log,
        work_dir=spec.work_dir,
        config=config,
        workers=budget.workers,
        robot=spec.robot,
    )


class SimAdaptationPipeline:
    def run(self, spec: AdaptationSpec, progress: JobProgress) -> AdaptationResult:
        job = _job(spec)
        steps = job.config.steps
        every = max(1, steps // 20)

        def on_stage(stage: str, detail: dict[str, Any]) -> None:
            if progress.cancelled():
                raise JobCancelled()
            if stage in STAGE_START:
                state, fraction = STAGE_START[stage]
                progress.stage(state, fraction, ", ".join(f"{k} {v}" for k, v in detail.items()))

        def on_step(step: int, metrics: dict[str, float]) -> bool:
            if step % every == 0:
                done = COLLECT_SHARE + TRAIN_SHARE * step / steps
                progress.stage(JobState.training, done, f"step {step}, loss {metrics.get('loss', 0.0):.4f}")
                return progress.cancelled()
            return False

        report = adapt(job, on_stage=on_stage, on_step=on_step, show_progress=False)
        if progress.cancelled():
            raise JobCancelled()
        child, parent = report.child_on_variation or {}, report.parent_on_variation or {}
        metrics = {
            "variation": spec.variation,
            "exploration_grasps": report.grasps,
            "exploration_success": report.target_success_during_collection,
            "train_steps": steps,
            "eval": {
                "child": child,
                "parent": parent,
                "child_on_base": report.child_on_base,
                "objects": "test",
            },
        }
        progress.stage(
            JobState.evaluating,
            1.0,
            f"child {child.get('success_rate')} vs parent {parent.get('success_rate')}",
        )
        return AdaptationResult(report.child, metrics)
