"""Offline pretraining: a Q-network trained from scratch (or continued) on one or more grasp logs.

The learner sees batches from a MixedSampler over the logs (weights fix each log's share of every batch).
Periodic checkpoints and metrics go to `run_dir`; the final checkpoint to `out`. A run whose `run_dir`
already holds checkpoints resumes from the newest: the step counter goes on, nothing is retrained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.grasp_log import GraspLogReader, MixedSampler, ShortcutSpec
from qtopt_finetune.learner import Learner, StepCallback
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.variation_input import manifest_entry


@dataclass(frozen=True)
class PretrainJob:
    logs: Sequence[str]
    steps: int
    out: str
    run_dir: str
    weights: Sequence[float] | None = None  # share of each log in a batch; default equal
    batch_size: int = 64
    seed: int = 0
    network: QNetworkConfig = field(default_factory=QNetworkConfig)
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    adapters: AdapterConfig | None = None  # train only adapters on the (frozen) parent: needs a parent
    # indices into `logs` whose transitions get the variation input 1.0 (the rest 0.0); not empty: the child
    # of a parent gets the input (QNetworkConfig.variation_input, qtopt_finetune.variation_input)
    variation_logs: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.logs:
            raise ValueError("pretrain: give at least one grasp log")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(
                f"pretrain: steps and batch_size must be >= 1, got {self.steps}, {self.batch_size}"
            )
        if self.weights is not None and len(self.weights) != len(self.logs):
            raise ValueError(f"pretrain: {len(self.weights)} weights for {len(self.logs)} logs")
        if any(not 0 <= k < len(self.logs) for k in self.variation_logs):
            raise ValueError(f"pretrain: variation_logs {self.variation_logs} are not indices of the logs")
        if self.variation_logs and self.adapters is not None:
            raise ValueError("pretrain: the variation input is for full fine-tuning, not adapters")


def data_manifest(readers: Sequence[GraspLogReader], weights: Sequence[float]) -> dict[str, Any]:
    """What the checkpoint was trained on: each log's path, size and share of a batch."""
    return {
        "logs": [
            {"path": str(r.root), "episodes": r.num_episodes, "transitions": r.num_transitions, "weight": w}
            for r, w in zip(readers, weights, strict=True)
        ]
    }


def logs_observation(readers: Sequence[GraspLogReader]) -> tuple[int, str]:
    """(image size, camera) that every log shares; logs of different cameras or sizes never train together."""
    seen = {(r.info.image_shape, r.info.camera): r.root for r in readers}
    if len(seen) > 1:
        found = "; ".join(
            f"{root}: {shape[0]}x{shape[1]} from the {camera} camera"
            for (shape, camera), root in seen.items()
        )
        raise ValueError(f"pretrain: the logs hold different observations ({found}); train on one kind")
    (shape, camera), root = next(iter(seen.items()))
    if shape[0] != shape[1]:
        raise ValueError(
            f"pretrain: {root} has {shape[0]}x{shape[1]} images; the Q-network takes square ones"
        )
    return shape[0], camera


def check_observation(network: QNetworkConfig, image_size: int, camera: str) -> None:
    """The network must be one for the logs' images: same size, same camera."""
    if (network.image_size, network.camera) != (image_size, camera):
        raise ValueError(
            f"pretrain: the network takes {network.image_size}x{network.image_size} images from the "
            f"{network.camera} camera, the logs hold {image_size}x{image_size} from the {camera} camera"
        )


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = sorted((run_dir / "checkpoints").glob("step_*"))
    return found[-1] if found else None


def make_learner(job: PretrainJob, manifest: dict[str, Any], parent: str | None = None) -> Learner:
    run_dir = Path(job.run_dir)
    resume_from = latest_checkpoint(run_dir)
    if job.adapters is not None:
        from qtopt_finetune.adapters import AdapterLearner

        if resume_from is not None:
            return AdapterLearner.resume(resume_from, run_dir)
        if parent is None:
            raise ValueError("pretrain: adapters are trained on a parent checkpoint; give one")
        return AdapterLearner.init_from(
            parent, job.learner, run_dir, data_manifest=manifest, adapter_config=job.adapters
        )
    if resume_from is not None:
        return Learner.resume(resume_from, run_dir)
    if parent is not None:
        return Learner.init_from(
            parent, job.learner, run_dir, data_manifest=manifest, variation_input=bool(job.variation_logs)
        )
    if job.variation_logs:
        raise ValueError("pretrain: the variation input is learned by a child; give a parent")
    return Learner(job.network, job.learner, run_dir, data_manifest=manifest)


def returns_gamma(learner: Learner) -> float | None:
    """The discount of the logged returns the learner's targets are bounded by, if they are."""
    bellman = learner.config.bellman
    return bellman.gamma if bellman.mc_lower_bound else None


def shortcut_spec(learner: Learner) -> ShortcutSpec | None:
    """What the sampler must label shortcuts with, when the learner trains on them."""
    c = learner.config
    if c.shortcut_weight <= 0:
        return None
    return ShortcutSpec(c.bellman.gamma, c.bellman.step_penalty, c.shortcut_max_translation)


def pretrain(job: PretrainJob, on_step: StepCallback | None = None, parent: str | None = None) -> Path:
    """Train for `job.steps` steps in all (a resumed run trains only the rest); returns the checkpoint."""
    weights = list(job.weights) if job.weights is not None else [1.0 / len(job.logs)] * len(job.logs)
    readers = [GraspLogReader(path) for path in job.logs]
    for reader in readers:
        if reader.num_transitions == 0:
            raise ValueError(f"pretrain: the grasp log at {reader.root} holds no transitions")
    image_size, camera = logs_observation(readers)
    manifest = data_manifest(readers, weights)
    if job.variation_logs:
        flagged = [readers[k].episodes()["variation"].to_pylist() for k in job.variation_logs]
        manifest |= manifest_entry([name for names in flagged for name in names])
    learner = make_learner(job, manifest, parent)
    try:
        check_observation(learner.network_config, image_size, camera)
    except ValueError:
        learner.close()
        raise
    remaining = job.steps - learner.step
    try:
        if remaining > 0:
            with MixedSampler(
                list(zip(readers, weights, strict=True)),
                job.batch_size,
                seed=job.seed + learner.step,
                prefetch=4,
                return_gamma=returns_gamma(learner),
                shortcut=shortcut_spec(learner),
                window=learner.config.sample_window,
                variation_logs=job.variation_logs,
            ) as sampler:
                learner.train(sampler, remaining, on_step=on_step)
        return learner.save_checkpoint(job.out)
    finally:
        learner.close()
        for reader in readers:
            reader.close()
