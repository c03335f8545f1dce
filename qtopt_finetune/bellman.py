"""Bellman targets for QT-Opt: clipped double Q over two lagged target networks, at CEM's next action.

    target = r + gamma * (1 - done) * min(Q1', Q2')(s', a*),   a* = CEM argmax_a Q1'(s', a)

clipped to [0, 1] (Q is a probability). The loss is the log loss (cross-entropy with the target as a
soft label). Kept apart from the learner so distributed Bellman-updater actors can reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F

from qtopt_finetune.cem import CEMConfig, cem_maximize
from qtopt_finetune.spaces import ACTION_DIM


class QFunction(Protocol):
    """What targets need of a Q-network (QNetwork has it): image features once, then logits per action."""

    def encode_image(self, images: torch.Tensor) -> torch.Tensor: ...

    def q_from_features(
        self, features: torch.Tensor, state: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor: ...


@dataclass(frozen=True)
class BellmanConfig:
    gamma: float = 0.9
    clip_to_unit: bool = True  # clip targets to [0, 1], as for a sigmoid Q
    cem: CEMConfig = field(default_factory=CEMConfig)
    # Targets are at least the discounted return the logged episode actually got from this step (a lower
    # bound on the optimal Q in a deterministic world): success propagates back through a whole episode at
    # once instead of one step per target-network lag. Needs batches that carry `mc_return`.
    mc_lower_bound: bool = False
    # Added to every transition's logged reward when targets are computed (QT-Opt used about -0.05): a step
    # that does not end the episode must promise more than ending it now, so the policy stops dithering.
    step_penalty: float = 0.0


@dataclass
class BellmanTargets:
    target: torch.Tensor  # (B,)
    next_action: torch.Tensor  # (B, ACTION_DIM); zeros where done
    next_q: torch.Tensor  # (B,) min(Q1', Q2') at next_action; zeros where done


def clipped_double_q_target(
    reward: torch.Tensor,
    done: torch.Tensor,
    next_q1: torch.Tensor,
    next_q2: torch.Tensor,
    gamma: float = 0.9,
    clip_to_unit: bool = True,
) -> torch.Tensor:
    """r + gamma * (1 - done) * min(q1, q2). Terminal rows ignore next_q entirely (even NaN)."""
    bootstrap = torch.where(done > 0.5, torch.zeros_like(reward), torch.minimum(next_q1, next_q2))
    target = reward + gamma * bootstrap
    return target.clamp(0.0, 1.0) if clip_to_unit else target


@torch.no_grad()
def next_state_values(
    target1: QFunction,
    target2: QFunction,
    next_image: torch.Tensor,
    next_state: torch.Tensor,
    cem: CEMConfig,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CEM over target1 at s' -> (a* (B, 6), Q1'(s', a*) (B,), Q2'(s', a*) (B,)) as probabilities."""
    features1 = target1.encode_image(next_image)

    def score(actions: torch.Tensor) -> torch.Tensor:
        return target1.q_from_features(features1, next_state, actions)

    best = cem_maximize(score, next_image.shape[0], cem, generator=generator, device=next_image.device)
    q1 = torch.sigmoid(best.score)
    q2 = torch.sigmoid(
        target2.q_from_features(target2.encode_image(next_image), next_state, best.action[:, None])
    )
    return best.action, q1, q2[:, 0]


@torch.no_grad()
def compute_bellman_targets(
    target1: QFunction,
    target2: QFunction,
    reward: torch.Tensor,
    done: torch.Tensor,
    next_image: torch.Tensor,
    next_state: torch.Tensor,
    config: BellmanConfig | None = None,
    generator: torch.Generator | None = None,
) -> BellmanTargets:
    """Targets for a batch; the next state's CEM runs only on the rows that are not terminal."""
    cfg = config or BellmanConfig()
    b = reward.shape[0]
    next_action = torch.zeros((b, ACTION_DIM), device=reward.device)
    q1 = torch.zeros_like(reward)
    q2 = torch.zeros_like(reward)
    live = torch.nonzero(done <= 0.5).squeeze(1)
    if live.numel() > 0:
        a, live_q1, live_q2 = next_state_values(
            target1, target2, next_image[live], next_state[live], cfg.cem, generator
        )
        next_action[live], q1[live], q2[live] = a, live_q1, live_q2
    target = clipped_double_q_target(reward + cfg.step_penalty, done, q1, q2, cfg.gamma, cfg.clip_to_unit)
    return BellmanTargets(target=target, next_action=next_action, next_q=torch.minimum(q1, q2))


def bound_by_returns(
    target: torch.Tensor, mc_return: np.ndarray | torch.Tensor | None, config: BellmanConfig
) -> torch.Tensor:
    """max(target, the logged discounted return) when `config.mc_lower_bound`, else `target` unchanged."""
    if not config.mc_lower_bound:
        return target
    if mc_return is None:
        raise ValueError(
            "BellmanConfig.mc_lower_bound needs batches with mc_return (sample with return_gamma)"
        )
    returns = torch.as_tensor(mc_return, dtype=target.dtype).to(target.device)
    bounded = torch.maximum(target, returns)
    return bounded.clamp(0.0, 1.0) if config.clip_to_unit else bounded


def log_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of sigmoid(logits) against soft labels `target` in [0, 1], averaged."""
    return F.binary_cross_entropy_with_logits(logits, target)
