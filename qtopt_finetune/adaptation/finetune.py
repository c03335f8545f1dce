"""Train a child from its parent on a fixed mix of base-log and target-log transitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qtopt_finetune.adaptation.config import AdaptationConfig
from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.learner import StepCallback
from qtopt_finetune.learner_config import LearnerConfig, with_overrides
from qtopt_finetune.pretrain import PretrainJob, pretrain


def child_learner_config(parent: str | Path, config: AdaptationConfig) -> LearnerConfig:
    """The parent's own learner settings (Bellman targets, step penalty, augmentation, optimizer, target
    networks), with the adaptation's learning rate, seed and learner_overrides; defaults for a parent that
    records none.

    A child trained with other targets than its parent's learns a different Q-function from the first step:
    the shipped base was trained with a per-step penalty of -0.05, and a child fine-tuned without it (the
    defaults until 2026-12-04) lost most of its success on the very variation it adapted to."""
    recorded = read_manifest(parent).get("config", {}).get("learner")
    inherited = LearnerConfig.from_dict(recorded) if isinstance(recorded, dict) else LearnerConfig()
    child = replace(
        inherited,
        lr=config.lr,
        seed=config.seed,
        checkpoint_every=max(config.steps // 4, 1),
        device=LearnerConfig.device,  # where the child trains is this machine's business, not the parent's
    )
    return with_overrides(child, dict(config.learner_overrides))


def finetune_child(
    parent: str | Path,
    base_log: str | Path | Sequence[str | Path] | None,
    target_log: str | Path,
    config: AdaptationConfig,
    out: str | Path,
    run_dir: str | Path,
    on_step: StepCallback | None = None,
    settings_from: str | Path | None = None,
) -> Path:
    """The child checkpoint at `out`: the parent's weights (mode "adapters": frozen, with small adapters that
    alone are trained and stored), trained `config.steps` steps with the parent's learner settings
    (`child_learner_config`; those of `settings_from` instead, when given: experiments that compare starts
    train every one with the same recipe) on batches that are `base_weight` base log and the rest target
    log (all target log without a base log; several base logs share `base_weight` evenly). With the
    variation input (`config.variation_input`, or a parent that has one), the target log's rows say 1.0 and
    the base logs' 0.0. A run interrupted part-way resumes from `run_dir`."""
    if base_log is None:
        base_logs: list[str] = []
    elif isinstance(base_log, str | Path):
        base_logs = [str(base_log)]
    else:
        base_logs = [str(log) for log in base_log]
    mixed = bool(base_logs) and config.base_weight > 0
    share = config.base_weight / len(base_logs) if mixed else 0.0
    weights = [share] * len(base_logs) + [1.0 - config.base_weight] if mixed else [1.0]
    logs = [*base_logs, str(target_log)] if mixed else [str(target_log)]
    parent_network = read_manifest(parent).get("config", {}).get("network", {})
    flagged = config.variation_input or bool(parent_network.get("variation_input"))
    if flagged and not mixed:
        raise ValueError("finetune_child: the variation input needs a base log beside the target log")
    job = PretrainJob(
        logs,
        config.steps,
        str(out),
        str(run_dir),
        weights,
        config.batch_size,
        config.seed,
        learner=child_learner_config(settings_from or parent, config),
        adapters=AdapterConfig() if config.mode == "adapters" else None,
        variation_logs=(len(logs) - 1,) if flagged else (),
    )
    return pretrain(job, on_step=on_step, parent=str(parent))
