"""A learner's state <-> checkpoint parts: model, targets, optimizer (+ JSON metadata), rng."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import torch

from qtopt_finetune.checkpoint import Checkpoint, CheckpointError
from qtopt_finetune.optimizer_state import flatten_optimizer_state, unflatten_optimizer_state

TARGETS_PART = "targets"
OPTIMIZER_PART = "optimizer"
RNG_PART = "rng"
OPTIMIZER_META_KEY = "optimizer_json"


@dataclass
class LearnerState:
    model: dict[str, torch.Tensor]
    targets: dict[str, dict[str, torch.Tensor]]  # "target1" / "target2" / "target_snapshot" -> state dict
    optimizer: dict[str, Any]  # optimizer.state_dict()
    rng: dict[str, torch.Tensor]  # generator name -> generator.get_state()


def to_parts(state: LearnerState) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, dict[str, str]]]:
    """-> (parts for `save_checkpoint`, safetensors metadata per part)."""
    targets = {f"{net}/{key}": t for net, sd in state.targets.items() for key, t in sd.items()}
    optimizer_tensors, optimizer_meta = flatten_optimizer_state(state.optimizer)
    parts = {
        "model": state.model,
        TARGETS_PART: targets,
        OPTIMIZER_PART: optimizer_tensors,
        RNG_PART: state.rng,
    }
    metadata = {OPTIMIZER_PART: {OPTIMIZER_META_KEY: json.dumps(optimizer_meta)}}
    return parts, metadata


def from_checkpoint(checkpoint: Checkpoint) -> LearnerState:
    missing = {TARGETS_PART, OPTIMIZER_PART, RNG_PART} - set(checkpoint.parts)
    if missing:
        raise CheckpointError(f"checkpoint {checkpoint.path} lacks the learner parts {sorted(missing)}")
    targets: dict[str, dict[str, torch.Tensor]] = {}
    for name, tensor in checkpoint.parts[TARGETS_PART].items():
        net, key = name.split("/", 1)
        targets.setdefault(net, {})[key] = tensor
    meta = json.loads(checkpoint.metadata[OPTIMIZER_PART][OPTIMIZER_META_KEY])
    return LearnerState(
        model=checkpoint.parts["model"],
        targets=targets,
        optimizer=unflatten_optimizer_state(checkpoint.parts[OPTIMIZER_PART], meta),
        rng=checkpoint.parts[RNG_PART],
    )
