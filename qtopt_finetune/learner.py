"""Trains a QT-Opt Q-network from any iterator of TransitionBatch (a grasp-log sampler, synthetic data)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qtopt_finetune.augment import augment_pair
from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.bellman import bound_by_returns, compute_bellman_targets, log_loss
from qtopt_finetune.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from qtopt_finetune.learner_config import LearnerConfig, scheduled_lr
from qtopt_finetune.learner_state import LearnerState, from_checkpoint, to_parts
from qtopt_finetune.metrics_log import MetricsLog
from qtopt_finetune.networks import QNetwork, QNetworkConfig
from qtopt_finetune.spaces import ACTION_DIM, CONTINUOUS_DIM
from qtopt_finetune.target_networks import LaggedTargets
from qtopt_finetune.torch_batch import TorchTransitionBatch
from qtopt_finetune.variation_input import WEIGHT as VARIATION_WEIGHT
from qtopt_finetune.variation_input import load_parent_weights

# Called after every step with (step, metrics); return True to stop training early.
StepCallback = Callable[[int, dict[str, float]], bool | None]


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resume_settings(
    checkpoint: str | Path, run_dir: str | Path | None, device: str | None
) -> tuple[Checkpoint, LearnerConfig, Path | None]:
    """A learner checkpoint (all parts), its LearnerConfig (device overridden if given) and the run_dir:
    without one, a checkpoint at `<run>/checkpoints/step_N` continues in `<run>`."""
    if run_dir is None and Path(checkpoint).parent.name == "checkpoints":
        run_dir = Path(checkpoint).parent.parent
    ckpt = load_checkpoint(checkpoint)
    cfg = ckpt.manifest["config"]
    if "learner" not in cfg:
        raise CheckpointError(f"checkpoint {checkpoint} was not written by a Learner (no learner config)")
    config = LearnerConfig.from_dict(cfg["learner"])
    if device is not None:
        config = LearnerConfig.from_dict({**config.to_dict(), "device": device})
    return ckpt, config, Path(run_dir) if run_dir is not None else None


def require_full_checkpoint(manifest: dict[str, Any], path: str | Path) -> None:
    """Adapter checkpoints hold only adapter weights: they need their parent (see qtopt_finetune.adapters)."""
    if "adapters" in manifest["config"]:
        raise CheckpointError(
            f"checkpoint {path} holds only adapter weights (config.adapters): load it with "
            "qtopt_finetune.adapters (AdapterLearner.resume, load_q_network), which also loads its parent"
        )


class Learner:
    """Online Q-network + two lagged targets + optimizer; `train` runs steps, logs, checkpoints.

    Fresh: `Learner(network_config, config, run_dir)`. Fine-tune: `Learner.init_from(parent, config, run_dir)`
    (parent's weights, fresh optimizer, parent id recorded). Continue: `Learner.resume(checkpoint)`.
    """

    def __init__(
        self,
        network_config: QNetworkConfig | None = None,
        config: LearnerConfig | None = None,
        run_dir: str | Path | None = None,
        *,
        parent_id: str | None = None,
        data_manifest: dict[str, Any] | None = None,
    ) -> None:
        self.config = config or LearnerConfig()
        self.network_config = network_config or QNetworkConfig()
        self.device = resolve_device(self.config.device)
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.parent_id = parent_id
        self.data_manifest = dict(data_manifest or {})
        self.step = 0
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            self.network = self._build_network().to(self.device)
        self.targets: LaggedTargets[QNetwork] = LaggedTargets(
            self.network, self.config.tau, self.config.target_lag_steps
        )
        self.optimizer = self._make_optimizer()
        self.generators = {name: torch.Generator(device=self.device) for name in ("augment", "cem")}
        for offset, gen in enumerate(self.generators.values()):
            gen.manual_seed(self.config.seed * 1000 + offset + 1)
        self._metrics_log: MetricsLog | None = None

    def _build_network(self) -> QNetwork:
        """The online network (a subclass may return a QNetwork subclass, e.g. one with adapters)."""
        return QNetwork(self.network_config)

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        """What the optimizer updates: the parameters that require grad (frozen ones never enter it)."""
        return [p for p in self.network.parameters() if p.requires_grad]

    def _make_optimizer(self) -> torch.optim.Optimizer:
        c = self.config
        params = self.trainable_parameters()
        variation = dict(self.network.named_parameters()).get(VARIATION_WEIGHT)
        rest = [p for p in params if p is not variation]
        groups: list[dict[str, Any]] = [{"params": rest, "lr_scale": 1.0}]
        if any(p is variation for p in params):  # the variation input: its own group, its own multiple of lr
            scale = c.variation_input_lr_scale
            groups.append({"params": [variation], "lr_scale": scale, "lr": c.lr * scale})
        if c.optimizer == "sgd":
            return torch.optim.SGD(groups, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)
        return torch.optim.Adam(groups, lr=c.lr, weight_decay=c.weight_decay)

    # ----- construction from checkpoints -----

    @classmethod
    def init_from(
        cls,
        parent: str | Path,
        config: LearnerConfig | None = None,
        run_dir: str | Path | None = None,
        data_manifest: dict[str, Any] | None = None,
        *,
        variation_input: bool = False,
    ) -> Learner:
        """Fine-tune: start from the parent checkpoint's weights (and targets = those weights). With
        `variation_input`, the child's network has one (QNetworkConfig.variation_input), at zero weight when
        the parent has none: the child's Q is then the parent's whatever the input's value."""
        ckpt = load_checkpoint(parent, parts=("model",))
        require_full_checkpoint(ckpt.manifest, parent)
        parent_config = QNetworkConfig.from_dict(ckpt.manifest["config"]["network"])
        flagged = parent_config.variation_input or variation_input
        network_config = replace(parent_config, variation_input=flagged)
        learner = cls(network_config, config, run_dir, parent_id=ckpt.id, data_manifest=data_manifest)
        load_parent_weights(learner.network, ckpt.parts["model"])
        learner.targets = LaggedTargets(learner.network, learner.config.tau, learner.config.target_lag_steps)
        return learner

    @classmethod
    def resume(
        cls, checkpoint: str | Path, run_dir: str | Path | None = None, device: str | None = None
    ) -> Learner:
        """Continue a run: weights, targets, optimizer state, RNG state and the step counter.

        Without `run_dir`, a checkpoint at `<run>/checkpoints/step_N` continues in `<run>`.
        """
        ckpt, config, run_dir = resume_settings(checkpoint, run_dir, device)
        require_full_checkpoint(ckpt.manifest, checkpoint)
        cfg = ckpt.manifest["config"]
        learner = cls(
            QNetworkConfig.from_dict(cfg["network"]),
            config,
            run_dir,
            parent_id=ckpt.manifest["parent_id"],
            data_manifest=ckpt.manifest["data_manifest"],
        )
        learner.load_state(from_checkpoint(ckpt))
        learner.step = ckpt.step
        return learner

    def state(self) -> LearnerState:
        return LearnerState(
            model=self.network.state_dict(),
            targets=self.targets.state_dicts(),
            optimizer=self.optimizer.state_dict(),
            rng={name: gen.get_state() for name, gen in self.generators.items()},
        )

    def load_state(self, state: LearnerState) -> None:
        self.network.load_state_dict(state.model)
        self.targets.load_state_dicts(state.targets)
        self.optimizer.load_state_dict(state.optimizer)
        for name, gen in self.generators.items():
            gen.set_state(state.rng[name].cpu())

    def save_checkpoint(self, path: str | Path | None = None) -> Path:
        """Write a checkpoint (default: `<run_dir>/checkpoints/step_<step>`) and return its path."""
        if path is None:
            if self.run_dir is None:
                raise ValueError("save_checkpoint needs a path when the learner has no run_dir")
            path = self.run_dir / "checkpoints" / f"step_{self.step:08d}"
        parts, metadata = to_parts(self.state())
        save_checkpoint(
            path,
            parts,
            config=self._checkpoint_config(Path(path)),
            step=self.step,
            parent_id=self.parent_id,
            data_manifest=self.data_manifest,
            metadata=metadata,
        )
        return Path(path)

    def _checkpoint_config(self, path: Path) -> dict[str, Any]:
        """The manifest's `config` for a checkpoint written at `path`."""
        return {"network": self.network_config.to_dict(), "learner": self.config.to_dict()}

    # ----- training -----

    def train_step(
        self, batch: TransitionBatch, targets: np.ndarray | torch.Tensor | None = None
    ) -> dict[str, float]:
        """One gradient step on one batch; returns loss, Q mean/min/max, target mean and lr.

        `targets` (B,): Bellman targets computed elsewhere (a distributed Bellman updater); without them
        the learner computes them itself from its lagged target networks at the augmented next image
        (with `augment_draws` > 1: averaged over the draws' next images; the loss averages over their images
        either way).
        """
        if self.network_config.variation_input != (batch.variation is not None):
            raise ValueError(
                "train_step: the network has a variation input and the batch none "
                "(sample with variation_logs)"
                if self.network_config.variation_input
                else "train_step: the batch carries a variation input the network does not have"
            )
        tb = TorchTransitionBatch.from_numpy(batch, self.device)
        draws = [
            augment_pair(tb.image, tb.next_image, self.config.augment, self.generators["augment"])
            for _ in range(self.config.augment_draws)
        ]
        if targets is None:
            target = torch.stack(
                [
                    compute_bellman_targets(
                        self.targets.target1,
                        self.targets.target2,
                        tb.reward,
                        tb.done,
                        next_image,
                        tb.next_state,
                        self.config.bellman,
                        self.generators["cem"],
                    ).target
                    for _, next_image in draws
                ]
            ).mean(dim=0)
            target = bound_by_returns(target, batch.mc_return, self.config.bellman)
        else:
            target = torch.as_tensor(targets, dtype=torch.float32).to(self.device)
            if target.shape != tb.reward.shape:
                raise ValueError(f"targets: shape {tuple(target.shape)}, expected {tuple(tb.reward.shape)}")
        self.network.train()
        features = self.network.encode_image(torch.cat([image for image, _ in draws]))
        k = len(draws)
        all_logits = self.network.q_from_features(
            features, tb.state.repeat(k, 1), tb.action.repeat(k, 1)[:, None, :]
        )[:, 0]
        loss = log_loss(all_logits, target.repeat(k))
        b = tb.reward.shape[0]
        features, logits = features[:b], all_logits[:b]  # the first draw's, for the extra losses and stats
        conservative = self._conservative_penalty(features, tb.state, logits)
        if conservative is not None:
            loss = loss + self.config.conservative_weight * conservative
        shortcut = self._shortcut_loss(batch, features, tb.state)
        if shortcut is not None:
            loss = loss + self.config.shortcut_weight * shortcut
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.lr_decay_steps:
            for group in self.optimizer.param_groups:
                group["lr"] = scheduled_lr(self.config, self.step) * group.get("lr_scale", 1.0)
        if self.config.grad_clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.trainable_parameters(), self.config.grad_clip_norm)
        self.optimizer.step()
        self.step += 1
        self.targets.update(self.network, self.step)
        q = torch.sigmoid(logits.detach())
        stats = torch.stack([loss.detach(), q.mean(), q.min(), q.max(), target.mean()]).tolist()
        names = ("loss", "q_mean", "q_min", "q_max", "target_mean")
        out = {**dict(zip(names, stats, strict=True)), "lr": float(self.optimizer.param_groups[0]["lr"])}
        if conservative is not None:
            out["conservative"] = float(conservative.detach())
        if shortcut is not None:
            out["shortcut"] = float(shortcut.detach())
        return out

    def _shortcut_loss(
        self, batch: TransitionBatch, features: torch.Tensor, state: torch.Tensor
    ) -> torch.Tensor | None:
        """Log loss of Q at the batch's valid hindsight shortcuts (a move, gripper open, no terminate)."""
        if self.config.shortcut_weight <= 0:
            return None
        if batch.shortcut is None:
            raise ValueError(
                "LearnerConfig.shortcut_weight > 0 needs batches with shortcuts (sample with a ShortcutSpec)"
            )
        cut = torch.as_tensor(batch.shortcut, dtype=torch.float32).to(features.device)
        valid = torch.nonzero(cut[:, CONTINUOUS_DIM + 1] > 0.5).squeeze(1)
        if valid.numel() == 0:
            return None
        moves = cut[valid, :CONTINUOUS_DIM]
        actions = torch.cat([moves, torch.zeros_like(moves[:, : ACTION_DIM - CONTINUOUS_DIM])], dim=1)
        logits = self.network.q_from_features(features[valid], state[valid], actions[:, None, :])[:, 0]
        return log_loss(logits, cut[valid, CONTINUOUS_DIM])

    def _conservative_penalty(
        self, features: torch.Tensor, state: torch.Tensor, logits: torch.Tensor
    ) -> torch.Tensor | None:
        """CQL(H): mean of logsumexp(random actions' logits and the logged one's) - the logged one's logit."""
        if self.config.conservative_weight <= 0:
            return None
        b, n = logits.shape[0], self.config.conservative_samples
        gen = self.generators["cem"]
        continuous = torch.rand((b, n, CONTINUOUS_DIM), generator=gen, device=gen.device) * 2 - 1
        binary = (
            torch.rand((b, n, ACTION_DIM - CONTINUOUS_DIM), generator=gen, device=gen.device) < 0.5
        ).float()
        actions = torch.cat([continuous, binary], dim=-1).to(features.device)
        random_logits = self.network.q_from_features(features, state, actions)
        every = torch.cat([random_logits, logits[:, None]], dim=1)
        return (torch.logsumexp(every, dim=1) - logits).mean()

    def after_step(self, metrics: dict[str, float]) -> tuple[bool, bool]:
        """Log every `log_every` and checkpoint every `checkpoint_every` steps -> (logged, checkpointed)."""
        if self.run_dir is not None and self._metrics_log is None:
            self._metrics_log = MetricsLog(self.run_dir, tensorboard=self.config.tensorboard)
        logged = self.step % self.config.log_every == 0
        if logged and self._metrics_log is not None:
            self._metrics_log.write(self.step, metrics)
        every = self.config.checkpoint_every
        saved = self.run_dir is not None and every > 0 and self.step % every == 0
        if saved:
            self.save_checkpoint()
        return logged, saved

    def train(
        self,
        batches: Iterable[TransitionBatch],
        num_steps: int,
        on_step: StepCallback | None = None,
    ) -> dict[str, float]:
        """Run up to `num_steps` steps (fewer if `batches` ends or `on_step` returns True).

        Logs every `log_every` steps, checkpoints every `checkpoint_every` steps and at the end (both need
        a run_dir). Returns the last step's metrics.
        """
        metrics: dict[str, float] = {}
        last_saved = -1
        window_start, window_steps = time.perf_counter(), 0
        iterator = iter(batches)
        with tqdm(total=num_steps, desc="train", disable=not self.config.progress, leave=False) as bar:
            for _ in range(num_steps):
                batch = next(iterator, None)
                if batch is None:
                    break
                metrics = self.train_step(batch)
                window_steps += 1
                elapsed = time.perf_counter() - window_start
                metrics["steps_per_s"] = window_steps / elapsed if elapsed > 0 else 0.0
                logged, saved = self.after_step(metrics)
                if logged:
                    bar.set_postfix(loss=f"{metrics['loss']:.4f}", q=f"{metrics['q_mean']:.3f}")
                    window_start, window_steps = time.perf_counter(), 0
                last_saved = self.step if saved else last_saved
                bar.update(1)
                if on_step is not None and on_step(self.step, metrics):
                    break
        if self.run_dir is not None and last_saved != self.step and metrics:
            self.save_checkpoint()
        return metrics

    def close(self) -> None:
        if self._metrics_log is not None:
            self._metrics_log.close()
            self._metrics_log = None
