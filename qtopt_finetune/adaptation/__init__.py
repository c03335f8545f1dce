"""Adaptation: a child policy fine-tuned from its parent on a fixed mix of base and target grasps."""

from qtopt_finetune.adaptation.config import AdaptationConfig
from qtopt_finetune.adaptation.finetune import finetune_child

__all__ = ["AdaptationConfig", "finetune_child"]
