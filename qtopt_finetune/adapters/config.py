"""The adapters' sizes, as a frozen dataclass that adapter checkpoints store (as JSON) and rebuild from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

SITES = ("bottom", "middle", "top")


@dataclass(frozen=True)
class AdapterConfig:
    """Bottleneck widths of the adapters at three depths of the Q-network ("Lossless Adaptation").

    bottom: residual 1x1-conv bottleneck on the tower's first conv block (stem) output.
    middle: residual 1x1-conv bottleneck on the merged (image + action + state) feature map.
    top: low-rank (LoRA-style) residual on every dense layer of the head, the logit included.
    0 leaves that site without an adapter. The up-projections start at zero: a fresh adapter is an identity.
    """

    bottom: int = 4
    middle: int = 8
    top: int = 2

    def __post_init__(self) -> None:
        for name in SITES:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"AdapterConfig.{name} must be an int >= 0, got {value!r}")
        if not any(getattr(self, name) for name in SITES):
            raise ValueError(f"AdapterConfig needs at least one site {SITES} > 0, got {self}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> AdapterConfig:
        known = {f.name for f in fields(AdapterConfig)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown AdapterConfig fields: {sorted(unknown)}")
        return AdapterConfig(**data)
