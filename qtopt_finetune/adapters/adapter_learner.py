"""A Learner that trains only adapters on a frozen parent; its checkpoints hold only the adapter weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from qtopt_finetune.adapters.adapted_network import AdaptedQNetwork
from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.adapters.parent_ref import ParentRef, load_parent
from qtopt_finetune.checkpoint import MODEL_PART, Checkpoint, CheckpointError, load_checkpoint
from qtopt_finetune.learner import Learner, resume_settings
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.learner_state import LearnerState, from_checkpoint
from qtopt_finetune.networks import QNetworkConfig


class AdapterLearner(Learner):
    """The parent's weights frozen in the online net and in both lagged targets (adapted copies whose
    adapters follow the online adapters by Polyak averaging); the optimizer holds adapter parameters only.

    Fresh: `AdapterLearner(parent_checkpoint, adapter_config, config, run_dir)` (or `init_from`, with
    Learner.init_from's arguments). Continue: `AdapterLearner.resume(checkpoint[, parent=...])`.
    """

    def __init__(
        self,
        parent: str | Path | Checkpoint,
        adapter_config: AdapterConfig | None = None,
        config: LearnerConfig | None = None,
        run_dir: str | Path | None = None,
        *,
        data_manifest: dict[str, Any] | None = None,
    ) -> None:
        ckpt = parent if isinstance(parent, Checkpoint) else load_checkpoint(parent, parts=(MODEL_PART,))
        if "adapters" in ckpt.manifest["config"]:
            raise CheckpointError(
                f"parent {ckpt.path} is itself an adapter checkpoint; adapters need a full parent"
            )
        self.adapter_config = adapter_config or AdapterConfig()
        self.parent_ref = ParentRef.of(ckpt)
        self._parent_model = ckpt.parts[MODEL_PART]
        network_config = QNetworkConfig.from_dict(ckpt.manifest["config"]["network"])
        super().__init__(network_config, config, run_dir, parent_id=ckpt.id, data_manifest=data_manifest)
        del self._parent_model  # now in the networks

    def _build_network(self) -> AdaptedQNetwork:
        network = AdaptedQNetwork(self.network_config, self.adapter_config)
        network.load_base_state_dict(self._parent_model)
        return network

    @property
    def adapted(self) -> AdaptedQNetwork:
        if not isinstance(self.network, AdaptedQNetwork):  # pragma: no cover - _build_network guarantees it
            raise TypeError("AdapterLearner.network must be an AdaptedQNetwork")
        return self.network

    @classmethod
    def init_from(
        cls,
        parent: str | Path,
        config: LearnerConfig | None = None,
        run_dir: str | Path | None = None,
        data_manifest: dict[str, Any] | None = None,
        adapter_config: AdapterConfig | None = None,
        *,
        variation_input: bool = False,
    ) -> AdapterLearner:
        """Learner.init_from's signature: fresh (identity) adapters on the parent's frozen weights (no
        variation input: that is a full fine-tune's)."""
        if variation_input:
            raise ValueError("AdapterLearner: the variation input is for full fine-tuning, not adapters")
        return cls(parent, adapter_config, config, run_dir, data_manifest=data_manifest)

    @classmethod
    def resume(
        cls,
        checkpoint: str | Path,
        run_dir: str | Path | None = None,
        device: str | None = None,
        parent: str | Path | None = None,
    ) -> AdapterLearner:
        """Continue an adapter run: its parent is loaded (and verified) from `parent` or the recorded path."""
        ckpt, config, run_dir = resume_settings(checkpoint, run_dir, device)
        cfg = ckpt.manifest["config"]
        if "adapters" not in cfg or "parent" not in cfg:
            raise CheckpointError(
                f"checkpoint {checkpoint} is not an adapter checkpoint (no config.adapters)"
            )
        parent_ckpt = load_parent(ParentRef.from_dict(cfg["parent"]), ckpt.path, parent)
        learner = cls(
            parent_ckpt,
            AdapterConfig.from_dict(cfg["adapters"]),
            config,
            run_dir,
            data_manifest=ckpt.manifest["data_manifest"],
        )
        learner.load_state(from_checkpoint(ckpt))
        learner.step = ckpt.step
        return learner

    def state(self) -> LearnerState:
        """Adapter tensors only, for the online net and every target; the base is the parent's."""
        return LearnerState(
            model=self.adapted.adapter_state_dict(),
            targets={name: _adapted(m).adapter_state_dict() for name, m in self.targets.modules().items()},
            optimizer=self.optimizer.state_dict(),
            rng={name: gen.get_state() for name, gen in self.generators.items()},
        )

    def load_state(self, state: LearnerState) -> None:
        self.adapted.load_adapter_state_dict(state.model)
        for name, module in self.targets.modules().items():
            _adapted(module).load_adapter_state_dict(state.targets[name])
        self.optimizer.load_state_dict(state.optimizer)
        for name, gen in self.generators.items():
            gen.set_state(state.rng[name].cpu())

    def _checkpoint_config(self, path: Path) -> dict[str, Any]:
        return {
            **super()._checkpoint_config(path),
            "adapters": self.adapter_config.to_dict(),
            "parent": self.parent_ref.relative_to(path).to_dict(),
        }


def _adapted(module: torch.nn.Module) -> AdaptedQNetwork:
    if not isinstance(module, AdaptedQNetwork):  # pragma: no cover - targets are copies of the online net
        raise TypeError(f"expected an AdaptedQNetwork, got {type(module).__name__}")
    return module
