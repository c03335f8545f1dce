"""A Q-network with adapters at the bottom, middle and top on frozen base weights ("Lossless Adaptation").

It is a QNetwork (same modules, same state-dict keys, same encode_image / q_from_features / forward), so
CEM, Bellman targets, the Learner and CEMPolicy use it unchanged. The adapters live under `adapters.` and
act through forward hooks on the base modules; a disabled adapter's hook returns None, so with the adapters
off the network runs exactly the parent's computation and its Q-values are bit-for-bit the parent's.
"""

from __future__ import annotations

import torch
from torch import nn

from qtopt_finetune.adapters.config import AdapterConfig
from qtopt_finetune.adapters.conv_adapter import ConvAdapter
from qtopt_finetune.adapters.low_rank import LowRankAdapter
from qtopt_finetune.networks import QNetwork, QNetworkConfig

PREFIX = "adapters."


class AdaptedQNetwork(QNetwork):
    """QNetwork whose base parameters are frozen (requires_grad False) and whose adapters train.

    bottom: ConvAdapter on `tower.stem`'s output; middle: ConvAdapter on `merge`'s output; top: a
    LowRankAdapter on every Linear of the head (`head.dense` and `head.logit`).
    """

    def __init__(
        self, config: QNetworkConfig | None = None, adapter_config: AdapterConfig | None = None
    ) -> None:
        super().__init__(config)
        self.adapter_config = adapter_config or AdapterConfig()
        self.requires_grad_(False)  # the base: everything built so far
        a = self.adapter_config
        self.adapters = nn.ModuleDict()
        if a.bottom:
            bottom = ConvAdapter(self.config.tower_channels[0], a.bottom)
            self.adapters["bottom"] = bottom
            self.tower.stem.register_forward_hook(bottom.hook)
        if a.middle:
            middle = ConvAdapter(self.tower.out_channels, a.middle)
            self.adapters["middle"] = middle
            self.merge.register_forward_hook(middle.hook)
        if a.top:
            linears = [m for m in self.head.dense if isinstance(m, nn.Linear)] + [self.head.logit]
            top = [LowRankAdapter(m.in_features, m.out_features, a.top) for m in linears]
            self.adapters["top"] = nn.ModuleList(top)
            for layer, adapter in zip(linears, top, strict=True):
                layer.register_forward_hook(adapter.hook)

    # ----- switching the adapters -----

    def _adapter_modules(self) -> list[ConvAdapter | LowRankAdapter]:
        return [m for m in self.adapters.modules() if isinstance(m, ConvAdapter | LowRankAdapter)]

    @property
    def adapters_enabled(self) -> bool:
        return all(m.enabled for m in self._adapter_modules())

    def set_adapters_enabled(self, enabled: bool) -> None:
        """Off: every adapter branch is skipped; the network computes exactly what the parent computes."""
        for m in self._adapter_modules():
            m.enabled = enabled

    def zero_adapters(self) -> None:
        """Reset every up-projection to zero: each adapter adds exactly 0 again."""
        for m in self._adapter_modules():
            m.zero_()

    # ----- weights -----

    def adapter_parameter_count(self) -> int:
        return sum(p.numel() for p in self.adapters.parameters())

    def base_parameter_count(self) -> int:
        return sum(p.numel() for name, p in self.named_parameters() if not name.startswith(PREFIX))

    def adapter_state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.state_dict().items() if k.startswith(PREFIX)}

    def base_state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.state_dict().items() if not k.startswith(PREFIX)}

    def load_adapter_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load adapter tensors (keys `adapters.*`); any other key, or a missing one, is an error."""
        _check_keys("adapter", set(state), set(self.adapter_state_dict()))
        self.adapters.load_state_dict({k.removeprefix(PREFIX): v for k, v in state.items()})

    def load_base_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load a plain QNetwork's state dict (the parent's) into the frozen base."""
        _check_keys("base (parent QNetwork)", set(state), set(self.base_state_dict()))
        self.load_state_dict({**state, **self.adapter_state_dict()})

    def to_base(self) -> QNetwork:
        """The adapters removed: a plain QNetwork with the (unchanged) base weights, i.e. the parent."""
        base = QNetwork(self.config)
        base.load_state_dict(self.base_state_dict())
        return base.to(next(self.parameters()).device)


def _check_keys(what: str, given: set[str], expected: set[str]) -> None:
    missing, unexpected = sorted(expected - given), sorted(given - expected)
    if missing or unexpected:
        raise ValueError(
            f"{what} state dict does not fit this AdaptedQNetwork: "
            f"missing {_few(missing)}, unexpected {_few(unexpected)}"
        )


def _few(keys: list[str]) -> str:
    return f"{keys[:5]}{'...' if len(keys) > 5 else ''}"
