"""The cross-entropy method over QT-Opt's mixed action space, batched over states and vectorised in torch.

Continuous dims (dx, dy, dz, drotation) are drawn from a diagonal Gaussian and clipped to [-1, 1]; the two
binary dims (close_gripper, terminate) from independent Bernoullis. After scoring, the Gaussian is refit
to the elites' mean and standard deviation and the Bernoulli probabilities to the elites' frequencies.
The best sample seen in any iteration is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from qtopt_finetune.spaces import ACTION_DIM, CONTINUOUS_DIM

ScoreFn = Callable[[torch.Tensor], torch.Tensor]  # actions (B, N, ACTION_DIM) -> scores (B, N)
DISCRETE_DIM = ACTION_DIM - CONTINUOUS_DIM


@dataclass(frozen=True)
class CEMConfig:
    """QT-Opt's defaults: 2 iterations of 64 samples, refit to the best 6."""

    iterations: int = 2
    samples: int = 64
    elites: int = 6
    initial_std: float = 1.0  # of the continuous dims, around mean 0, before clipping to [-1, 1]
    min_std: float = 0.01  # floor of the refit standard deviation
    initial_prob: float = 0.5  # of each binary dim being 1

    def __post_init__(self) -> None:
        if self.iterations < 1 or self.samples < 1:
            raise ValueError("CEM needs iterations >= 1 and samples >= 1")
        if not 1 <= self.elites <= self.samples:
            raise ValueError(
                f"CEM needs 1 <= elites <= samples, got elites={self.elites}, samples={self.samples}"
            )


@dataclass
class CEMResult:
    action: torch.Tensor  # (B, ACTION_DIM), binary dims exactly 0.0 or 1.0
    score: torch.Tensor  # (B,), the score function's value at `action`


def _draw(
    mean: torch.Tensor, std: torch.Tensor, prob: torch.Tensor, n: int, generator: torch.Generator | None
) -> torch.Tensor:
    b = mean.shape[0]
    gen_device = generator.device if generator is not None else mean.device
    noise = torch.randn((b, n, CONTINUOUS_DIM), generator=generator, device=gen_device).to(mean.device)
    uniform = torch.rand((b, n, DISCRETE_DIM), generator=generator, device=gen_device).to(mean.device)
    continuous = (mean[:, None, :] + std[:, None, :] * noise).clamp_(-1.0, 1.0)
    discrete = (uniform < prob[:, None, :]).to(mean.dtype)
    return torch.cat([continuous, discrete], dim=-1)


def cem_maximize(
    score_fn: ScoreFn,
    batch_size: int,
    config: CEMConfig | None = None,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> CEMResult:
    """Maximise `score_fn` over actions, independently for each of `batch_size` states.

    Deterministic given `generator` (random numbers are drawn on the generator's device, then moved).
    """
    cfg = config or CEMConfig()
    dev = torch.device(device)
    mean = torch.zeros((batch_size, CONTINUOUS_DIM), device=dev)
    std = torch.full((batch_size, CONTINUOUS_DIM), cfg.initial_std, device=dev)
    prob = torch.full((batch_size, DISCRETE_DIM), cfg.initial_prob, device=dev)
    best_action = torch.zeros((batch_size, ACTION_DIM), device=dev)
    best_score = torch.full((batch_size,), -torch.inf, device=dev)
    rows = torch.arange(batch_size, device=dev)
    for _ in range(cfg.iterations):
        actions = _draw(mean, std, prob, cfg.samples, generator)
        scores = score_fn(actions)
        if scores.shape != (batch_size, cfg.samples):
            raise ValueError(f"score_fn returned {tuple(scores.shape)}, expected {(batch_size, cfg.samples)}")
        top_scores, top_index = scores.topk(cfg.elites, dim=1)
        improved = top_scores[:, 0] > best_score
        best_score = torch.where(improved, top_scores[:, 0], best_score)
        best_action = torch.where(improved[:, None], actions[rows, top_index[:, 0]], best_action)
        elites = actions.gather(1, top_index[:, :, None].expand(-1, -1, ACTION_DIM))
        mean = elites[..., :CONTINUOUS_DIM].mean(dim=1)
        std = elites[..., :CONTINUOUS_DIM].std(dim=1, unbiased=False).clamp_min(cfg.min_std)
        prob = elites[..., CONTINUOUS_DIM:].mean(dim=1)
    return CEMResult(action=best_action, score=best_score)
