import json

import pytest
import torch
from torch import nn

from qtopt_finetune.optimizer_state import flatten_optimizer_state, unflatten_optimizer_state


def _stepped(optimizer_cls: type, **kwargs: object) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    optimizer = optimizer_cls(model.parameters(), **kwargs)
    for _ in range(2):
        optimizer.zero_grad()
        model(torch.randn(5, 3)).sum().backward()
        optimizer.step()
    return model, optimizer


@pytest.mark.parametrize(
    ("cls", "kwargs"), [(torch.optim.Adam, {"lr": 1e-3}), (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9})]
)
def test_flatten_round_trip_restores_an_equal_optimizer(cls: type, kwargs: dict) -> None:
    model, optimizer = _stepped(cls, **kwargs)
    tensors, meta = flatten_optimizer_state(optimizer.state_dict())
    assert all(isinstance(t, torch.Tensor) for t in tensors.values())
    meta = json.loads(json.dumps(meta))  # what the checkpoint stores
    fresh = cls(model.parameters(), **kwargs)
    fresh.load_state_dict(unflatten_optimizer_state(tensors, meta))
    original, restored = optimizer.state_dict(), fresh.state_dict()
    assert original["param_groups"] == restored["param_groups"]
    for pid, state in original["state"].items():
        for key, value in state.items():
            assert torch.equal(value, restored["state"][pid][key])
