"""The adaptation recipe's settings ("Never Stop Learning": fine-tune on a 50/50 base/target mix)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from qtopt_finetune.learner_config import LearnerConfig, with_overrides

AdaptationMode = Literal["full", "adapters"]


@dataclass(frozen=True)
class AdaptationConfig:
    """grasps: exploration grasps the parent makes on the target variation; steps and lr: the child's
    fine-tuning (a small learning rate: the child starts from a working policy); base_weight: the base log's
    share of every batch (the rest is the target log); exploration: the parent's random-action rate while
    it collects; mode: "full" fine-tunes every weight, "adapters" trains small adapters on a frozen parent;
    learner_overrides: (name, value) pairs that change the child's learner settings from its parent's (e.g.
    ("augment.crop_padding", 8)); lr and seed are this config's own and cannot be overridden there;
    variation_input: the child's network gets the variation input (1.0 on its target grasps, 0.0 on the
    base log's; qtopt_finetune/variation_input.py); a parent that has one passes it on either way.
    """

    grasps: int = 800
    steps: int = 2000
    lr: float = 1e-4
    batch_size: int = 64
    base_weight: float = 0.5
    exploration: float = 0.1
    mode: AdaptationMode = "full"
    seed: int = 0
    eval_episodes: int = 100
    learner_overrides: tuple[tuple[str, float], ...] = ()
    variation_input: bool = False

    def __post_init__(self) -> None:
        # JSON (a manifest's config) brings the pairs back as lists; keep them hashable
        object.__setattr__(self, "learner_overrides", tuple((str(k), v) for k, v in self.learner_overrides))
        names = [name for name, _ in self.learner_overrides]
        own = sorted({"lr", "seed", "device", "checkpoint_every"} & set(names))
        if own:
            raise ValueError(
                f"AdaptationConfig: {own} are set by the adaptation itself, not learner_overrides"
            )
        if len(set(names)) != len(names):
            raise ValueError(f"AdaptationConfig: learner_overrides names a setting twice: {names}")
        with_overrides(LearnerConfig(), dict(self.learner_overrides))  # raises naming a bad one
        checks = {
            "grasps": self.grasps >= 1,
            "steps": self.steps >= 1,
            "lr": self.lr > 0,
            "batch_size": self.batch_size >= 2,
            "base_weight": 0.0 <= self.base_weight < 1.0,
            "exploration": 0.0 <= self.exploration <= 1.0,
            "mode": self.mode in ("full", "adapters"),
            "variation_input": isinstance(self.variation_input, bool)
            and not (self.variation_input and self.mode == "adapters"),
            "eval_episodes": self.eval_episodes >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"AdaptationConfig: invalid {values}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
