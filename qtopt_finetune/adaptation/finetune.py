"""Train a child from its parent on a fixed mix of base-log and target-log transitions."""

from __future__ import annotations

from pathlib import Path

from qtopt_finetune.adaptation.config import AdaptationConfig
from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.learner import StepCallback
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.pretrain import PretrainJob, pretrain


def finetune_child(
    parent: str | Path,
    base_log: str | Path | None,
    target_log: str | Path,
    config: AdaptationConfig,
    out: str | Path,
    run_dir: str | Path,
    on_step: StepCallback | None = None,
) -> Path:
    """The child checkpoint at `out`: the parent's weights (mode "adapters": frozen, with small adapters that
    alone are trained and stored), trained `config.steps` steps on batches that are
    `base_weight` base log and the rest target log (all target log without a base log). A run interrupted
    part-way resumes from `run_dir`."""
    mixed = base_log is not None and config.base_weight > 0
    weights = [config.base_weight, 1.0 - config.base_weight] if mixed else [1.0]
    logs = [str(base_log), str(target_log)] if mixed else [str(target_log)]
    learner = LearnerConfig(lr=config.lr, seed=config.seed, checkpoint_every=max(config.steps // 4, 1))
    job = PretrainJob(
        logs,
        config.steps,
        str(out),
        str(run_dir),
        weights,
        config.batch_size,
        config.seed,
        learner=learner,
        adapters=AdapterConfig() if config.mode == "adapters" else None,
    )
    return pretrain(job, on_step=on_step, parent=str(parent))
