import pytest

from qtopt_finetune.stats import success_rate, wilson_interval


def test_wilson_interval_matches_a_hand_computed_case() -> None:
    low, high = wilson_interval(7, 10)
    assert low == pytest.approx(0.3968, abs=1e-4)
    assert high == pytest.approx(0.8922, abs=1e-4)


@pytest.mark.parametrize("episodes", [1, 7, 100, 200, 1000])
def test_the_interval_always_contains_the_rate(episodes: int) -> None:
    for successes in range(episodes + 1):
        rate = successes / episodes
        low, high = wilson_interval(successes, episodes)
        assert 0.0 <= low <= rate <= high <= 1.0, (successes, episodes, low, high)
    assert wilson_interval(0, episodes)[0] == 0.0
    assert wilson_interval(episodes, episodes)[1] == 1.0


def test_bad_counts_are_refused_with_the_counts_named() -> None:
    with pytest.raises(ValueError, match="3/2"):
        wilson_interval(3, 2)
    with pytest.raises(ValueError, match="-1/5"):
        wilson_interval(-1, 5)


def test_success_rate_reports_rate_and_interval() -> None:
    r = success_rate(0, 100)
    assert (r.rate, r.low) == (0.0, 0.0)
    assert "n=100" in str(r)
