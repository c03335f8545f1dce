"""The adaptation that exists today, run for real on the simulated robot with the job's budget:

1. collecting: the parent policy explores the variation (CEM with random actions mixed in) into a target log;
2. training: a child is initialised from the parent and trained on the target log (50/50 with the base log
   when the service has one) via `qtopt_finetune.pretrain(parent=...)`;
3. evaluating: child and parent on the same unseen-object episodes, each with its 95% Wilson interval.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.pretrain import PretrainJob, pretrain
from qtopt_finetune.stats import SuccessRate
from robot_drivers.evaluation import evaluate
from robot_drivers.runner import CollectJob, collect
from services.db.models import JobState
from services.jobs.protocol import AdaptationResult, AdaptationSpec, JobCancelled, JobProgress

COLLECT_SHARE, TRAIN_SHARE = 0.3, 0.5  # of the progress bar; evaluation takes the rest
JOB_SEED = 10_000  # exploration episodes use seeds job_seed + i, away from evaluation's


class SimAdaptationPipeline:
    def run(self, spec: AdaptationSpec, progress: JobProgress) -> AdaptationResult:
        work = Path(spec.work_dir)
        budget = spec.budget
        target_log = work / "target_log"
        self._check(progress)
        progress.stage(JobState.collecting, 0.0, f"{budget.exploration_grasps} exploration grasps")
        summary = collect(
            CollectJob(
                out=str(target_log),
                episodes=budget.exploration_grasps,
                variation=spec.variation,
                policy=spec.parent_checkpoint,
                exploration=budget.exploration,
                workers=budget.workers,
                seed=JOB_SEED * spec.job_id,
                objects="train",
                robot=spec.robot,
            ),
            show_progress=False,
        )
        self._check(progress)
        child = self._train(spec, target_log, progress)
        progress.stage(JobState.evaluating, COLLECT_SHARE + TRAIN_SHARE, "child and parent on unseen objects")
        child_rate = self._evaluate(child, spec)
        self._check(progress)
        parent_rate = self._evaluate(spec.parent_checkpoint, spec)
        metrics = {
            "variation": spec.variation,
            "exploration_grasps": summary.episodes,
            "exploration_success": summary.successes / max(summary.episodes, 1),
            "train_steps": budget.train_steps,
            "eval": {"child": asdict(child_rate), "parent": asdict(parent_rate), "objects": "test"},
        }
        progress.stage(JobState.evaluating, 1.0, f"child {child_rate} vs parent {parent_rate}")
        return AdaptationResult(str(child), metrics)

    @staticmethod
    def _check(progress: JobProgress) -> None:
        if progress.cancelled():
            raise JobCancelled()

    def _train(self, spec: AdaptationSpec, target_log: Path, progress: JobProgress) -> Path:
        budget = spec.budget
        logs = [str(target_log)] + ([spec.base_log] if spec.base_log else [])
        progress.stage(JobState.training, COLLECT_SHARE, f"{budget.train_steps} steps on {len(logs)} log(s)")
        every = max(1, budget.train_steps // 20)

        def on_step(step: int, metrics: dict[str, float]) -> bool:
            if step % every == 0:
                done = COLLECT_SHARE + TRAIN_SHARE * step / budget.train_steps
                progress.stage(JobState.training, done, f"step {step}, loss {metrics.get('loss', 0.0):.4f}")
                return progress.cancelled()
            return False

        job = PretrainJob(
            logs,
            budget.train_steps,
            str(Path(spec.work_dir) / "child"),
            str(Path(spec.work_dir) / "train"),
            batch_size=budget.batch_size,
            seed=spec.job_id,
            learner=LearnerConfig(lr=budget.lr, checkpoint_every=0, progress=False, tensorboard=False),
        )
        child = pretrain(job, on_step=on_step, parent=spec.parent_checkpoint)
        self._check(progress)
        return child

    @staticmethod
    def _evaluate(checkpoint: str | Path, spec: AdaptationSpec) -> SuccessRate:
        budget = spec.budget
        return evaluate(
            checkpoint,
            variation=spec.variation,
            objects="test",
            episodes=budget.eval_episodes,
            workers=budget.workers,
            show_progress=False,
        )
