"""The learner actor: the existing `Learner`, trained on batches labelled by the Bellman updaters.

On start it resumes from the newest checkpoint in `<run_dir>/checkpoints` when there is one (so a learner
restarted after a crash goes on from its last checkpoint, step counter included), else starts from the
parent checkpoint (fine-tuning) or from scratch. It publishes `(weights, version)` to the registry on
start and every `sync_every` steps.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from qtopt_finetune.distributed.config import DistributedJobConfig
from qtopt_finetune.distributed.registry import Weights
from qtopt_finetune.distributed.updater import LabelledBatch
from qtopt_finetune.learner import Learner
from qtopt_finetune.pretrain import latest_checkpoint


def start_learner(job: DistributedJobConfig, manifest: dict[str, Any], device: str) -> tuple[Learner, bool]:
    """-> (learner, resumed): resume the run, else fine-tune from the parent, else start fresh."""
    run_dir = Path(job.run_dir)
    newest = latest_checkpoint(run_dir)
    if newest is not None:
        learner, resumed = Learner.resume(newest, run_dir, device=device), True
    else:
        config = dataclasses.replace(job.learner, device=device)
        if job.parent is not None:
            learner = Learner.init_from(job.parent, config, run_dir, data_manifest=manifest)
        else:
            learner = Learner(job.network, config, run_dir, data_manifest=manifest)
        resumed = False
    if learner.network_config.variation_input:
        learner.close()
        raise ValueError(
            "distributed fine-tuning does not carry the variation input (QNetworkConfig.variation_input) "
            "from replay to updaters yet; fine-tune a child of this checkpoint single-process (qtopt adapt)"
        )
    return learner, resumed


def cpu_weights(learner: Learner) -> Weights:
    def cpu(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in sd.items()}

    return {
        "model": cpu(learner.network.state_dict()),
        "target1": cpu(learner.targets.target1.state_dict()),
        "target2": cpu(learner.targets.target2.state_dict()),
    }


class LearnerActor:
    def __init__(
        self, job: DistributedJobConfig, manifest: dict[str, Any], registry: Any, device: str, threads: int
    ) -> None:
        torch.set_num_threads(threads)
        self.job = job
        self.registry = registry
        self.checkpoint_dir = job.checkpoint_dir
        self.learner, resumed = start_learner(job, manifest, device)
        self.resumed_at = self.learner.step if resumed else None
        self.last_checkpoint: str | None = None
        self.publish()

    def publish(self) -> int:
        import ray

        version = self.learner.step
        ray.get(self.registry.publish.remote(version, cpu_weights(self.learner)))
        return version

    def info(self) -> dict[str, Any]:
        """Step, where it resumed (None: a fresh start), device, and what updaters need to match it."""
        return {
            "step": self.learner.step,
            "resumed_at": self.resumed_at,
            "device": str(self.learner.device),
            "network": self.learner.network_config,
            "bellman": self.learner.config.bellman,
        }

    def train(self, labelled: LabelledBatch) -> dict[str, Any]:
        """One gradient step on updater-labelled data; logs, checkpoints and publishes on schedule."""
        metrics: dict[str, Any] = self.learner.train_step(labelled.batch, labelled.targets)
        metrics["target_lag"] = float(self.learner.step - 1 - labelled.version)
        _, saved = self.learner.after_step(metrics)
        if saved:
            self.last_checkpoint = str(self.checkpoint_dir / f"step_{self.learner.step:08d}")
        if self.learner.step % self.job.sync_every == 0:
            self.publish()
        return {**metrics, "step": self.learner.step, "checkpoint": self.last_checkpoint}

    def save(self, path: str | None = None) -> str:
        """Checkpoint to `path`, or (None) to the run's periodic checkpoints; returns where."""
        if path is None:
            periodic = self.checkpoint_dir / f"step_{self.learner.step:08d}"
            if periodic.exists():  # already saved at this step
                return str(periodic)
        saved = str(self.learner.save_checkpoint(path))
        if path is None:
            self.last_checkpoint = saved
        return saved

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        self.learner.close()
