import pytest
import torch

from qtopt_finetune.cem import CEMConfig, cem_maximize

PEAKS = torch.tensor([[0.3, -0.5, 0.1, 0.7], [-0.6, 0.2, -0.3, -0.1], [0.0, 0.8, 0.5, -0.4]])
BEST_DISCRETE = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def known_score(actions: torch.Tensor) -> torch.Tensor:
    """Per state: a continuous peak at PEAKS[b] and a bonus for the discrete pair BEST_DISCRETE[b]."""
    continuous = -((actions[..., :4] - PEAKS[:, None]) ** 2).sum(-1)
    discrete = -2.0 * (actions[..., 4:] - BEST_DISCRETE[:, None]).abs().sum(-1)
    return continuous + discrete


def test_finds_the_peak_and_the_right_discrete_choice_per_state() -> None:
    gen = torch.Generator().manual_seed(0)
    result = cem_maximize(known_score, 3, CEMConfig(iterations=5), generator=gen)
    torch.testing.assert_close(result.action[:, 4:], BEST_DISCRETE)
    assert (result.action[:, :4] - PEAKS).abs().max() < 0.15
    torch.testing.assert_close(result.score, known_score(result.action[:, None])[:, 0])


def test_defaults_pick_the_right_discrete_choice_and_get_close() -> None:
    config = CEMConfig()
    assert (config.iterations, config.samples, config.elites) == (2, 64, 6)
    result = cem_maximize(known_score, 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(result.action[:, 4:], BEST_DISCRETE)
    assert (result.action[:, :4] - PEAKS).norm(dim=1).max() < 0.6
    random_score = known_score(torch.rand(3, 1000, 6) * 2 - 1).mean(dim=1)
    assert bool((result.score > random_score + 1.0).all())


def test_peak_on_the_boundary_is_reached_by_clipping() -> None:
    result = cem_maximize(lambda a: a[..., 0] - a[..., 1], 2, generator=torch.Generator().manual_seed(0))
    assert result.action[:, 0].tolist() == [1.0, 1.0] and result.action[:, 1].tolist() == [-1.0, -1.0]
    assert bool((result.action[:, :4].abs() <= 1.0).all())


def test_deterministic_given_a_generator() -> None:
    def run(seed: int) -> torch.Tensor:
        return cem_maximize(known_score, 3, generator=torch.Generator().manual_seed(seed)).action

    assert torch.equal(run(7), run(7))
    assert not torch.equal(run(7), run(8))


def test_score_function_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="expected"):
        cem_maximize(lambda a: a.sum(-1)[:, :3], 2)
    with pytest.raises(ValueError, match="elites"):
        CEMConfig(samples=4, elites=5)
