"""Load the Q-network of any checkpoint: a full one, or an adapter one on top of its (verified) parent."""

from __future__ import annotations

from pathlib import Path

from qtopt_finetune.adapters.adapted_network import AdaptedQNetwork
from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.adapters.parent_ref import ParentRef, load_parent
from qtopt_finetune.checkpoint import MODEL_PART, Checkpoint, CheckpointError, load_checkpoint, read_manifest
from qtopt_finetune.networks import QNetwork, QNetworkConfig


def network_config_of(path: str | Path) -> QNetworkConfig:
    """The Q-network shape a checkpoint records (its manifest only; no weights are read)."""
    return QNetworkConfig.from_dict(read_manifest(path)["config"]["network"])


def is_adapter_checkpoint(checkpoint: Checkpoint) -> bool:
    return "adapters" in checkpoint.manifest["config"]


def adapted_network(checkpoint: Checkpoint, parent: str | Path | None = None) -> AdaptedQNetwork:
    """The parent's weights (frozen) with the checkpoint's adapters on them."""
    cfg = checkpoint.manifest["config"]
    if "parent" not in cfg:
        raise CheckpointError(f"adapter checkpoint {checkpoint.path} has no config.parent reference")
    parent_ckpt = load_parent(ParentRef.from_dict(cfg["parent"]), checkpoint.path, parent)
    network_config = QNetworkConfig.from_dict(cfg["network"])
    parent_config = QNetworkConfig.from_dict(parent_ckpt.manifest["config"]["network"])
    if parent_config != network_config:
        raise CheckpointError(
            f"adapter checkpoint {checkpoint.path}: config.network differs from that of its parent "
            f"{parent_ckpt.path}"
        )
    network = AdaptedQNetwork(network_config, AdapterConfig.from_dict(cfg["adapters"]))
    network.load_base_state_dict(parent_ckpt.parts[MODEL_PART])
    network.load_adapter_state_dict(checkpoint.parts[MODEL_PART])
    return network


def load_q_network(path: str | Path, parent: str | Path | None = None) -> tuple[QNetwork, Checkpoint]:
    """(network, checkpoint with its model part). An adapter checkpoint loads its parent from `parent` if
    given, else from the path its manifest records (relative to it first, then absolute)."""
    ckpt = load_checkpoint(path, parts=(MODEL_PART,))
    if is_adapter_checkpoint(ckpt):
        return adapted_network(ckpt, parent), ckpt
    if parent is not None:
        raise CheckpointError(f"checkpoint {path} is a full checkpoint: it takes no parent (got {parent})")
    network = QNetwork(QNetworkConfig.from_dict(ckpt.manifest["config"]["network"]))
    network.load_state_dict(ckpt.parts[MODEL_PART])
    return network, ckpt
