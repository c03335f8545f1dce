import math

import torch
import torch.nn.functional as F

from qtopt_finetune.bellman import BellmanConfig, clipped_double_q_target, compute_bellman_targets, log_loss


def test_hand_computed_targets_with_done_masking_and_min_over_two_nets() -> None:
    reward = torch.tensor([0.0, 1.0, 0.0, -0.05, 0.0])
    done = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0])
    q1 = torch.tensor([0.8, 0.3, float("nan"), 0.5, 0.9])
    q2 = torch.tensor([0.6, 0.9, 0.2, 0.7, 0.95])
    target = clipped_double_q_target(reward, done, q1, q2, gamma=0.9)
    # row 0: 0 + 0.9 * min(0.8, 0.6); row 1: terminal; row 2: terminal, NaN ignored;
    # row 3: -0.05 + 0.9 * 0.5; row 4: 0.9 * 0.9
    torch.testing.assert_close(target, torch.tensor([0.54, 1.0, 0.0, 0.40, 0.81]))


def test_targets_are_clipped_to_unit_interval_unless_asked_not_to() -> None:
    reward, done = torch.tensor([1.0, -0.05]), torch.tensor([0.0, 0.0])
    q1, q2 = torch.tensor([0.5, 0.0]), torch.tensor([0.5, 0.0])
    torch.testing.assert_close(clipped_double_q_target(reward, done, q1, q2), torch.tensor([1.0, 0.0]))
    raw = clipped_double_q_target(reward, done, q1, q2, clip_to_unit=False)
    torch.testing.assert_close(raw, torch.tensor([1.45, -0.05]))


class KnownQ:
    """A stand-in Q-function: logit = slope * dx - 3 * terminate; counts tower calls and their sizes."""

    def __init__(self, slope: float) -> None:
        self.slope = slope
        self.tower_batch_sizes: list[int] = []

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        self.tower_batch_sizes.append(images.shape[0])
        return images.mean(dim=(1, 2, 3))

    def q_from_features(
        self, features: torch.Tensor, state: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        return self.slope * actions[..., 0] - 3.0 * actions[..., 5] + 0.0 * features[:, None]


def test_targets_use_cem_on_the_first_net_and_the_min_of_both_at_its_action() -> None:
    net1, net2 = KnownQ(slope=3.0), KnownQ(slope=2.0)
    reward = torch.tensor([0.0, 1.0, -0.05])
    done = torch.tensor([0.0, 1.0, 0.0])
    out = compute_bellman_targets(
        net1, net2, reward, done, torch.rand(3, 3, 8, 8), torch.rand(3, 2), BellmanConfig(gamma=0.9),
        torch.Generator().manual_seed(0),
    )  # fmt: skip
    # CEM on net1 picks dx = 1 (clipped samples reach it), terminate = 0: Q1 = sigmoid(3), Q2 = sigmoid(2)
    assert out.next_action[[0, 2], 0].tolist() == [1.0, 1.0]
    assert out.next_action[[0, 2], 5].tolist() == [0.0, 0.0]
    q_min = 1 / (1 + math.exp(-2.0))
    expected = torch.tensor([0.9 * q_min, 1.0, -0.05 + 0.9 * q_min])
    torch.testing.assert_close(out.target, expected)
    # each target net's tower ran once, on the two non-terminal next states only
    assert net1.tower_batch_sizes == [2] and net2.tower_batch_sizes == [2]


def test_all_terminal_batch_skips_the_next_state() -> None:
    net1, net2 = KnownQ(1.0), KnownQ(1.0)
    out = compute_bellman_targets(
        net1, net2, torch.tensor([1.0, 0.0]), torch.ones(2), torch.rand(2, 3, 8, 8), torch.rand(2, 2)
    )
    torch.testing.assert_close(out.target, torch.tensor([1.0, 0.0]))
    assert net1.tower_batch_sizes == [] and net2.tower_batch_sizes == []


def test_log_loss_is_cross_entropy_with_soft_labels() -> None:
    logits = torch.tensor([0.0, 2.0, -1.0])
    target = torch.tensor([0.5, 0.9, 0.2])
    p = torch.sigmoid(logits)
    manual = -(target * p.log() + (1 - target) * (1 - p).log()).mean()
    torch.testing.assert_close(log_loss(logits, target), manual)
    torch.testing.assert_close(log_loss(logits, target), F.binary_cross_entropy(p, target))


def test_targets_bounded_below_by_the_logged_return_only_when_asked() -> None:
    from qtopt_finetune.bellman import bound_by_returns

    target = torch.tensor([0.2, 0.9, 0.0])
    returns = [0.81, 0.5, 1.2]
    bounded = bound_by_returns(target, returns, BellmanConfig(mc_lower_bound=True))
    torch.testing.assert_close(bounded, torch.tensor([0.81, 0.9, 1.0]))  # max, then clipped to [0, 1]
    assert bound_by_returns(target, returns, BellmanConfig()) is target
    import pytest

    with pytest.raises(ValueError, match="mc_return"):
        bound_by_returns(target, None, BellmanConfig(mc_lower_bound=True))


def test_step_penalty_is_added_to_every_reward_in_the_targets() -> None:
    net1, net2 = KnownQ(1.0), KnownQ(1.0)
    args = (torch.tensor([1.0, 0.0]), torch.ones(2), torch.rand(2, 3, 8, 8), torch.rand(2, 2))
    out = compute_bellman_targets(net1, net2, *args, config=BellmanConfig(step_penalty=-0.05))
    torch.testing.assert_close(out.target, torch.tensor([0.95, 0.0]))  # clipped at 0 below
    raw = BellmanConfig(step_penalty=-0.05, clip_to_unit=False)
    torch.testing.assert_close(
        compute_bellman_targets(net1, net2, *args, config=raw).target, torch.tensor([0.95, -0.05])
    )
