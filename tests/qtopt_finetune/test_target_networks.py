import torch
from torch import nn

from qtopt_finetune.target_networks import LaggedTargets, polyak_update


def _set(module: nn.Module, value: float) -> None:
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(value)


def _value(module: nn.Module) -> float:
    return float(next(module.parameters()).flatten()[0])


def test_polyak_update_moves_tau_of_the_way() -> None:
    target, source = nn.Linear(2, 2), nn.Linear(2, 2)
    _set(target, 1.0)
    _set(source, 3.0)
    polyak_update(target, source, tau=0.25)
    assert all(torch.allclose(p, torch.full_like(p, 1.5)) for p in target.parameters())


def test_second_target_lags_the_first_by_one_to_two_lag_periods() -> None:
    online = nn.Linear(1, 1)
    _set(online, 0.0)
    targets = LaggedTargets(online, tau=1.0, lag_steps=2)  # tau=1: target1 == online after each update
    history = {}
    for step in range(1, 7):
        _set(online, float(step))
        targets.update(online, step)
        history[step] = (_value(targets.target1), _value(targets.target2))
    assert [t1 for t1, _ in history.values()] == [1, 2, 3, 4, 5, 6]
    # target2 takes, every 2 steps, the snapshot of target1 saved at the previous sync
    assert [t2 for _, t2 in history.values()] == [0, 0, 0, 2, 2, 4]
    assert all(not p.requires_grad for p in targets.target1.parameters())


def test_state_dicts_round_trip() -> None:
    online = nn.Linear(2, 1)
    a, b = LaggedTargets(online), LaggedTargets(nn.Linear(2, 1))
    b.load_state_dicts(a.state_dicts())
    for name, module in a.modules().items():
        for key, tensor in module.state_dict().items():
            assert torch.equal(tensor, b.modules()[name].state_dict()[key])
