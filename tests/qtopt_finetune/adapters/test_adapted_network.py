"""AdaptedQNetwork: fresh, zeroed or switched-off adapters give the parent's Q-values bit-for-bit."""

import copy

import pytest
import torch

from qtopt_finetune.adapters import AdaptedQNetwork, AdapterConfig
from qtopt_finetune.networks import QNetwork, QNetworkConfig
from tests.qtopt_finetune.helpers import TINY, tiny_batch


def _parent() -> QNetwork:
    torch.manual_seed(0)
    return QNetwork(TINY).eval()


def _adapted(parent: QNetwork, config: AdapterConfig | None = None) -> AdaptedQNetwork:
    net = AdaptedQNetwork(parent.config, config)
    net.load_base_state_dict(parent.state_dict())
    return net.eval()


def _inputs(n_actions: int = 5) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    batch = tiny_batch(seed=3, batch_size=4)
    images = torch.as_tensor(batch.image).permute(0, 3, 1, 2).float() / 255.0
    actions = torch.rand((4, n_actions, 6), generator=torch.Generator().manual_seed(1)) * 2 - 1
    return images, torch.as_tensor(batch.state), actions


def _q(net: QNetwork) -> tuple[torch.Tensor, torch.Tensor]:
    images, state, actions = _inputs()
    with torch.no_grad():
        per_action = net.q_from_features(net.encode_image(images), state, actions)
        return per_action, net(images, state, actions[:, 0])


def _randomise(net: AdaptedQNetwork) -> None:
    with torch.no_grad():
        for p in net.adapters.parameters():
            p.copy_(torch.randn_like(p) * 0.3)


def _assert_equal(a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> None:
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x, y)


def test_fresh_adapters_give_the_parents_q_values_bit_for_bit() -> None:
    parent = _parent()
    _assert_equal(_q(_adapted(parent)), _q(parent))


def test_adapters_off_or_zeroed_give_the_parent_back_exactly_after_they_changed() -> None:
    parent = _parent()
    net = _adapted(parent)
    _randomise(net)
    changed = _q(net)
    assert not torch.equal(changed[0], _q(parent)[0])  # the adapters act: every site moves the output
    net.set_adapters_enabled(False)
    assert not net.adapters_enabled
    _assert_equal(_q(net), _q(parent))
    _assert_equal(_q(net.to_base()), _q(parent))  # adapters removed
    net.set_adapters_enabled(True)
    _assert_equal(_q(net), changed)
    net.zero_adapters()
    _assert_equal(_q(net), _q(parent))


@pytest.mark.parametrize("site", ["bottom", "middle", "top"])
def test_each_site_alone_changes_the_output(site: str) -> None:
    parent = _parent()
    net = _adapted(parent, AdapterConfig(**{s: (2 if s == site else 0) for s in ("bottom", "middle", "top")}))
    assert set(net.adapters) == {site}
    _randomise(net)
    assert not torch.equal(_q(net)[0], _q(parent)[0])


def test_base_is_frozen_and_adapters_are_a_small_fraction_of_the_default_network() -> None:
    net = AdaptedQNetwork(QNetworkConfig())
    for name, p in net.named_parameters():
        assert p.requires_grad == name.startswith("adapters."), name
    # default 64x64 network: 62321 base parameters; adapters 148 (bottom) + 552 (middle) + 1538 (top)
    assert net.base_parameter_count() == sum(p.numel() for p in QNetwork(QNetworkConfig()).parameters())
    assert (net.adapter_parameter_count(), net.base_parameter_count()) == (2238, 62321)
    assert net.adapter_parameter_count() / net.base_parameter_count() <= 0.05  # 3.59 %


def test_a_deep_copy_uses_its_own_adapters() -> None:
    # the lagged target networks are deep copies: their hooks must call their own adapters
    parent = _parent()
    net = _adapted(parent)
    clone = copy.deepcopy(net)
    _randomise(clone)
    _assert_equal(_q(net), _q(parent))
    assert not torch.equal(_q(clone)[0], _q(parent)[0])


def test_state_dicts_that_do_not_fit_are_refused_naming_the_keys() -> None:
    net = AdaptedQNetwork(TINY)
    with pytest.raises(ValueError, match=r"missing.*adapters.bottom"):
        net.load_adapter_state_dict({})
    with pytest.raises(ValueError, match=r"unexpected.*adapters.bottom.down.bias"):
        net.load_base_state_dict({**_parent().state_dict(), **net.adapter_state_dict()})


def test_adapter_config_validates_and_round_trips() -> None:
    assert AdapterConfig.from_dict(AdapterConfig(1, 2, 3).to_dict()) == AdapterConfig(1, 2, 3)
    with pytest.raises(ValueError, match="middle"):
        AdapterConfig(middle=-1)
    with pytest.raises(ValueError, match="at least one site"):
        AdapterConfig(0, 0, 0)
    with pytest.raises(ValueError, match=r"unknown AdapterConfig fields.*rank"):
        AdapterConfig.from_dict({"rank": 4})
