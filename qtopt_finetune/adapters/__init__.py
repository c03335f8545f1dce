"""Lossless adaptation: small adapters at the bottom, middle and top of a frozen parent Q-network.

A child stores only its adapter weights and a reference (id, weights sha256, path) to its parent; with its
adapters off or zeroed, the network is bit-for-bit the parent.
"""

from qtopt_finetune.adapters.adapted_network import AdaptedQNetwork
from qtopt_finetune.adapters.adapter_learner import AdapterLearner
from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.adapters.loading import is_adapter_checkpoint, load_q_network
from qtopt_finetune.adapters.parent_ref import ParentRef, load_parent

__all__ = [
    "AdaptedQNetwork",
    "AdapterConfig",
    "AdapterLearner",
    "ParentRef",
    "is_adapter_checkpoint",
    "load_parent",
    "load_q_network",
]
