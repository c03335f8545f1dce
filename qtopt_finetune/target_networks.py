"""The two lagged target networks of QT-Opt's clipped double Q-learning, and their update rules.

What we chose (QT-Opt's paper describes two lagged targets; its exact schedule was not released):
- `target1` follows the online network by Polyak averaging every step: t1 <- (1 - tau) * t1 + tau * online
  (QT-Opt's "weight averaging 0.9999" is tau = 1e-4; our default is faster for short fine-tunes).
- `target2` lags `target1`: every `lag_steps` steps it takes the snapshot of `target1` saved at the
  previous sync, then a fresh snapshot is saved. So target2 is target1 from lag_steps..2*lag_steps steps
  ago (never identical to target1 once training moves), at the price of one extra copy in memory.
"""

from __future__ import annotations

import copy
from typing import Generic, TypeVar

import torch
from torch import nn

M = TypeVar("M", bound=nn.Module)


@torch.no_grad()
def polyak_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """target <- (1 - tau) * target + tau * source for parameters; buffers are copied."""
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"tau must be in [0, 1], got {tau}")
    for t, s in zip(target.parameters(), source.parameters(), strict=True):
        t.lerp_(s, tau)
    for tb, sb in zip(target.buffers(), source.buffers(), strict=True):
        tb.copy_(sb)


@torch.no_grad()
def hard_update(target: nn.Module, source: nn.Module) -> None:
    """target <- source (the lagged copy update)."""
    target.load_state_dict(source.state_dict())


def frozen_copy(module: M) -> M:
    clone = copy.deepcopy(module)
    clone.requires_grad_(False)
    clone.eval()
    return clone


class LaggedTargets(Generic[M]):
    """Holds target1 (Polyak average of the online net) and target2 (target1, lagged by `lag_steps`)."""

    def __init__(self, online: M, tau: float = 0.005, lag_steps: int = 100) -> None:
        if lag_steps < 1:
            raise ValueError(f"lag_steps must be >= 1, got {lag_steps}")
        self.tau = tau
        self.lag_steps = lag_steps
        self.target1 = frozen_copy(online)
        self.target2 = frozen_copy(online)
        self.snapshot = frozen_copy(online)  # target1 at the last sync; becomes target2 at the next

    def update(self, online: nn.Module, step: int) -> None:
        """Call once after each gradient step; `step` counts completed steps (1, 2, ...)."""
        polyak_update(self.target1, online, self.tau)
        if step % self.lag_steps == 0:
            hard_update(self.target2, self.snapshot)
            hard_update(self.snapshot, self.target1)

    def state_dicts(self) -> dict[str, dict[str, torch.Tensor]]:
        return {name: module.state_dict() for name, module in self.modules().items()}

    def load_state_dicts(self, states: dict[str, dict[str, torch.Tensor]]) -> None:
        for name, module in self.modules().items():
            module.load_state_dict(states[name])

    def modules(self) -> dict[str, M]:
        return {"target1": self.target1, "target2": self.target2, "target_snapshot": self.snapshot}
