"""Success rates with honest intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class SuccessRate:
    successes: int
    episodes: int
    rate: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.rate:.3f} [{self.low:.3f}, {self.high:.3f}] (n={self.episodes})"


def wilson_interval(successes: int, episodes: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if episodes < 0 or successes < 0 or successes > episodes:
        raise ValueError(f"need 0 <= successes <= episodes, got {successes}/{episodes}")
    if episodes == 0:
        return 0.0, 1.0
    p = successes / episodes
    denom = 1 + z * z / episodes
    centre = (p + z * z / (2 * episodes)) / denom
    half = z * math.sqrt(p * (1 - p) / episodes + z * z / (4 * episodes * episodes)) / denom
    # Rounding can put the bound a hair past the observed rate (0/n gave a low of 3e-18),
    # which plots as a negative error bar; the interval always contains the rate.
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


def success_rate(successes: int, episodes: int) -> SuccessRate:
    low, high = wilson_interval(successes, episodes)
    rate = successes / episodes if episodes else 0.0
    return SuccessRate(successes, episodes, rate, low, high)
