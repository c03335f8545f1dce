"""A low-rank (LoRA-style) residual on a dense layer: y = W x + b + up(down(x))."""

from __future__ import annotations

import torch
from torch import nn


class LowRankAdapter(nn.Module):
    """Adds `up(down(x))` (rank `rank`, no bias on `down`) to a Linear layer's output.

    `up` starts at zero, so a fresh adapter adds exactly 0. Used as a forward hook on the Linear (`hook`);
    while `enabled` is False the hook returns None and the layer's output is passed on untouched.
    """

    def __init__(self, in_features: int, out_features: int, rank: int) -> None:
        super().__init__()
        self.down = nn.Linear(in_features, rank, bias=False)
        self.up = nn.Linear(rank, out_features, bias=False)
        self.enabled = True
        self.zero_()

    @torch.no_grad()
    def zero_(self) -> None:
        """Make the adapter add exactly zero again."""
        nn.init.zeros_(self.up.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The residual alone: (..., in_features) -> (..., out_features)."""
        return self.up(self.down(x))

    def hook(
        self, module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> torch.Tensor | None:
        return output + self(args[0]) if self.enabled else None
