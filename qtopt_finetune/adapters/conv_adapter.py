"""A residual 1x1-conv bottleneck adapter for conv feature maps: x -> x + up(relu(down(x)))."""

from __future__ import annotations

import torch
from torch import nn


class ConvAdapter(nn.Module):
    """(M, C, h, w) -> same shape. `up` starts at zero, so a fresh adapter returns its input unchanged.

    Used as a forward hook on the module whose output it adapts (`hook`); while `enabled` is False the hook
    returns None and the adapted module's output is passed on untouched (the branch is never computed).
    """

    def __init__(self, channels: int, bottleneck: int) -> None:
        super().__init__()
        self.down = nn.Conv2d(channels, bottleneck, 1)
        self.up = nn.Conv2d(bottleneck, channels, 1)
        self.enabled = True
        self.zero_()

    @torch.no_grad()
    def zero_(self) -> None:
        """Make the adapter an exact identity again."""
        nn.init.zeros_(self.up.weight)
        if self.up.bias is not None:
            nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up(torch.relu(self.down(x)))

    def hook(
        self, module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> torch.Tensor | None:
        return self(output) if self.enabled else None
