"""The learner's settings, as a dataclass that checkpoints store (as JSON)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from qtopt_finetune.augment import AugmentConfig
from qtopt_finetune.bellman import BellmanConfig
from qtopt_finetune.cem import CEMConfig


@dataclass(frozen=True)
class LearnerConfig:
    """QT-Opt trained with SGD + momentum 0.9 at lr 1e-4, batch 32; Adam is our default for small runs."""

    optimizer: Literal["adam", "sgd"] = "adam"
    lr: float = 1e-4
    # Cosine decay of the learning rate from `lr` to 0 over the run's first `lr_decay_steps` steps (a
    # fine-tune's steps count from its own 0, a resumed run from where it stopped); 0 = a constant `lr`.
    lr_decay_steps: int = 0
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.0
    grad_clip_norm: float | None = 10.0
    tau: float = 0.005  # Polyak rate of target1 (QT-Opt: 1e-4)
    target_lag_steps: int = 100  # target2 lags target1 by this (..2x) many steps
    bellman: BellmanConfig = field(default_factory=BellmanConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    # DrQ (Kostrikov et al. 2021): each step draws this many independent augmentations of the batch, averages
    # the Bellman targets computed at their next images and the log loss over their images; 1 = one draw.
    augment_draws: int = 1
    # Conservative Q-learning (CQL(H), Kumar et al. 2020): add weight * (logsumexp of the logits of
    # `conservative_samples` uniformly random actions and the logged one - the logged one's logit) to the
    # loss, so actions the log never shows do not look better than the ones it does (CEM finds and
    # exploits any such over-estimate). 0 = off.
    conservative_weight: float = 0.0
    conservative_samples: int = 8
    # Hindsight shortcuts (qtopt_finetune.grasp_log.shortcuts): add weight * the log loss of Q at each sampled
    # step's straight move to where its episode closed, against that close's discounted return. 0 = off.
    # `shortcut_max_translation`: the robot's metres per unit of dz (the sim's 0.08), to turn heights into dz.
    shortcut_weight: float = 0.0
    shortcut_max_translation: float = 0.08
    # Sampling: draw each log's share of a batch in windows of up to this many consecutive steps of an
    # episode (grasp_log.windows): ~1.2 JPEG decodes per transition at 4 against ~1.9 at 1. 1 = independent.
    sample_window: int = 1
    # The variation input's weights (QNetworkConfig.variation_input; they start at zero in a child) learn at
    # this multiple of `lr`: at a fine-tune's small lr, Adam moves a weight about lr a step, too slowly for a
    # new input to matter within a child's few thousand steps. No effect on a network without the input.
    variation_input_lr_scale: float = 1.0
    device: str = "cpu"  # "cpu", "cuda", "cuda:1", or "auto" (cuda when available)
    seed: int = 0
    checkpoint_every: int = 1000  # steps; 0 = only when asked (and at the end of `train`)
    log_every: int = 10  # steps between CSV / TensorBoard rows
    tensorboard: bool = True  # used when the `tensorboard` package is installed
    progress: bool = True  # tqdm bar

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        if self.conservative_weight < 0 or self.conservative_samples < 1:
            raise ValueError("need conservative_weight >= 0 and conservative_samples >= 1")
        if not self.shortcut_weight >= 0 or not self.shortcut_max_translation > 0:
            raise ValueError(
                f"need shortcut_weight >= 0 and shortcut_max_translation > 0, got {self.shortcut_weight}, "
                f"{self.shortcut_max_translation}"
            )
        if isinstance(self.lr_decay_steps, bool) or not isinstance(self.lr_decay_steps, int):
            raise ValueError(f"lr_decay_steps must be a whole number of steps, got {self.lr_decay_steps!r}")
        if self.lr_decay_steps < 0:
            raise ValueError(f"need lr_decay_steps >= 0 (0 = constant lr), got {self.lr_decay_steps}")
        if isinstance(self.augment_draws, bool) or not isinstance(self.augment_draws, int):
            raise ValueError(f"augment_draws must be a whole number, got {self.augment_draws!r}")
        if self.augment_draws < 1:
            raise ValueError(f"need augment_draws >= 1, got {self.augment_draws}")
        if not self.variation_input_lr_scale > 0 or not math.isfinite(self.variation_input_lr_scale):
            raise ValueError(f"need variation_input_lr_scale > 0, got {self.variation_input_lr_scale}")
        if self.sample_window < 1:
            raise ValueError(f"need sample_window >= 1, got {self.sample_window}")
        if self.lr <= 0 or self.log_every < 1 or self.checkpoint_every < 0:
            raise ValueError("need lr > 0, log_every >= 1 and checkpoint_every >= 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> LearnerConfig:
        known = {f.name for f in fields(LearnerConfig)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown LearnerConfig fields: {sorted(unknown)}")
        values = dict(data)
        if isinstance(values.get("bellman"), dict):
            bellman = dict(values["bellman"])
            bellman["cem"] = CEMConfig(**bellman.get("cem", {}))
            values["bellman"] = BellmanConfig(**bellman)
        if isinstance(values.get("augment"), dict):
            values["augment"] = AugmentConfig(**values["augment"])
        return LearnerConfig(**values)


def scheduled_lr(config: LearnerConfig, step: int) -> float:
    """The learning rate of the step after `step` steps: `config.lr`, or its cosine decay to 0 over
    `config.lr_decay_steps` steps."""
    n = config.lr_decay_steps
    if n == 0:
        return config.lr
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * min(step, n) / n))


def with_overrides(config: LearnerConfig, overrides: dict[str, float]) -> LearnerConfig:
    """`config` with some settings changed, by name; nested ones with a dot ("augment.crop_padding",
    "bellman.cem.iterations"). Each value takes the type of the setting it replaces (an int stays an int; an
    on/off setting takes 1 or 0); an unknown name, or a value the setting refuses, raises ValueError naming
    it."""
    data = config.to_dict()
    for key, value in overrides.items():
        *path, last = key.split(".")
        section: Any = data
        for part in path:
            section = section.get(part) if isinstance(section, dict) else None
        if not isinstance(section, dict) or last not in section or isinstance(section[last], dict):
            raise ValueError(f"learner setting {key!r}: LearnerConfig has no such setting")
        old = section[last]
        if isinstance(old, bool):
            if value not in (0, 1):
                raise ValueError(f"learner setting {key!r} is on (1) or off (0), got {value}")
            section[last] = bool(value)
            continue
        if not isinstance(old, int | float | None):
            raise ValueError(
                f"learner setting {key!r}: only numeric and on/off settings can be overridden, it is {old!r}"
            )
        if isinstance(old, int) and float(value) != int(value):
            raise ValueError(f"learner setting {key!r} is a whole number, got {value}")
        section[last] = int(value) if isinstance(old, int) else float(value)
    try:
        return LearnerConfig.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"learner settings {overrides}: {exc}") from exc


def parse_learner_overrides(items: list[str]) -> tuple[tuple[str, float], ...]:
    """Command-line overrides ("KEY=NUMBER", ...) -> ((KEY, NUMBER), ...); ValueError naming a bad item."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise ValueError(f"--set wants KEY=NUMBER (a learner setting), got {item!r}")
        out.append((key.strip(), number))
    return tuple(out)
